"""Fast Purge API (CCU v3) client: invalidate or delete cached content by URL/ARL, CP code or
cache tag, on the staging or production network.

    purge = PurgeClient(transport, "default", account_switch_key=None)
    urls = normalize_urls(["www.example.com/a.html", "/img/logo.png"], hostname="www.example.com")
    result = await purge.purge("invalidate", "url", urls, network="production")
    result.purge_ids, result.estimated_seconds

What it takes care of:

- paths `/ccu/v3/{invalidate|delete}/{url|cpcode|tag}/{staging|production}` and the body
  `{"objects": [...]}` exactly as the official schema has it (no `hostname` member: paths given
  with a hostname are expanded to full URLs here);
- Akamai's 50,000-byte body limit (413 above it): objects are split into as few requests as
  fit, measured on the exact bytes the transport sends (compact JSON, UTF-8); a request also
  never holds more objects than the account's object bucket (URL/ARL 10,000, CP code 300,
  cache tag 5,000), so it can never be refused for being larger than the bucket;
- POSTs are marked `idempotent=True`: purging the same objects twice is harmless, so the
  transport may retry them after a timeout or a 5xx. Rate limiting (one request token plus
  one object token per object, per account) is done by the transport's `ccu` buckets;
- what people type: URLs without a scheme get `https://` (Fast Purge purges both schemes for
  a URL), paths are joined to `hostname`, internationalized hostnames become IDNA, and
  non-ASCII path characters are percent-encoded (Akamai refuses non-ASCII URLs); CP codes
  may be `cpc_123`, `"123"` or `123`; duplicates are dropped, order kept.

Errors: bad input raises `PurgeInputError` (names the field, the bad item and what is
allowed) before anything is sent. Akamai's refusals come up as `AkamaiApiError`. When a
request after the first fails, `PurgeIncomplete` carries the requests that were accepted
and the error, so the caller can say exactly what was purged and what was not.
"""

from __future__ import annotations

import json as jsonlib
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import BaseModel, Field

from alecs.akamai._base import AkamaiInputError, ServiceClient
from alecs.akamai.plan import PlanChange, WritePlan
from alecs.akamai.plan import request as plan_request
from alecs.transport.errors import AlecsError
from alecs.transport.ratelimit import DEFAULT_RATE_LIMITS

if TYPE_CHECKING:
    pass

BASE = "/ccu/v3"
Action = Literal["invalidate", "delete"]
Kind = Literal["url", "cpcode", "tag"]
Network = Literal["staging", "production"]
ACTIONS: tuple[str, ...] = ("invalidate", "delete")
KINDS: tuple[str, ...] = ("url", "cpcode", "tag")
NETWORKS: tuple[str, ...] = ("staging", "production")

MAX_BODY_BYTES = 50_000
"""Fast Purge refuses bodies larger than 50,000 bytes with 413 (TechDocs, "413")."""

MAX_OBJECTS_PER_REQUEST: dict[str, int] = {"url": 10_000, "cpcode": 300, "tag": 5_000}
"""The account's object bucket sizes: a request needing more tokens could never be served."""

MAX_URL_LENGTH = 8_192
MAX_TAG_LENGTH = 128
MAX_CPCODE = 2**31 - 1
"""CP codes are 32-bit integers; a larger number is a typo, refused before sending."""
_EMPTY_BODY_BYTES = len(b'{"objects":[]}')
_ARL = re.compile(r"^/[A-Za-z]/\d+/\d+/")
_TAG_FORBIDDEN = re.compile(r'[\s*"(),:;<=>?@\\\[\]{}]')
_HOST = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9\-_]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9\-_]{0,61}[a-z0-9])?)*$"
)
# Everything printable in ASCII stays as typed (existing %XX escapes included).
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]~_"


class PurgeInputError(AkamaiInputError):
    """Purge input that Akamai would refuse: names the field, the problem and what is allowed."""


class PurgeRequest(BaseModel):
    """One accepted Fast Purge request (one POST)."""

    purge_id: str = Field(description="Akamai's purge id (purgeId).")
    support_id: str | None = Field(default=None, description="Quote this to Akamai support.")
    estimated_seconds: int | None = Field(
        default=None, description="Akamai's estimate until the purge completes everywhere."
    )
    http_status: int = 201
    detail: str | None = None
    objects: int = Field(description="Objects in this request.")


