"""Fast Purge tools: `purge-invalidate` and `purge-delete`.

Each takes exactly one kind of object, `urls` (or ARLs), `cpcodes` or `tags`, and a
`network`, PRODUCTION by default as in Akamai's API (purging is mostly done to fix what the live
site serves). The objects are checked and normalized before anything is sent (see
`alecs.akamai.purge`), split into requests under Fast Purge's 50,000-byte limit, and the
result carries the purge ids and Akamai's `estimatedSeconds` (about 5 s; there is nothing to
poll).

Confirmation policy:

- `purge-invalidate` never asks. Invalidation marks objects stale; edge servers revalidate
  them with the origin (a conditional request, answered 304 when unchanged) and keep serving
  the cached copy if the origin cannot be reached. It is the routine, safe way to refresh
  content, so it is annotated non-destructive and idempotent.
- `purge-delete` asks on PRODUCTION (not on STAGING). Deletion evicts objects: every next
  request goes to the origin, which can overload it, and if the origin is down users get
  errors instead of the old content. It is annotated destructive and idempotent.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BeforeValidator, Field

from alecs.akamai.purge import (
    MAX_OBJECTS_PER_REQUEST,
    MAX_URL_LENGTH,
    PurgeClient,
    PurgeIncomplete,
    PurgeInputError,
    PurgeRequest,
    normalize_cpcodes,
    normalize_tags,
    normalize_urls,
)
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    Ctx,
    Customer,
    InputError,
    Progress,
    ToolOutput,
    confirmation,
    error_text,
    service,
    tool,
    upper_text,
)
from alecs.tools.dryrun import WritePlan, in_dry_run

Kind = Literal["url", "cpcode", "tag"]
_KIND_FIELD = {"url": "urls", "cpcode": "cpcodes", "tag": "tags"}
_KIND_LABEL = {"url": "URL(s)/ARL(s)", "cpcode": "CP code(s)", "tag": "cache tag(s)"}
SAMPLE = 5


def _listify(value: Any) -> Any:
    """One object where a list is expected (a URL, a CP code) becomes a list of one."""
    return [value] if isinstance(value, str | int) and not isinstance(value, bool) else value


PurgeNetwork = Annotated[
    Literal["STAGING", "PRODUCTION"],
    BeforeValidator(upper_text),
    Field(
        description="PRODUCTION (the live site; Akamai's default) or STAGING (the staging "
        "network, for testing a configuration before it goes live)."
    ),
]
# The list limits sit inside the non-null branch, so an explicit null stays valid.
Urls = Annotated[
    Annotated[
        list[Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH)]],
        Field(min_length=1, max_length=MAX_OBJECTS_PER_REQUEST["url"]),
    ]
    | None,
    BeforeValidator(_listify),
    Field(
        description="URLs to purge: https://www.example.com/path?query (a URL purges both its "
        "http and https forms; without a scheme https:// is assumed), ARLs (/L/...), or paths "
        "(/img/logo.png) together with `hostname`. Query strings are part of the URL.",
    ),
]
Cpcodes = Annotated[
    Annotated[list[int | str], Field(min_length=1, max_length=MAX_OBJECTS_PER_REQUEST["cpcode"])]
    | None,
    BeforeValidator(_listify),
    Field(
        description="CP codes to purge everything under: 1000001 or cpc_1000001 (find them with "
        "cpcode-list or in a property's cpCode behavior).",
    ),
]
Tags = Annotated[
    Annotated[
        list[Annotated[str, Field(min_length=1, max_length=128)]],
        Field(min_length=1, max_length=MAX_OBJECTS_PER_REQUEST["tag"]),
    ]
    | None,
    BeforeValidator(_listify),
    Field(
        description="Cache tags to purge (the Edge-Cache-Tag values your origin sets).",
    ),
]
Hostname = Annotated[
    str | None,
    Field(
        max_length=253,
        description="With paths in `urls`: the hostname they belong to (www.example.com).",
    ),
]


class PurgeOutcome(ToolOutput):
    """What a purge did."""

    action: Literal["invalidate", "delete"]
    network: Literal["STAGING", "PRODUCTION"]
    kind: Kind
    objects: int = Field(description="Objects purged (after normalizing and removing duplicates).")
    duplicates_removed: int = 0
    sample: list[str] = Field(description="The first objects as sent (normalized).")
    purge_ids: list[str] = Field(description="One per request; quote them to Akamai support.")
    estimated_seconds: int | None = Field(
        description="Akamai's estimate until the content is purged everywhere (largest of all "
        "requests)."
    )
    requests: list[PurgeRequest]
    next_step: str

    def summary(self) -> str:
        verb = "Invalidated" if self.action == "invalidate" else "Deleted"
        ids = ", ".join(self.purge_ids[:3]) + (" ..." if len(self.purge_ids) > 3 else "")
        eta = f" Done in about {self.estimated_seconds} s." if self.estimated_seconds else ""
        split = f" in {len(self.requests)} requests" if len(self.requests) > 1 else ""
        return (
            f"{verb} {self.objects} {_KIND_LABEL[self.kind]} on {self.network}{split}: "
            f"purge id {ids}.{eta}"
        )


# --------------------------------------------------------------------------- helpers


def _objects(
    urls: list[str] | None,
    cpcodes: list[int | str] | None,
    tags: list[str] | None,
    hostname: str | None,
) -> tuple[Kind, list[Any], int]:
    """(kind, normalized objects, duplicates removed); InputError naming the field."""
    given = [
        name for name, value in (("urls", urls), ("cpcodes", cpcodes), ("tags", tags)) if value
    ]
    if not given:
        raise InputError(
            "urls/cpcodes/tags",
            "nothing to purge: give exactly one of urls, cpcodes or tags",
            allowed="one non-empty list: urls, cpcodes or tags",
        )
    if len(given) > 1:
        raise InputError(
            "/".join(given),
            f"got {' and '.join(given)}; a purge takes one kind of object (Fast Purge accepts "
            "one kind per request): call the tool once per kind",
            allowed="exactly one of urls, cpcodes or tags",
        )
    if hostname and not urls:
        raise InputError("hostname", "only used with paths in `urls`")
    try:
        if urls:
            kind: Kind = "url"
            raw: list[Any] = list(urls)
            objects: list[Any] = normalize_urls(urls, hostname=hostname)
        elif cpcodes:
            kind, raw, objects = "cpcode", list(cpcodes), normalize_cpcodes(cpcodes)
        else:
            kind, raw, objects = "tag", list(tags or []), normalize_tags(tags or [])
    except PurgeInputError as exc:
        raise InputError(exc.field, exc.problem, allowed=exc.allowed) from None
    return kind, objects, len(raw) - len(objects)


def _ask_delete(
    network: str,
    urls: list[str] | None,
    cpcodes: list[int | str] | None,
    tags: list[str] | None,
    hostname: str | None,
) -> str | None:
    if str(network).strip().upper() != "PRODUCTION":
        return None
    try:
        kind, objects, _ = _objects(urls, cpcodes, tags, hostname)
    except InputError:
        return None  # the tool body reports the bad input; nothing to confirm
    shown = ", ".join(str(o) for o in objects[:3]) + (" ..." if len(objects) > 3 else "")
    everything = " (everything cached under them)" if kind != "url" else ""
    return (
        f"Delete {len(objects)} {_KIND_LABEL[kind]}{everything} from Akamai's PRODUCTION cache "
        f"({shown})? Every next request goes to your origin; if it is slow or down, users get "
        "errors instead of cached content. purge-invalidate is the safer way to refresh content."
    )


async def _purge(
    ctx: Ctx,
    action: Literal["invalidate", "delete"],
    *,
    network: Literal["STAGING", "PRODUCTION"],
    urls: list[str] | None,
    cpcodes: list[int | str] | None,
    tags: list[str] | None,
    hostname: str | None,
    customer: str | None,
    account_switch_key: str | None,
) -> PurgeOutcome | WritePlan:
    kind, objects, duplicates = _objects(urls, cpcodes, tags, hostname)
    client = service(ctx, PurgeClient, customer, account_switch_key)
    if in_dry_run():
        try:
            plan = await client.plan_purge(
                action,
                kind,
                objects,
                network="production" if network == "PRODUCTION" else "staging",
            )
        except PurgeInputError as exc:
            raise InputError(exc.field, exc.problem, allowed=exc.allowed) from None
        plan.details["duplicates_removed"] = duplicates
        return plan
    progress: Progress | None = None

    async def on_batch(done: int, total: int, request: PurgeRequest) -> None:
        nonlocal progress
        if total > 1:
            progress = progress or Progress(ctx, total=total)
            await progress(done, f"request {done}/{total} accepted: {request.purge_id}")

    try:
        result = await client.purge(
            action,
            kind,
            objects,
            network="production" if network == "PRODUCTION" else "staging",
            on_batch=on_batch,
        )
    except PurgeInputError as exc:
        raise InputError(exc.field, exc.problem, allowed=exc.allowed) from None
    except PurgeIncomplete as exc:
        purged = sum(r.objects for r in exc.done)
        ids = ", ".join(r.purge_id for r in exc.done)
        raise ToolError(
            f"Partly done: {purged} of {len(objects)} {_KIND_LABEL[kind]} were purged on "
            f"{network} (purge ids {ids}); the next request of {exc.failed_objects} objects "
            f"failed and {exc.not_sent_objects} more were not sent.\n{error_text(exc.error)}\n"
            f"Purging again is harmless: call {'purge-' + action} again with the same "
            "arguments once the cause is fixed."
        ) from None
    verb = "invalidated" if action == "invalidate" else "deleted"
    return PurgeOutcome(
        action=action,
        network=network,
        kind=kind,
        objects=result.objects,
        duplicates_removed=duplicates,
        sample=[str(o) for o in objects[:SAMPLE]],
        purge_ids=result.purge_ids,
        estimated_seconds=result.estimated_seconds,
        requests=result.requests,
        next_step=(
            f"Akamai accepted the request; the content is {verb} on {network} within about "
            f"{result.estimated_seconds or 5} seconds. Nothing to poll."
        ),
    )


# --------------------------------------------------------------------------- tools


@tool(
    "purge-invalidate",
    toolset="purge",
    kind="write",
    title="Invalidate cached content (Fast Purge)",
    idempotent=True,
)
async def purge_invalidate(
    ctx: Ctx,
    urls: Urls = None,
    cpcodes: Cpcodes = None,
    tags: Tags = None,
    hostname: Hostname = None,
    network: PurgeNetwork = "PRODUCTION",
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PurgeOutcome:
    """Refresh cached content on Akamai: mark it stale so edge servers revalidate it with
    the origin on the next request. The routine, safe way to publish changed content.

    Give exactly one of `urls`, `cpcodes` or `tags` (one kind per call). `network`
    defaults to PRODUCTION, as in Akamai's API. Large URL lists are split into several
    requests automatically. Returns the purge ids and Akamai's estimatedSeconds (about
    5 s); there is nothing to poll. Asks no confirmation: unchanged objects are served from
    cache after a cheap revalidation, and stale copies are still served if the origin is
    unreachable. Use purge-delete only when content must not be served at all any more.
    """
    return await _purge(
        ctx,
        "invalidate",
        network=network,
        urls=urls,
        cpcodes=cpcodes,
        tags=tags,
        hostname=hostname,
        customer=customer,
        account_switch_key=account_switch_key,
    )


@tool(
    "purge-delete",
    toolset="purge",
    kind="destructive",
    title="Delete cached content (Fast Purge)",
    idempotent=True,
)
async def purge_delete(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_delete)],
    urls: Urls = None,
    cpcodes: Cpcodes = None,
    tags: Tags = None,
    hostname: Hostname = None,
    network: PurgeNetwork = "PRODUCTION",
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> PurgeOutcome:
    """Evict content from Akamai's cache: the next request for it goes to the origin.

    For content that must not be served any more (legal takedown, leaked file). To publish
    changed content, prefer purge-invalidate: deletion sends all traffic for the objects to
    the origin at once and serves errors if the origin is down. Give exactly one of `urls`,
    `cpcodes` or `tags`; `network` defaults to PRODUCTION, which asks the user to confirm
    first. Returns the purge ids and estimatedSeconds (about 5 s).
    """
    return await _purge(
        ctx,
        "delete",
        network=network,
        urls=urls,
        cpcodes=cpcodes,
        tags=tags,
        hostname=hostname,
        customer=customer,
        account_switch_key=account_switch_key,
    )
