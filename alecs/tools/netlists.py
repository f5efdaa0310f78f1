"""Network list tools: list, get, create, change elements, activate, activation status, delete.

Thin by design: each tool validates its arguments, calls `alecs.akamai.netlists.NetlistsClient`
and shapes the answer. A network list may be named by its id (`1024_BLOCKLIST`) or by its
exact name. Elements are checked before anything is sent (IP/CIDR for IP lists, two-letter
country codes for GEO lists) and a bad one is named. Element changes use Akamai's syncPoint
concurrency control: pass the `sync_point` you read to make sure nobody changed the list in
between (a stale one is a clear conflict error). Activation on PRODUCTION and deletion ask the
user first; activations wait with progress notifications until ACTIVE or FAILED, and a timeout
returns the state and how to check again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, BeforeValidator, Field

from alecs.akamai.netlists import (
    ActivationStatus,
    NetlistInputError,
    NetlistsClient,
    NetworkList,
    SyncPointConflict,
    describe_wide,
    normalize_elements,
    wide_ranges,
)
from alecs.akamai.waiting import netlist_activation_progress
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    Ctx,
    Customer,
    ErrorMap,
    InputError,
    NetworkArg,
    Progress,
    ToolOutput,
    as_list,
    confirmation,
    service,
    tool,
    upper_text,
)
from alecs.tools.dryrun import in_dry_run
from alecs.tools.waits import DEFAULT_WAIT_S, NextCall, WaitSeconds, bounded_wait, continue_call

DEFAULT_POLL_S = {"STAGING": 10.0, "PRODUCTION": 20.0}
MIN_POLL_S = 1.0
DEFAULT_MAX_ELEMENTS = 1000
_LIST_ID = re.compile(r"^\d+_[A-Za-z0-9_]+$")


# --------------------------------------------------------------------------- argument types

ListRef = Annotated[
    str,
    Field(
        description="The network list: its id (uniqueId, e.g. 1024_BLOCKLIST) or its exact "
        "name. Find it with network-list-list.",
        min_length=1,
        max_length=200,
    ),
]
ListTypeArg = Annotated[
    Literal["IP", "GEO"],
    BeforeValidator(upper_text),
    Field(description="IP (IPv4/IPv6 addresses and CIDR blocks) or GEO (country codes)."),
]
Elements = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]],
    Field(max_length=10_000),  # before the validator: checked with list wording
    BeforeValidator(as_list),
    Field(
        description="IP lists: 192.0.2.10, 198.51.100.0/24, 2001:db8::/32. GEO lists: two-letter "
        "country codes (US, DE).",
    ),
]
Emails = Annotated[
    list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]],
    Field(max_length=20),
    BeforeValidator(as_list),
    Field(description="Who Akamai emails when the activation completes."),
]
MaxElements = Annotated[
    int,
    Field(ge=0, le=100_000, description="Show at most this many elements per list."),
]
TimeoutArg = WaitSeconds


# --------------------------------------------------------------------------- outputs


class ListSummary(BaseModel):
    network_list_id: str
    name: str
    type: str
    description: str | None = None
    element_count: int | None = None
    sync_point: int
    staging_status: str | None = None
    production_status: str | None = None
    read_only: bool = False
    elements: list[str] | None = None
    elements_truncated: bool = False


def _summary(nl: NetworkList, max_elements: int | None) -> ListSummary:
    elements = nl.elements
    truncated = False
    if elements is not None and max_elements is not None and len(elements) > max_elements:
        elements, truncated = elements[:max_elements], True
    return ListSummary(
        network_list_id=nl.unique_id,
        name=nl.name,
        type=nl.type,
        description=nl.description,
        element_count=nl.element_count if nl.element_count is not None else len(nl.elements or []),
        sync_point=nl.sync_point,
        staging_status=nl.staging_activation_status,
        production_status=nl.production_activation_status,
        read_only=nl.read_only or nl.shared,
        elements=elements if max_elements is not None else None,
        elements_truncated=truncated,
    )


class NetworkListList(ToolOutput):
    network_lists: list[ListSummary]

    def summary(self) -> str:
        if not self.network_lists:
            return "No network lists match."
        lines = [f"{len(self.network_lists)} network list(s):"]
        for nl in self.network_lists[:50]:
            lines.append(
                f"- {nl.network_list_id} {nl.name!r} ({nl.type}, {nl.element_count} elements, "
                f"syncPoint {nl.sync_point}; staging {nl.staging_status}, production "
                f"{nl.production_status})"
            )
        return "\n".join(lines)


class NetworkListDetail(ToolOutput):
    network_list: ListSummary
    contract_id: str | None = None
    group_id: int | None = None
    updated_by: str | None = None
    update_date: str | None = None

    def summary(self) -> str:
        nl = self.network_list
        shown = ""
        if nl.elements is not None:
            more = f" (first {len(nl.elements)} shown)" if nl.elements_truncated else ""
            shown = "\nelements" + more + ": " + ", ".join(nl.elements[:20])
            if len(nl.elements) > 20:
                shown += " ..."
        return (
            f"{nl.network_list_id} {nl.name!r}: {nl.type}, {nl.element_count} elements, "
            f"syncPoint {nl.sync_point}; staging {nl.staging_status}, production "
            f"{nl.production_status}{shown}"
        )


class NetworkListCreated(ToolOutput):
    network_list_id: str
    name: str
    type: str
    sync_point: int
    element_count: int
    notes: list[str] = Field(
        default_factory=list, description="Elements normalized (CIDR host bits dropped)."
    )
    next_step: str

    def summary(self) -> str:
        notes = "".join(f"\nNote: {n}." for n in self.notes)
        return (
            f"Created network list {self.network_list_id} {self.name!r} ({self.type}, "
            f"{self.element_count} elements, syncPoint {self.sync_point}). {self.next_step}"
            f"{notes}"
        )


class ElementsUpdated(ToolOutput):
    network_list_id: str
    changed: bool
    sync_point_before: int
    sync_point: int
    added: list[str]
    removed: list[str]
    already_present: list[str] = Field(description="Asked to add, but already in the list.")
    not_present: list[str] = Field(description="Asked to remove, but not in the list.")
    notes: list[str] = Field(
        default_factory=list,
        description="Elements normalized before the change (a CIDR block keeps only its "
        "network bits: 10.0.0.5/8 is stored as 10.0.0.0/8).",
    )
    element_count: int
    staging_status: str | None = None
    production_status: str | None = None
    next_step: str

    def summary(self) -> str:
        notes = "".join(f"\nNote: {n}." for n in self.notes)
        if not self.changed:
            return f"No change to {self.network_list_id}. {self.next_step}{notes}"
        return (
            f"{self.network_list_id}: added {len(self.added)}, removed {len(self.removed)}; "
            f"syncPoint {self.sync_point_before} -> {self.sync_point}, {self.element_count} "
            f"elements. {self.next_step}{notes}"
        )


class ActivationOutcome(ToolOutput):
    network_list_id: str
    network: str
    activation_id: int | None
    status: str
    sync_point: int
    finished: bool
    progress: float = Field(
        description="0-100 from Akamai's state (PENDING_ACTIVATION 20); 100 only when finished."
    )
    waited_s: float
    polls: int
    next_step: str
    next_call: NextCall | None = Field(
        default=None, description="While not finished: the exact call that continues waiting."
    )

    def summary(self) -> str:
        return (
            f"{self.network_list_id} on {self.network}: {self.status} (activation "
            f"{self.activation_id}, syncPoint {self.sync_point}). {self.next_step}"
        )


class ActivationStatusList(ToolOutput):
    network_list_id: str
    statuses: list[ActivationStatus]
    followed: ActivationOutcome | None = Field(
        default=None, description="With wait=true: how the bounded wait ended (next_call)."
    )

    def summary(self) -> str:
        if self.followed is not None:
            return self.followed.summary()
        parts = [
            f"{s.environment}: {s.activation_status} (syncPoint {s.sync_point}"
            + (f", activation {s.activation_id}" if s.activation_id else "")
            + ")"
            for s in self.statuses
        ]
        return f"{self.network_list_id}: " + "; ".join(parts)


class NetworkListDeleted(ToolOutput):
    network_list_id: str
    deleted: bool = True

    def summary(self) -> str:
        return f"Deleted network list {self.network_list_id}."


# --------------------------------------------------------------------------- helpers


def _client(ctx: Ctx, customer: str | None, account_switch_key: str | None) -> NetlistsClient:
    return service(ctx, NetlistsClient, customer, account_switch_key)


def _sync_conflict(exc: SyncPointConflict) -> ToolError:
    """A syncPoint conflict as a tool error that says how to go on."""
    return ToolError(
        f"{exc} Nothing was changed. Get the list again (network-list-get) to see the "
        "other change, then retry with its sync_point; or omit sync_point to apply "
        "your additions and removals to the latest version."
    )


async def _list_id(nl: NetlistsClient, value: str) -> str:
    """An id as typed, or the id of the one list with exactly this name."""
    text = value.strip()
    if _LIST_ID.match(text):
        return text
    lists = await nl.list_lists(search=text, extended=False)
    exact = [x for x in lists if x.name == text] or [
        x for x in lists if x.name.lower() == text.lower()
    ]
    if len(exact) == 1:
        return exact[0].unique_id
    candidates = exact or lists or await nl.list_lists(extended=False)
    choices = [f"{x.unique_id} ({x.name})" for x in candidates][:20]
    problem = (
        f"{len(exact)} network lists are named {text!r}"
        if exact
        else f"no network list has the id or name {text!r}"
    )
    raise InputError("network_list_id", problem, allowed=choices or "ids from network-list-list")


def _poll_interval(network: str) -> Callable[[ActivationStatus], float]:
    def interval(status: ActivationStatus) -> float:
        hint = status.retry_after_s
        return max(MIN_POLL_S, hint if hint is not None else DEFAULT_POLL_S[network])

    return interval


def _ask_activate(network: str, network_list_id: str) -> str | None:
    if str(network).strip().upper() != "PRODUCTION":
        return None
    return (
        f"Activate network list {network_list_id} on PRODUCTION? Security configurations that "
        "use it start allowing or blocking traffic by its new contents on the live site."
    )


def _wide_question(elements: list[str], network_list_id: str | None = None) -> str | None:
    """A question when `elements` hold very wide ranges (0.0.0.0/0, ::/0, < /8, < /16)."""
    try:
        items = normalize_elements("IP", elements, field="add")
    except NetlistInputError:
        return None  # not an IP list (or a bad element, reported by the tool itself)
    wide = wide_ranges("IP", items)
    if not wide:
        return None
    target = f"network list {network_list_id}" if network_list_id else "the new network list"
    return (
        f"Add {describe_wide(wide)} to {target}? Such a range covers a large part of the "
        "internet: on a block list it blocks nearly everyone, on an allow list it allows nearly "
        "everyone."
    )


def _ask_add_wide(add: list[str], network_list_id: str) -> str | None:
    return _wide_question(add, network_list_id)


def _ask_create_wide(elements: list[str], type: str) -> str | None:
    return _wide_question(elements) if str(type).upper() == "IP" else None


def _ask_delete(network_list_id: str) -> str:
    return (
        f"Delete network list {network_list_id}? This cannot be undone (Akamai only deletes "
        "lists that were never activated)."
    )


def _group(value: str | int | None) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    text = text[4:] if text.lower().startswith("grp_") else text
    if not (text.isascii() and text.isdigit()):
        raise InputError("group_id", f"{value!r} is not a group id", allowed="grp_123 or 123")
    return int(text)


def _contract(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    text = text[4:] if text.lower().startswith("ctr_") else text
    if not re.fullmatch(r"[A-Za-z0-9\-]{3,20}", text):
        raise InputError("contract_id", f"{value!r} is not a contract id", allowed="ctr_1-ABCDE")
    return text


# --------------------------------------------------------------------------- tools


TOOL_ERRORS: ErrorMap = {SyncPointConflict: _sync_conflict}
"""How this module's own exceptions become tool errors (see alecs.tools.registry)."""