class PurgeResult(BaseModel):
    """The outcome of purging a set of objects (one or more requests)."""

    action: Action
    kind: Kind
    network: Network
    objects: int = Field(description="Objects purged (after normalizing and removing duplicates).")
    requests: list[PurgeRequest]

    @property
    def purge_ids(self) -> list[str]:
        return [r.purge_id for r in self.requests]

    @property
    def estimated_seconds(self) -> int | None:
        values = [r.estimated_seconds for r in self.requests if r.estimated_seconds is not None]
        return max(values) if values else None


class PurgeIncomplete(Exception):
    """Some requests were accepted, then one failed: nothing after it was sent."""

    def __init__(
        self,
        *,
        action: Action,
        kind: Kind,
        network: Network,
        done: list[PurgeRequest],
        failed_objects: int,
        not_sent_objects: int,
        error: AlecsError,
    ) -> None:
        self.action = action
        self.kind = kind
        self.network = network
        self.done = done
        self.failed_objects = failed_objects
        self.not_sent_objects = not_sent_objects
        self.error = error
        purged = sum(r.objects for r in done)
        super().__init__(
            f"{purged} objects purged in {len(done)} request(s), then a request of "
            f"{failed_objects} objects failed ({error}); {not_sent_objects} objects not sent"
        )


# ---------------------------------------------------------------------------------------------
# Input normalization (pure functions; the tools call them before asking for confirmation)


