"""Fast Purge (CCU v3) endpoints of the sandbox.

Shaped like ../shared/akamai-apis/apis/ccu/v3: `POST /ccu/v3/{invalidate|delete}/{url|cpcode|tag}
/{network}` with `{"objects": [...]}` answers 201 with `httpStatus`, `estimatedSeconds`,
`purgeId`, `supportId` and `detail` ("Request accepted"). Each accepted purge is stored in the
account's `purges` collection (`GET /_sandbox/state/{account}/purges`) and counted as a write.

Refusals, in the order Fast Purge checks them, with its response document (`supportId`,
`title`, `httpStatus`, `detail`, `describedBy`; `application/problem+json`):

- network other than `staging`/`production`: 400 "bad network";
- body over 50,000 bytes: 413 "Request Entity Too Large";
- not JSON: 415 "bad media type" / 400 "bad request"; members other than `objects` (and
  `hostname` for URL purges: `{"hostname": "www.example.com", "objects": ["/a", "/b"]}`
  purges those paths on that host), or `objects` missing, empty or not a list: 400
  "bad request"; CP codes may be numbers or digit strings (`"12345"`);
- a URL that is not ASCII, not http(s), or has a malformed hostname: 400 "bad URL" /
  "bad URL hostname" (Akamai's wording, naming the offending character); a CP code that is not
  a positive integer: 400 "bad CP code"; an empty, too long (> 128) or ill-formed cache tag:
  400 "bad cache tag";
- rate limits (route registered without the framework's token): one token from `ccu` plus
  one per object from `ccu-url`, `ccu-cpcode` or `ccu-tag`, all or nothing; 429 bodies carry
  `rateLimit`, `rateLimitCurrentRequestSize` and `rateLimitRemaining` like the examples, as
  `application/json` (the spec's media type for Fast Purge's 429);
- authorization: a URL whose hostname is not on one of the account's property versions, an
  ARL or a CP code not in the account's CP codes: 403 "unauthorized arl" / "unauthorized
  cpcode" with the object as `detail`. Cache tags are not owned, so never refused.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from typing import Any

from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.ratelimit import RateDecision

ACTIONS = ("invalidate", "delete")
KINDS = ("url", "cpcode", "tag")
NETWORKS = ("staging", "production")
MAX_BODY_BYTES = 50_000
ESTIMATED_SECONDS = 5
DESCRIBED_BY = "https://techdocs.akamai.com/purge-cache/reference/api-errors"
_ID_PREFIX = {"url": "edup", "cpcode": "edcp", "tag": "edtp"}
_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_TAG_FORBIDDEN = set(' \t\r\n*"(),:;<=>?@\\[]{}')
_RATE_TITLES = {
    "ccu": "Rate Limit exceeded",
    "ccu-url": "URL Rate Limit exceeded",
    "ccu-cpcode": "CPCODE Rate Limit exceeded",
    "ccu-tag": "TAG Rate Limit exceeded",
}


def register(router: Router) -> None:
    """The six purge routes and Fast Purge's 429 documents."""
    for action in ACTIONS:
        for kind in KINDS:
            router.add(
                "POST",
                f"/ccu/v3/{action}/{kind}/{{network}}",
                _handler(action, kind),
                rate_limited=False,
            )
    for family in _RATE_TITLES:
        router.set_rate_limit_body(family, _rate_limit_body)
        # Fast Purge's 429 is application/json (ccu/v3: the 429 response's content type)
        router.set_rate_limit_media_type(family, "application/json")


def support_id(kind: str) -> str:
    """`edcp-NZbXzFpHBjcJeryhw6PVgG`-style ids."""
    return f"{_ID_PREFIX.get(kind, 'edcp')}-" + "".join(
        secrets.choice(_ID_ALPHABET) for _ in range(22)
    )