@tool("network-list-list", toolset="netlists", kind="read", title="List network lists")
async def network_list_list(
    ctx: Ctx,
    types: Annotated[
        list[ListTypeArg] | None,
        BeforeValidator(as_list),
        Field(description="Only lists of these types: ['IP'] or ['GEO'] (omit for both)."),
    ] = None,
    search: Annotated[
        str | None,
        Field(
            max_length=200,
            description="Only lists whose name or elements contain this text "
            "(e.g. 'block' or '192.0.2.').",
        ),
    ] = None,
    include_elements: Annotated[
        bool, Field(description="Also return each list's elements (can be large).")
    ] = False,
    max_elements: MaxElements = DEFAULT_MAX_ELEMENTS,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> NetworkListList:
    """List the account's network lists (IP/CIDR and GEO lists used by security
    configurations) with id, name, type, element count, syncPoint and activation status on
    STAGING and PRODUCTION. Use first to find a list's id. Elements only with
    include_elements (at most max_elements per list)."""
    nl = _client(ctx, customer, account_switch_key)
    wanted = set(types or ())
    list_type = next(iter(wanted)) if len(wanted) == 1 else None
    lists = await nl.list_lists(
        list_type=list_type, search=search, include_elements=include_elements
    )
    limit = max_elements if include_elements else None
    return NetworkListList(network_lists=[_summary(x, limit) for x in lists])


@tool("network-list-get", toolset="netlists", kind="read", title="Get a network list")
async def network_list_get(
    ctx: Ctx,
    network_list_id: ListRef,
    include_elements: Annotated[bool, Field(description="Return the elements.")] = True,
    max_elements: MaxElements = DEFAULT_MAX_ELEMENTS,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> NetworkListDetail:
    """Get one network list: name, type, description, syncPoint (needed to change it
    safely), activation status per network, and its elements (at most max_elements)."""
    nl = _client(ctx, customer, account_switch_key)
    list_id = await _list_id(nl, network_list_id)
    got = await nl.get(list_id, include_elements=include_elements)
    return NetworkListDetail(
        network_list=_summary(got, max_elements if include_elements else None),
        contract_id=got.contract_id,
        group_id=got.group_id,
        updated_by=got.updated_by,
        update_date=got.update_date,
    )


@tool("network-list-create", toolset="netlists", kind="write", title="Create a network list")
async def network_list_create(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_create_wide)],
    name: Annotated[str, Field(min_length=1, max_length=100, description="Display name.")],
    type: ListTypeArg,
    elements: Elements = [],  # noqa: B006 (pydantic copies defaults)
    description: Annotated[
        str | None,
        Field(min_length=1, max_length=255, description="What the list is for."),
    ] = None,
    contract_id: Annotated[
        str | None,
        Field(
            max_length=24,
            description="Contract for the list (ctr_... from contract-list); give it with "
            "group_id, or omit both for the account's default.",
        ),
    ] = None,
    group_id: Annotated[
        str | int | None,
        Field(description="Group for the list (grp_123 or 123 from group-list)."),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> NetworkListCreated:
    """Create an IP or GEO network list, optionally with its first elements (checked:
    IP/CIDR for IP lists, two-letter country codes for GEO lists; a CIDR block keeps only
    its network bits, with a note). Very wide ranges (0.0.0.0/0, ::/0, IPv4 shorter than /8,
    IPv6 shorter than /16) are confirmed with the user first. Returns its id and syncPoint.
    Nothing is live until you activate it (network-list-activate), and a
    security configuration must reference it to have an effect."""
    notes: list[str] = []
    items = normalize_elements(type, elements, field="elements", notes=notes)
    contract, group = _contract(contract_id), _group(group_id)
    if (contract is None) != (group is None):
        missing = "group_id" if group is None else "contract_id"
        raise InputError(missing, "contract_id and group_id go together: give both or neither")
    nl = _client(ctx, customer, account_switch_key)
    if in_dry_run():
        return await nl.plan_create(
            name.strip(),
            type,
            items,
            description=description,
            contract_id=contract,
            group_id=group,
        )
    created = await nl.create(
        name.strip(),
        type,
        items,
        description=description,
        contract_id=contract,
        group_id=group,
    )
    return NetworkListCreated(
        network_list_id=created.unique_id,
        name=created.name,
        type=created.type,
        sync_point=created.sync_point,
        element_count=created.element_count or len(items),
        notes=notes,
        next_step=(
            "Add or remove elements with network-list-update-elements, then activate on "
            "STAGING with network-list-activate."
        ),
    )


@tool(
    "network-list-update-elements",
    toolset="netlists",
    kind="write",
    title="Add or remove network list elements",
    idempotent=True,
    destructive=True,
)
async def network_list_update_elements(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_add_wide)],
    network_list_id: ListRef,
    add: Elements = [],  # noqa: B006
    remove: Elements = [],  # noqa: B006
    sync_point: Annotated[
        int | None,
        Field(
            ge=0,
            description="The syncPoint you read (network-list-get): the change fails with a "
            "conflict if someone changed the list since. Omit to change the latest version.",
        ),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ElementsUpdated:
    """Add and/or remove elements of a network list in one change (one new syncPoint).

    Elements are checked against the list's type (IP/CIDR or two-letter country codes)
    and a bad one is named; a CIDR block keeps only its network bits (10.0.0.5/8 becomes
    10.0.0.0/8, with a note). Adding a very wide range (0.0.0.0/0, ::/0, IPv4 shorter than
    /8, IPv6 shorter than /16) is confirmed with the user first, like a production change.
    Adding an element already there, or removing one that is not, changes nothing and is
    reported. The change is not live until activated
    (network-list-activate)."""
    if not add and not remove:
        raise InputError("add", "nothing to change", allowed="elements in add and/or remove")
    nl = _client(ctx, customer, account_switch_key)
    list_id = await _list_id(nl, network_list_id)
    if in_dry_run():
        return await nl.plan_update_elements(list_id, add=add, remove=remove, sync_point=sync_point)
    change = await nl.update_elements(list_id, add=add, remove=remove, sync_point=sync_point)
    after = change.after
    changed = bool(change.added or change.removed)
    return ElementsUpdated(
        network_list_id=list_id,
        changed=changed,
        sync_point_before=change.before.sync_point,
        sync_point=after.sync_point,
        added=change.added,
        removed=change.removed,
        already_present=change.already_present,
        not_present=change.not_present,
        notes=change.notes,
        element_count=after.element_count
        if after.element_count is not None
        else len(after.elements or []),
        staging_status=after.staging_activation_status,
        production_status=after.production_activation_status,
        next_step=(
            f"Activate syncPoint {after.sync_point} with network-list-activate (STAGING "
            "first) to make it live."
            if changed
            else "The list already had these contents."
        ),
    )


@tool(
    "network-list-activate",
    toolset="netlists",
    kind="write",
    title="Activate a network list",
    destructive=True,
)
async def network_list_activate(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_activate)],
    network_list_id: ListRef,
    network: NetworkArg = "STAGING",
    comments: Annotated[
        str | None, Field(max_length=1000, description="Why (shown in the activation).")
    ] = None,
    notify_emails: Emails = [],  # noqa: B006
    wait: Annotated[
        bool, Field(description="Wait for ACTIVE/FAILED with progress notifications.")
    ] = True,
    timeout_s: TimeoutArg = DEFAULT_WAIT_S,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ActivationOutcome:
    """Activate a network list's latest syncPoint on STAGING or PRODUCTION and wait until
    it is live.

    Activate on STAGING first; PRODUCTION changes what the live site allows or blocks, so
    the user is asked to confirm. Waits at most timeout_s (default 45 s) with progress
    notifications carrying Akamai's state; activations take minutes, so the answer is often
    still PENDING_ACTIVATION with next_call, the exact call that continues waiting (not a
    failure). Activating the same syncPoint again follows the same activation."""
    nl = _client(ctx, customer, account_switch_key)
    list_id = await _list_id(nl, network_list_id)
    if in_dry_run():
        return await nl.plan_activate(list_id, network)
    submitted = await nl.activate(
        list_id, network, comments=comments, notification_recipients=notify_emails
    )
    progress = Progress(ctx, total=100)
    await progress(
        0,
        f"activation {submitted.activation_id} submitted on {network}: "
        f"{submitted.activation_status}",
    )
    return await _follow(
        ctx,
        nl,
        list_id,
        network,
        submitted,
        timeout_s=timeout_s if wait else 0.0,
        customer=customer,
        account_switch_key=account_switch_key,
    )


async def _follow(
    ctx: Ctx,
    nl: NetlistsClient,
    list_id: str,
    network: Literal["STAGING", "PRODUCTION"],
    submitted: ActivationStatus,
    *,
    timeout_s: float,
    customer: str | None,
    account_switch_key: str | None,
) -> ActivationOutcome:
    """Wait (bounded) for the activation `submitted` describes; the outcome says how to go on."""
    ours, ours_sync_point = submitted.activation_id, submitted.sync_point

    def done(status: ActivationStatus) -> bool:
        # A status still describing an older activation (a lagging read) is not ours: wait.
        if status.activation_id is not None and ours is not None and status.activation_id > ours:
            return True  # a newer activation replaced ours
        return status.finished and status.sync_point >= ours_sync_point

    if done(submitted) or timeout_s <= 0:
        status, finished, waited, polls = submitted, done(submitted), 0.0, 1
    else:
        outcome = await bounded_wait(
            ctx,
            lambda: nl.activation_status(list_id, network),
            done=done,
            progress_of=lambda s: netlist_activation_progress(s.activation_status),
            describe=lambda s: f"{s.activation_status} on {network} (syncPoint {s.sync_point})",
            timeout_s=timeout_s,
            interval_s=_poll_interval(network),
        )
        status, finished = outcome.state, outcome.finished
        waited, polls = round(outcome.waited_s, 3), outcome.polls + 1
    check = f"network-list-activation-status network_list_id={list_id} network={network}"
    next_call = None
    if status.activation_status in ("ACTIVE", "MODIFIED"):
        next_step = f"syncPoint {status.sync_point} is live on {network}."
        if network == "STAGING":
            next_step += " Test it on staging, then activate on PRODUCTION."
    elif status.activation_status == "FAILED":
        next_step = "The activation FAILED. Check the list and activate again."
    elif finished:
        next_step = f"Another activation replaced this one; check with {check}."
    else:
        next_call = continue_call(
            "network-list-activation-status",
            network_list_id=list_id,
            network=network,
            wait=True,
            customer=customer,
            account_switch_key=account_switch_key,
        )
        next_step = (
            f"Still {status.activation_status} after {waited:g} s; this is not a failure: "
            f"activations take minutes. Continue waiting with {next_call.text}."
        )
    return ActivationOutcome(
        network_list_id=list_id,
        network=network,
        activation_id=status.activation_id if status.activation_id is not None else ours,
        status=status.activation_status,
        sync_point=status.sync_point,
        finished=finished,
        progress=100.0 if finished else netlist_activation_progress(status.activation_status),
        waited_s=waited,
        polls=polls,
        next_step=next_step,
        next_call=next_call,
    )


@tool(
    "network-list-activation-status",
    toolset="netlists",
    kind="read",
    title="Network list activation status",
)
async def network_list_activation_status(
    ctx: Ctx,
    network_list_id: ListRef,
    network: Annotated[
        NetworkArg | None, Field(description="STAGING or PRODUCTION; omit for both.")
    ] = None,
    wait: Annotated[
        bool,
        Field(
            description="With network: keep waiting (with progress) until the activation "
            "there is ACTIVE/FAILED, at most timeout_s."
        ),
    ] = False,
    timeout_s: TimeoutArg = DEFAULT_WAIT_S,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ActivationStatusList:
    """Where a network list stands on STAGING and/or PRODUCTION: INACTIVE,
    PENDING_ACTIVATION, ACTIVE, MODIFIED (an older syncPoint is active; the latest changes
    are not) or FAILED, with the activation id and the syncPoint activated. With wait=true
    and a network, follow a pending activation there like network-list-activate does."""
    nl = _client(ctx, customer, account_switch_key)
    list_id = await _list_id(nl, network_list_id)
    if wait:
        if network is None:
            raise InputError(
                "network", "wait=true follows one network", allowed="STAGING, PRODUCTION"
            )
        current = await nl.activation_status(list_id, network)
        followed = await _follow(
            ctx,
            nl,
            list_id,
            network,
            current,
            timeout_s=timeout_s,
            customer=customer,
            account_switch_key=account_switch_key,
        )
        last = await nl.activation_status(list_id, network) if followed.polls > 1 else current
        return ActivationStatusList(network_list_id=list_id, statuses=[last], followed=followed)
    networks: list[Literal["STAGING", "PRODUCTION"]] = (
        [network] if network else ["STAGING", "PRODUCTION"]
    )
    statuses = [await nl.activation_status(list_id, n) for n in networks]
    return ActivationStatusList(network_list_id=list_id, statuses=statuses)


@tool("network-list-delete", toolset="netlists", kind="destructive", title="Delete a network list")
async def network_list_delete(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_delete)],
    network_list_id: ListRef,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> NetworkListDeleted:
    """Delete a network list. Asks the user to confirm first; cannot be undone.

    Akamai only deletes lists that were never activated (409 otherwise): to retire an
    active list, remove it from the security configurations that use it, or empty it with
    network-list-update-elements and activate that."""
    nl = _client(ctx, customer, account_switch_key)
    list_id = await _list_id(nl, network_list_id)
    if in_dry_run():
        return await nl.plan_delete(list_id)
    await nl.delete(list_id)
    return NetworkListDeleted(network_list_id=list_id)