def _dedupe(items: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _idna_host(host: str, field: str, original: str) -> str:
    text = host.strip().rstrip(".").lower()
    try:
        text = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        raise PurgeInputError(
            field, f"{original!r} has an invalid hostname", "like www.example.com"
        ) from None
    if not _HOST.match(text):
        raise PurgeInputError(
            field, f"{original!r} has an invalid hostname", "like www.example.com"
        )
    return text


def normalize_url(value: str, *, hostname: str | None = None, field: str = "urls") -> str:
    """One URL or ARL as Fast Purge wants it (see the module docstring)."""
    if not isinstance(value, str):
        raise PurgeInputError(field, f"{value!r} is not a string", "URLs or ARLs")
    text = value.strip()
    if not text:
        raise PurgeInputError(field, "an empty URL", "https://www.example.com/path")
    if any(c.isspace() for c in text):
        raise PurgeInputError(field, f"{value!r} contains whitespace", "URLs with %20 for spaces")
    if _ARL.match(text):
        if not text.isascii():
            raise PurgeInputError(field, f"ARL {value!r} contains non-ASCII characters")
        return text
    if text.startswith("/"):
        if not hostname:
            raise PurgeInputError(
                field,
                f"{value!r} is a path without a hostname",
                "full URLs (https://www.example.com/path), or paths together with `hostname`",
            )
        host = _idna_host(hostname, "hostname", hostname)
        text = f"https://{host}{text}"
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", text):
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise PurgeInputError(
            field, f"{value!r} is not an http(s) URL", "http:// or https:// URLs, or ARLs"
        )
    if not parts.hostname:
        raise PurgeInputError(field, f"{value!r} has no hostname", "https://www.example.com/path")
    host = _idna_host(parts.hostname, field, value)
    try:
        port = parts.port
    except ValueError:
        raise PurgeInputError(field, f"{value!r} has an invalid port") from None
    netloc = host + (f":{port}" if port else "")
    path = quote(parts.path or "/", safe=_URL_SAFE)
    query = quote(parts.query, safe=_URL_SAFE)
    url = urlunsplit((parts.scheme.lower(), netloc, path, query, ""))
    if len(url) > MAX_URL_LENGTH:
        raise PurgeInputError(
            field, f"a URL of {len(url)} characters", f"at most {MAX_URL_LENGTH} characters"
        )
    return url


def normalize_urls(
    values: Sequence[str], *, hostname: str | None = None, field: str = "urls"
) -> list[str]:
    """URLs/ARLs checked and normalized, duplicates removed, order kept."""
    out = []
    for i, value in enumerate(values):
        try:
            out.append(normalize_url(value, hostname=hostname, field=field))
        except PurgeInputError as exc:
            if exc.field == field:
                raise PurgeInputError(field, f"item {i + 1}: {exc.problem}", exc.allowed) from None
            raise
    return _dedupe(out)


def normalize_cpcodes(values: Sequence[int | str], *, field: str = "cpcodes") -> list[int]:
    """CP codes as integers: `cpc_123`, `"123"` and `123` are all 123."""
    out = []
    for i, value in enumerate(values):
        text = str(value).strip()
        if text.lower().startswith("cpc_"):
            text = text[4:]
        if (
            isinstance(value, bool)
            or not (text.isascii() and text.isdigit())
            or not 0 < int(text) <= MAX_CPCODE
        ):
            raise PurgeInputError(
                field,
                f"item {i + 1}: {value!r} is not a CP code",
                "numbers like 1000001 or cpc_1000001",
            )
        out.append(int(text))
    return _dedupe(out)


def normalize_tags(values: Sequence[str], *, field: str = "tags") -> list[str]:
    """Cache tags as the cacheTag behavior allows them (1-128 characters, no separators)."""
    out = []
    for i, value in enumerate(values):
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise PurgeInputError(field, f"item {i + 1}: an empty cache tag")
        if len(text) > MAX_TAG_LENGTH:
            raise PurgeInputError(
                field, f"item {i + 1}: {text[:40]!r}... is longer than {MAX_TAG_LENGTH} characters"
            )
        bad = _TAG_FORBIDDEN.search(text)
        if bad or not text.isascii():
            char = bad.group(0) if bad else next(c for c in text if not c.isascii())
            raise PurgeInputError(
                field,
                f"item {i + 1}: {text!r} contains {char!r}",
                'ASCII without whitespace or any of *"(),:;<=>?@\\[]{}',
            )
        out.append(text)
    return _dedupe(out)


def encoded_size(item: Any) -> int:
    """Bytes one object adds to the body, encoded exactly like the transport does."""
    return len(jsonlib.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def split_objects(
    objects: Sequence[Any],
    kind: str,
    *,
    max_bytes: int = MAX_BODY_BYTES,
    max_objects: int | None = None,
) -> list[list[Any]]:
    """Split objects into consecutive batches whose bodies fit `max_bytes` (in order)."""
    limit = max_objects or MAX_OBJECTS_PER_REQUEST[kind]
    batches: list[list[Any]] = []
    batch: list[Any] = []
    size = _EMPTY_BODY_BYTES
    for item in objects:
        cost = encoded_size(item)
        if _EMPTY_BODY_BYTES + cost > max_bytes:
            raise PurgeInputError(
                {"url": "urls", "cpcode": "cpcodes", "tag": "tags"}[kind],
                f"one object is too large for a purge request ({cost} bytes)",
                f"objects under {max_bytes - _EMPTY_BODY_BYTES} bytes",
            )
        extra = cost + (1 if batch else 0)
        if batch and (size + extra > max_bytes or len(batch) >= limit):
            batches.append(batch)
            batch, size, extra = [], _EMPTY_BODY_BYTES, cost
        batch.append(item)
        size += extra
    if batch:
        batches.append(batch)
    return batches


def body_bytes(objects: Sequence[Any]) -> int:
    """The size of `{"objects": objects}` as sent."""
    return len(
        jsonlib.dumps(
            {"objects": list(objects)}, ensure_ascii=False, separators=(",", ":")
        ).encode()
    )


# ---------------------------------------------------------------------------------------------
# The client

BatchCallback = Callable[[int, int, PurgeRequest], Awaitable[None]]


class PurgeClient(ServiceClient):
    """Fast Purge for one .edgerc section (and optionally another account)."""

    base_path = BASE
    api_family = "ccu"

    async def post(
        self, action: Action, kind: Kind, network: Network, objects: Sequence[Any]
    ) -> PurgeRequest:
        """One POST (the caller keeps it under the body limit); returns Akamai's answer."""
        resp = await self._call(
            "POST", f"/{action}/{kind}/{network}", json={"objects": list(objects)}, idempotent=True
        )
        doc: dict[str, Any] = resp.json() if resp.content else {}
        return PurgeRequest(
            purge_id=str(doc.get("purgeId") or ""),
            support_id=doc.get("supportId"),
            estimated_seconds=doc.get("estimatedSeconds"),
            http_status=int(doc.get("httpStatus") or resp.status_code),
            detail=doc.get("detail"),
            objects=len(objects),
        )

    async def purge(
        self,
        action: Action,
        kind: Kind,
        objects: Sequence[Any],
        *,
        network: Network = "production",
        on_batch: BatchCallback | None = None,
    ) -> PurgeResult:
        """Purge already-normalized objects, in as few requests as the body limit allows.

        Requests go one after the other (each waits for its rate-limit tokens). `on_batch(i,
        n, request)` runs after each accepted request. A failure of the first request raises
        the error itself; a later failure raises `PurgeIncomplete`.
        """
        action, kind, network = _check_call(action, kind, network)
        if not objects:
            raise PurgeInputError(
                {"url": "urls", "cpcode": "cpcodes", "tag": "tags"}[kind], "nothing to purge"
            )
        batches = split_objects(objects, kind)
        done: list[PurgeRequest] = []
        for i, batch in enumerate(batches):
            try:
                accepted = await self.post(action, kind, network, batch)
            except AlecsError as exc:
                if not done:
                    raise
                raise PurgeIncomplete(
                    action=action,
                    kind=kind,
                    network=network,
                    done=done,
                    failed_objects=len(batch),
                    not_sent_objects=sum(len(b) for b in batches[i + 1 :]),
                    error=exc,
                ) from exc
            done.append(accepted)
            if on_batch is not None:
                await on_batch(i + 1, len(batches), accepted)
        return PurgeResult(
            action=action, kind=kind, network=network, objects=len(objects), requests=done
        )

    # -- dry-run plans (read only: see alecs/akamai/plan.py) ------------------------------------

    async def plan_purge(
        self,
        action: Action,
        kind: Kind,
        objects: Sequence[Any],
        *,
        network: Network = "production",
    ) -> WritePlan:
        """The objects, the requests after the 50 KB split, and the rate-limit tokens a purge
        would take (one request token per request, one object token per object). Fast Purge
        has no state to read: nothing is sent."""
        action, kind, network = _check_call(action, kind, network)
        field = {"url": "urls", "cpcode": "cpcodes", "tag": "tags"}[kind]
        if not objects:
            raise PurgeInputError(field, "nothing to purge")
        batches = split_objects(objects, kind)
        spec = DEFAULT_RATE_LIMITS["ccu"]
        bucket = spec.object_buckets.get(kind)
        verb = "mark stale" if action == "invalidate" else "remove from the cache"
        return WritePlan(
            operation=f"{verb} {len(objects)} {kind} object(s) on {network.upper()} in "
            f"{len(batches)} request(s)",
            target={"action": action, "kind": kind, "network": network.upper()},
            changes=[PlanChange(action="purge", target=str(o)) for o in objects],
            requests=[
                plan_request(
                    "POST",
                    f"{self.base_path}/{action}/{kind}/{network}",
                    {"objects": list(b)},
                    f"{len(b)} objects",
                )
                for b in batches
            ],
            details={
                "objects": len(objects),
                "requests": len(batches),
                "request_tokens": len(batches),
                "object_tokens": len(objects),
                "object_bucket_capacity": int(bucket.capacity) if bucket else None,
                "largest_body_bytes": max(body_bytes(b) for b in batches),
                "max_body_bytes": MAX_BODY_BYTES,
            },
            warnings=[
                f"{len(objects)} objects exceed the account's {kind} bucket of "
                f"{int(bucket.capacity)}: the purge waits for tokens to refill"
            ]
            if bucket is not None and len(objects) > bucket.capacity
            else [],
            would_change=True,
        )


def _check_call(action: str, kind: str, network: str) -> tuple[Action, Kind, Network]:
    network = network.lower()
    if action not in ACTIONS:
        raise PurgeInputError("action", f"{action!r}", "invalidate or delete")
    if kind not in KINDS:
        raise PurgeInputError("kind", f"{kind!r}", "url, cpcode or tag")
    if network not in NETWORKS:
        raise PurgeInputError("network", f"{network!r}", "STAGING or PRODUCTION")
    return action, kind, network  # type: ignore[return-value]