class _Refused(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


def _refusal(kind: str, refused: _Refused) -> Response:
    doc = {
        "supportId": support_id(kind),
        "title": refused.title,
        "httpStatus": refused.status,
        "detail": refused.detail,
        "describedBy": DESCRIBED_BY,
    }
    return Response(doc, refused.status, {}, "application/problem+json")


def _rate_limit_body(req: Request, decision: RateDecision) -> dict[str, Any]:
    size = 1 if decision.family == "ccu" else int(getattr(req, "ccu_objects", 1))
    kind = decision.family.removeprefix("ccu-") if decision.family != "ccu" else "url"
    return {
        "supportId": support_id(kind),
        "title": _RATE_TITLES.get(decision.family, "Rate Limit exceeded"),
        "httpStatus": 429,
        "describedBy": DESCRIBED_BY,
        "detail": "",
        "rateLimit": decision.limit,
        "rateLimitCurrentRequestSize": size,
        "rateLimitRemaining": decision.remaining,
    }


def _handler(action: str, kind: str):
    def purge(req: Request) -> Response:
        try:
            network = req.params["network"]
            if network not in NETWORKS:
                raise _Refused(
                    400, "bad network", f"Unknown network {network!r}: use staging or production."
                )
            objects = _objects(req, kind)
            req.ccu_objects = len(objects)  # type: ignore[attr-defined]  # for the 429 body
            req.rate_limit({"ccu": 1, f"ccu-{kind}": len(objects)})
            _authorize(req, kind, objects)
        except _Refused as refused:
            return _refusal(kind, refused)
        purge_id = support_id(kind)
        with req.transaction() as tx:
            tx.put(
                "purges",
                purge_id,
                {
                    "purgeId": purge_id,
                    "action": action,
                    "kind": kind,
                    "network": network,
                    "objects": objects,
                    "submittedAt": req.iso_now(),
                    "estimatedSeconds": ESTIMATED_SECONDS,
                },
            )
        doc = {
            "httpStatus": 201,
            "estimatedSeconds": ESTIMATED_SECONDS,
            "purgeId": purge_id,
            "supportId": purge_id,
            "detail": "Request accepted",
        }
        return Response(doc, 201)

    purge.__name__ = f"{action}_{kind}"
    return purge


# ---------------------------------------------------------------------------------------------
# Validation


def _objects(req: Request, kind: str) -> list[Any]:
    if len(req.body) > MAX_BODY_BYTES:
        raise _Refused(
            413,
            "Request Entity Too Large",
            f"The request body is {len(req.body)} bytes, more than the maximum of "
            f"{MAX_BODY_BYTES:,} bytes. Split the objects over several requests.",
        )
    ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise _Refused(
            415, "bad media type", "Send the request body with Content-Type: application/json."
        )
    try:
        body = json.loads(req.body)
    except (ValueError, UnicodeDecodeError):
        raise _Refused(400, "bad request", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise _Refused(400, "bad request", 'The request body must be {"objects": [...]}.')
    allowed = {"objects", "hostname"} if kind == "url" else {"objects"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise _Refused(
            400, "bad request", f"Unknown member(s) in the request: {', '.join(unknown)}"
        )
    objects = body.get("objects")
    if not isinstance(objects, list) or not objects:
        raise _Refused(400, "bad request", "'objects' must be a non-empty array.")
    if "hostname" in body:
        objects = _with_hostname(body["hostname"], objects)
    if kind == "cpcode":  # CP codes may be sent as strings ("12345"), as Akamai's CLI does
        objects = [_cpcode_value(item) for item in objects]
    check = {"url": _check_url, "cpcode": _check_cpcode, "tag": _check_tag}[kind]
    for item in objects:
        check(item)
    return objects


def _with_hostname(hostname: Any, paths: list[Any]) -> list[Any]:
    """The `{"hostname": ..., "objects": [paths]}` form (UrlRequestWithHostname) as URLs; the
    purge covers both the http and https scheme."""
    if not isinstance(hostname, str) or not hostname.strip():
        raise _Refused(400, "bad request", "'hostname' must be a non-empty string.")
    urls: list[Any] = []
    for path in paths:
        if not isinstance(path, str) or not path:
            raise _Refused(400, "bad URL", f"Invalid or malformed path {path!r}")
        if "://" in path:
            raise _Refused(
                400,
                "bad URL",
                f"With 'hostname', objects are paths such as '/index.html', not URLs: {path!r}",
            )
        path = path if path.startswith("/") else "/" + path
        urls.append(f"https://{hostname.strip()}{path}")
    return urls


def _cpcode_value(item: Any) -> Any:
    if isinstance(item, str) and item.strip().isdigit():
        return int(item.strip())
    return item


def _check_url(item: Any) -> None:
    if not isinstance(item, str) or not item:
        raise _Refused(400, "bad URL", f"Invalid or malformed URL {item!r}")
    for char in item:
        if not char.isascii() or char.isspace():
            name = unicodedata.name(char, "UNKNOWN")
            what = "non-ASCII" if not char.isascii() else "whitespace"
            raise _Refused(
                400,
                "bad URL",
                f"Invalid or malformed URL '{item}': contains {what} character '{char}' ({name})",
            )
    if _arl_cpcode(item) is not None:
        return
    scheme, sep, rest = item.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise _Refused(400, "bad URL", f"Invalid or malformed URL '{item}': not an http(s) URL")
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    labels = host.split(".")
    if not host or any(
        not label or len(label) > 63 or not all(c.isalnum() or c in "-_" for c in label)
        for label in labels
    ):
        raise _Refused(400, "bad URL hostname", "Invalid or malformed hostname")


def _check_cpcode(item: Any) -> None:
    if not isinstance(item, int) or isinstance(item, bool) or item <= 0:
        raise _Refused(
            400,
            "bad CP code",
            f"Invalid CP code {item!r}: CP codes are positive integers (or digit strings)",
        )


def _check_tag(item: Any) -> None:
    if not isinstance(item, str) or not item.strip():
        raise _Refused(400, "bad cache tag", f"Invalid cache tag {item!r}")
    if len(item) > 128:
        raise _Refused(400, "bad cache tag", "Cache tags are at most 128 characters long")
    bad = next((c for c in item if c in _TAG_FORBIDDEN or not c.isascii()), None)
    if bad is not None:
        raise _Refused(400, "bad cache tag", f"Invalid cache tag '{item}': contains {bad!r}")


def _arl_cpcode(item: str) -> int | None:
    """The CP code of an ARL (`/L/512/6848/1h/www.example1.com/`), None for other strings."""
    parts = item.split("/")
    if (
        len(parts) > 4
        and parts[0] == ""
        and len(parts[1]) == 1
        and parts[1].isalpha()
        and parts[2].isdigit()
        and parts[3].isdigit()
    ):
        return int(parts[3])
    return None


# ---------------------------------------------------------------------------------------------
# Authorization: the account's own hostnames and CP codes


def _authorize(req: Request, kind: str, objects: list[Any]) -> None:
    if kind == "tag":
        return
    cpcodes = {int(key.removeprefix("cpc_")) for key in req.state.keys("cpcodes")}
    if kind == "cpcode":
        for item in objects:
            if item not in cpcodes:
                raise _Refused(403, "unauthorized cpcode", str(item))
        return
    hostnames = _account_hostnames(req)
    for item in objects:
        arl = _arl_cpcode(item)
        if arl is not None:
            if arl not in cpcodes:
                raise _Refused(403, "unauthorized arl", item)
            continue
        host = item.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
        host = host.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
        if not _host_allowed(host, hostnames):
            raise _Refused(403, "unauthorized arl", item)


def _account_hostnames(req: Request) -> set[str]:
    names: set[str] = set()
    for doc in req.state.list("property_hostnames"):
        for item in doc.get("items") or []:
            name = str(item.get("cnameFrom") or "").lower()
            if name:
                names.add(name)
    return names


def _host_allowed(host: str, hostnames: set[str]) -> bool:
    if host in hostnames:
        return True
    parent = host.split(".", 1)[1] if "." in host else ""
    return bool(parent) and f"*.{parent}" in hostnames
