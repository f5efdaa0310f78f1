"""Network Lists API (v2) client: IP/CIDR and GEO lists used by security configurations.

    nl = NetlistsClient(transport, "default", account_switch_key=None)
    lists = await nl.list_lists(list_type="IP", search="block")
    created = await nl.create("Blocked bots", "IP", ["192.0.2.1", "198.51.100.0/24"])
    change = await nl.update_elements(created.unique_id, add=["203.0.113.9"], remove=[])
    status = await nl.activate(created.unique_id, "STAGING", comments="block bots")
    status = await nl.activation_status(created.unique_id, "STAGING")

What it takes care of:

- paths under `/network-list/v2`, `listType`/`search`/`includeElements`/`extended` query
  parameters, bodies exactly as the official schemas have them;
- element checks before anything is sent (`normalize_elements`): IPv4/IPv6 addresses or CIDR
  blocks for IP lists (canonical form, e.g. `2001:DB8::1` -> `2001:db8::1`), two-letter
  country codes for GEO lists (upper-cased); the bad element is named; CIDR blocks keep only
  their network bits (`10.0.0.5/8` -> `10.0.0.0/8`, with a note in `ElementChange.notes`);
- `wide_ranges`: the very wide blocks (`0.0.0.0/0`, `::/0`, IPv4 shorter than /8, IPv6 shorter
  than /16, see `WIDE_PREFIX`) that a tool should confirm before adding;
- optimistic concurrency: `update_elements` reads the list and writes it back (`PUT`) with the
  `syncPoint` it read, or with the caller's `sync_point`. A stale syncPoint is answered 409 by
  Akamai and raised as `SyncPointConflict` (with the syncPoint sent and, when known, the
  current one). Without a caller's syncPoint, a conflict caused by a concurrent writer is
  retried once on the fresh list, since adding and removing elements means the same thing on
  the newer version;
- activation status, including Akamai's `Retry-After` hint while an activation is pending.

Errors: bad input raises `NetlistInputError` (names the field and the element);
Akamai's problem documents come up as `alecs.transport.errors.AkamaiApiError`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from alecs.akamai._base import AkamaiInputError, AkamaiModel, ServiceClient, reconcile
from alecs.akamai.plan import PlanChange, WritePlan
from alecs.akamai.plan import request as plan_request
from alecs.transport.errors import AkamaiApiError

if TYPE_CHECKING:
    import httpx2


BASE = "/network-list/v2"
ListType = Literal["IP", "GEO"]
Environment = Literal["STAGING", "PRODUCTION"]
LIST_TYPES: tuple[str, ...] = ("IP", "GEO")
ENVIRONMENTS: tuple[str, ...] = ("STAGING", "PRODUCTION")
FINAL_STATUSES = frozenset({"ACTIVE", "FAILED", "MODIFIED"})
_GEO = re.compile(r"^[A-Za-z]{2}$")


class NetlistInputError(AkamaiInputError):
    """Input Akamai would refuse: names the field, the problem and what is allowed."""


class SyncPointConflict(Exception):
    """Akamai answered 409: the syncPoint sent is not the list's current one."""

    def __init__(self, list_id: str, sent: int, current: int | None, error: AkamaiApiError) -> None:
        self.list_id = list_id
        self.sent = sent
        self.current = current
        self.error = error
        now = f"; it is now at syncPoint {current}" if current is not None else ""
        super().__init__(
            f"Conflict: network list {list_id} was changed by someone else since syncPoint "
            f"{sent}{now}. Akamai said: {error.detail or error.title or 'conflict'}"
        )


# ---------------------------------------------------------------------------------------------
# Models


class NetlistModel(AkamaiModel):
    """Reads the API's camelCase members into snake_case fields; the API's `list` is `elements`."""

    @classmethod
    def _renamed(cls, data: dict[str, Any]) -> dict[str, Any]:
        if "list" in data and "elements" in cls.model_fields:
            data["elements"] = data.pop("list")
        return data


class NetworkList(NetlistModel):
    unique_id: str = Field(description="The list's id (networkListId), e.g. 1024_BLOCKLIST.")
    name: str
    type: str = Field(description="IP or GEO.")
    description: str | None = None
    sync_point: int = Field(description="The list's version; changes need the current one.")
    element_count: int | None = None
    read_only: bool = False
    shared: bool = False
    contract_id: str | None = None
    group_id: int | None = None
    staging_activation_status: str | None = None
    production_activation_status: str | None = None
    create_date: str | None = None
    created_by: str | None = None
    update_date: str | None = None
    updated_by: str | None = None
    elements: list[str] | None = Field(
        default=None, description="The elements (None when not requested)."
    )


class ActivationStatus(NetlistModel):
    unique_id: str
    environment: str | None = None
    activation_id: int | None = None
    activation_status: str = Field(
        description="INACTIVE, PENDING_ACTIVATION, ACTIVE, MODIFIED, PENDING_DEACTIVATION or "
        "FAILED."
    )
    sync_point: int = Field(description="The syncPoint activated (or being activated).")
    activation_comments: str | None = None
    fast: bool | None = None
    dispatch_count: int | None = None
    retry_after_s: float | None = Field(
        default=None, description="Akamai's Retry-After hint while pending (seconds)."
    )

    @property
    def finished(self) -> bool:
        return self.activation_status in FINAL_STATUSES


class ActivationDetails(NetlistModel):
    activation_id: int
    environment: str
    create_date: str | None = None
    created_by: str | None = None
    initial: bool | None = None
    status: str | None = None
    network_list: ActivationStatus


class ElementChange(BaseModel):
    """What `update_elements` did."""

    before: NetworkList
    after: NetworkList
    added: list[str]
    removed: list[str]
    not_present: list[str] = Field(default_factory=list)
    already_present: list[str] = Field(default_factory=list)
    retried: bool = False
    notes: list[str] = Field(
        default_factory=list, description="Elements normalized (CIDR host bits dropped)."
    )


# ---------------------------------------------------------------------------------------------
# Elements


WIDE_PREFIX = {4: 8, 6: 16}
"""A CIDR block shorter than this prefix length is "very wide" and is only added after a
confirmation, like a production change. IPv4: a /8 is the largest block ever allocated to one
organisation, so a shorter prefix spans several unrelated owners (and `0.0.0.0/0` is every
address). IPv6: a /16 is larger than any allocation to one network operator (the largest LIR
allocations are /19 to /20, regional registries hold /12s), so a shorter prefix is a sizeable
share of the internet, not a network (and `::/0` is every address). On a block list such an
entry blocks nearly everyone; on an allow list it allows nearly everyone."""


def normalize_element(list_type: str, value: str) -> str:
    """One element in canonical form; ValueError with the reason when it is not valid.

    IP addresses are compressed (`2001:DB8::1` -> `2001:db8::1`) and CIDR blocks keep only
    their network bits (`10.0.0.5/8` -> `10.0.0.0/8`), the way the block is matched.
    """
    text = str(value).strip()
    if list_type == "GEO":
        if not _GEO.match(text):
            raise ValueError("not a two-letter country code")
        return text.upper()
    if "/" in text:
        address, _, prefix = text.partition("/")
        if not (prefix.isascii() and prefix.isdigit()):
            raise ValueError("not an IP address or CIDR block")
        network = ipaddress.ip_network(f"{address}/{int(prefix)}", strict=False)
        return f"{network.network_address.compressed}/{network.prefixlen}"
    return ipaddress.ip_address(text).compressed


def cidr_note(value: str, element: str) -> str | None:
    """The note saying a CIDR block as typed was normalized to its network (None otherwise)."""
    text = str(value).strip()
    if "/" not in text or "/" not in element:
        return None
    address, _, prefix = text.partition("/")
    try:
        typed = ipaddress.ip_address(address)
    except ValueError:
        return None
    network = ipaddress.ip_network(element)
    if typed == network.network_address and int(prefix) == network.prefixlen:
        return None
    return (
        f"{text} was normalized to {element}: a /{network.prefixlen} block matches "
        f"{network.network_address}-{network.broadcast_address}; the host bits of an address "
        "in a CIDR block are ignored"
    )


def wide_ranges(list_type: str, elements: Sequence[str]) -> list[str]:
    """The normalized elements that are very wide CIDR blocks (see `WIDE_PREFIX`)."""
    if list_type != "IP":
        return []
    wide: list[str] = []
    for element in elements:
        if "/" not in element:
            continue
        try:
            network = ipaddress.ip_network(element, strict=False)
        except ValueError:
            continue
        if network.prefixlen < WIDE_PREFIX[network.version]:
            wide.append(element)
    return wide


def describe_wide(elements: Sequence[str]) -> str:
    """`0.0.0.0/0 (every IPv4 address)`, `10.0.0.0/6 (67,108,864 addresses)`, joined."""
    parts: list[str] = []
    for element in elements:
        network = ipaddress.ip_network(element, strict=False)
        if network.prefixlen == 0:
            parts.append(f"{element} (every IPv{network.version} address)")
        elif network.version == 4:
            parts.append(f"{element} ({network.num_addresses:,} addresses)")
        else:
            parts.append(f"{element} (2^{128 - network.prefixlen} addresses)")
    return ", ".join(parts)


def normalize_elements(
    list_type: str, values: Sequence[str], *, field: str, notes: list[str] | None = None
) -> list[str]:
    """Elements checked and canonical, duplicates removed; NetlistInputError names a bad one.

    With `notes`, a sentence is appended for every CIDR block whose host bits were dropped.
    """
    if list_type not in LIST_TYPES:
        raise NetlistInputError("type", f"{list_type!r}", "IP or GEO")
    out: list[str] = []
    for i, value in enumerate(values):
        try:
            element = normalize_element(list_type, value)
        except ValueError:
            allowed = (
                "two-letter country codes like US, DE"
                if list_type == "GEO"
                else "IPv4/IPv6 addresses or CIDR blocks like 192.0.2.10, 198.51.100.0/24"
            )
            raise NetlistInputError(
                field,
                f"item {i + 1} {value!r} is not valid for {'an' if list_type == 'IP' else 'a'} "
                f"{list_type} list",
                allowed,
            ) from None
        if notes is not None and list_type == "IP":
            note = cidr_note(value, element)
            if note and note not in notes:
                notes.append(note)
        if element not in out:
            out.append(element)
    return out


def _same(list_type: str, element: str) -> str:
    """The comparison key of an element already in a list."""
    try:
        return normalize_element(list_type, element)
    except ValueError:
        return element


# ---------------------------------------------------------------------------------------------
# The client


def _bool(value: bool) -> str:
    return "true" if value else "false"


class NetlistsClient(ServiceClient):
    """Network Lists for one .edgerc section (and optionally another account)."""

    base_path = BASE
    api_family = "netlists"

    # -- lists -----------------------------------------------------------------------------------

    async def list_lists(
        self,
        *,
        list_type: ListType | None = None,
        search: str | None = None,
        include_elements: bool = False,
        extended: bool = True,
    ) -> list[NetworkList]:
        params: dict[str, Any] = {
            "includeElements": _bool(include_elements),
            "extended": _bool(extended),
        }
        if list_type:
            params["listType"] = list_type
        if search:
            params["search"] = search
        resp = await self._call("GET", "/network-lists", params=params)
        items = resp.json().get("networkLists") or []
        return [NetworkList.model_validate(i) for i in items]

    async def get(
        self, list_id: str, *, include_elements: bool = True, extended: bool = True
    ) -> NetworkList:
        resp = await self._call(
            "GET",
            f"/network-lists/{list_id}",
            params={"includeElements": _bool(include_elements), "extended": _bool(extended)},
        )
        return NetworkList.model_validate(resp.json())

    async def create(
        self,
        name: str,
        list_type: ListType,
        elements: Sequence[str] = (),
        *,
        description: str | None = None,
        contract_id: str | None = None,
        group_id: int | None = None,
    ) -> NetworkList:
        """Create a list (elements must be normalized already)."""
        body: dict[str, Any] = {"name": name, "type": list_type, "list": list(elements)}
        if description:
            body["description"] = description
        if contract_id is not None or group_id is not None:
            body["contractId"] = contract_id
            body["groupId"] = group_id

        async def write() -> NetworkList:
            resp = await self._call("POST", "/network-lists", json=body)
            return NetworkList.model_validate(resp.json())

        async def check() -> tuple[bool | None, NetworkList | None]:
            # Found by name and type (the response with its id was lost): not created twice.
            lists = await self.list_lists(list_type=list_type, search=name)
            same = [n for n in lists if n.name == name and n.type == list_type]
            if len(same) == 1:
                return True, await self.get(same[0].unique_id)
            return (False, None) if not same else (None, None)

        return await reconcile(
            write,
            check,
            what=f"network list {name!r}",
            how_to_check=f"network-list-list with search={name!r}",
        )

    async def replace(self, current: NetworkList, elements: Sequence[str]) -> NetworkList:
        """PUT the list with new elements, sending `current.sync_point` (409 when stale)."""
        body: dict[str, Any] = {
            "name": current.name,
            "type": current.type,
            "list": list(elements),
            "syncPoint": current.sync_point,
        }
        if current.description:
            body["description"] = current.description

        async def write() -> NetworkList:
            resp = await self._call(
                "PUT",
                f"/network-lists/{current.unique_id}",
                params={"extended": "true"},
                json=body,
            )
            return NetworkList.model_validate(resp.json())

        async def check() -> tuple[bool | None, NetworkList | None]:
            # Guarded by the syncPoint: unchanged means not applied; a newer one holding
            # exactly our elements means ours was applied.
            now = await self.get(current.unique_id)
            if now.sync_point == current.sync_point:
                return False, None
            same = sorted(now.elements or []) == sorted(elements)
            return (True, now) if same else (None, None)

        try:
            return await reconcile(
                write,
                check,
                what=f"elements of {current.unique_id}",
                how_to_check=f"network-list-get {current.unique_id} (compare the syncPoint)",
            )
        except AkamaiApiError as exc:
            if exc.status == 409:
                latest = await self._sync_point(current.unique_id)
                raise SyncPointConflict(current.unique_id, current.sync_point, latest, exc) from exc
            raise

    async def _sync_point(self, list_id: str) -> int | None:
        try:
            return (await self.get(list_id, include_elements=False, extended=False)).sync_point
        except AkamaiApiError:
            return None

    async def update_elements(
        self,
        list_id: str,
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        sync_point: int | None = None,
    ) -> ElementChange:
        """Add and remove elements in one write (a PUT with the syncPoint).

        `add`/`remove` must be normalized for the list's type (see `normalize_elements`; the
        list's type is only known after reading it, so this checks them again). With
        `sync_point`, the write fails with `SyncPointConflict` unless the list is still at that
        version; without it, the latest version is used and one conflict is retried.
        """
        attempts = 1 if sync_point is not None else 2
        for attempt in range(attempts):
            before = await self.get(list_id, include_elements=True, extended=True)
            notes: list[str] = []
            add_n = normalize_elements(before.type, add, field="add", notes=notes)
            remove_n = normalize_elements(before.type, remove, field="remove", notes=notes)
            both = sorted(set(add_n) & set(remove_n))
            if both:
                raise NetlistInputError(
                    "remove", f"{', '.join(both)} is both added and removed", "each element once"
                )
            current = list(before.elements or [])
            keys = {_same(before.type, e): e for e in current}
            removed = [e for e in remove_n if e in keys]
            not_present = [e for e in remove_n if e not in keys]
            drop = {keys[e] for e in removed}
            kept = [e for e in current if e not in drop]
            added = [e for e in add_n if e not in keys]
            already = [e for e in add_n if e in keys]
            if not added and not removed:
                return ElementChange(
                    before=before,
                    after=before,
                    added=[],
                    removed=[],
                    not_present=not_present,
                    already_present=already,
                    retried=attempt > 0,
                    notes=notes,
                )
            target = before
            if sync_point is not None:
                target = before.model_copy(update={"sync_point": sync_point})
            try:
                after = await self.replace(target, kept + added)
            except SyncPointConflict:
                if attempt + 1 < attempts:
                    continue
                raise
            return ElementChange(
                before=before,
                after=after,
                added=added,
                removed=removed,
                not_present=not_present,
                already_present=already,
                retried=attempt > 0,
                notes=notes,
            )
        raise AssertionError("unreachable")  # pragma: no cover

    async def delete(self, list_id: str) -> dict[str, Any]:
        async def write() -> dict[str, Any]:
            resp = await self._call("DELETE", f"/network-lists/{list_id}")
            return resp.json() if resp.content else {}

        async def check() -> tuple[bool | None, dict[str, Any] | None]:
            try:
                await self.get(list_id, include_elements=False, extended=False)
            except AkamaiApiError as exc:
                if exc.status == 404:
                    return True, {"status": 200, "uniqueId": list_id, "reconciled": True}
                raise
            return False, None

        return await reconcile(
            write, check, what=f"delete of {list_id}", how_to_check=f"network-list-get {list_id}"
        )

    # -- activations -----------------------------------------------------------------------------

    async def activate(
        self,
        list_id: str,
        environment: Environment,
        *,
        comments: str | None = None,
        notification_recipients: Sequence[str] = (),
    ) -> ActivationStatus:
        """Activate the list's current syncPoint on STAGING or PRODUCTION."""
        body: dict[str, Any] = {}
        if comments:
            body["comments"] = comments
        if notification_recipients:
            body["notificationRecipients"] = list(dict.fromkeys(notification_recipients))
        resp = await self._call(
            "POST", f"/network-lists/{list_id}/environments/{environment}/activate", json=body
        )
        return _status(resp, environment)

    async def activation_status(self, list_id: str, environment: Environment) -> ActivationStatus:
        resp = await self._call(
            "GET", f"/network-lists/{list_id}/environments/{environment}/status"
        )
        return _status(resp, environment)

    async def activation(self, activation_id: int) -> ActivationDetails:
        resp = await self._call("GET", f"/activations/{int(activation_id)}")
        return ActivationDetails.model_validate(resp.json())

    # -- dry-run plans (read only: see alecs/akamai/plan.py) ------------------------------------

    async def plan_update_elements(
        self,
        list_id: str,
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        sync_point: int | None = None,
    ) -> WritePlan:
        """Elements added, removed, already present or absent, and the resulting count."""
        before = await self.get(list_id, include_elements=True, extended=True)
        add_n = normalize_elements(before.type, add, field="add")
        remove_n = normalize_elements(before.type, remove, field="remove")
        both = sorted(set(add_n) & set(remove_n))
        if both:
            raise NetlistInputError(
                "remove", f"{', '.join(both)} is both added and removed", "each element once"
            )
        current = list(before.elements or [])
        keys = {_same(before.type, e): e for e in current}
        removed = [e for e in remove_n if e in keys]
        not_present = [e for e in remove_n if e not in keys]
        added = [e for e in add_n if e not in keys]
        already = [e for e in add_n if e in keys]
        changes = [PlanChange(action="add", target=e, after=e) for e in added]
        changes += [PlanChange(action="remove", target=keys[e], before=keys[e]) for e in removed]
        changes += [
            PlanChange(action="unchanged", target=e, note="already present") for e in already
        ]
        changes += [
            PlanChange(action="unchanged", target=e, note="not in the list") for e in not_present
        ]
        errors = []
        if before.read_only:
            errors.append("the list is read-only (managed by Akamai); it can't be changed")
        if sync_point is not None and sync_point != before.sync_point:
            errors.append(
                f"sync_point {sync_point} is stale: the list is at {before.sync_point}; the "
                "write would fail with a conflict (read the list again)"
            )
        would = bool(added or removed)
        return WritePlan(
            operation=f"add {len(added)} and remove {len(removed)} elements of {before.type} "
            f"list {before.unique_id} ({before.name})",
            target={"list_id": before.unique_id, "name": before.name, "type": before.type},
            changes=changes,
            requests=[
                plan_request(
                    "PUT",
                    f"{self.base_path}/network-lists/{before.unique_id}",
                    {"name": before.name, "type": before.type, "list": [], "syncPoint": 0},
                    "the whole list with the new elements",
                )
            ]
            if would
            else [],
            details={
                "added": added,
                "removed": removed,
                "already_present": already,
                "not_present": not_present,
                "count_before": len(current),
                "resulting_count": len(current) - len(removed) + len(added),
                "sync_point": before.sync_point,
            },
            errors=errors,
            would_change=would and not errors,
        )

    async def plan_create(
        self,
        name: str,
        list_type: ListType,
        elements: Sequence[str] = (),
        *,
        description: str | None = None,
        contract_id: str | None = None,
        group_id: int | None = None,
    ) -> WritePlan:
        """The list that would be created, and any list of that name and type already there."""
        existing = [
            n for n in await self.list_lists(list_type=list_type, search=name) if n.name == name
        ]
        body: dict[str, Any] = {"name": name, "type": list_type, "list": list(elements)}
        if description:
            body["description"] = description
        warnings = (
            [
                f"a {list_type} list named {name!r} already exists "
                f"({', '.join(n.unique_id for n in existing)}); Network Lists allows duplicate "
                "names, so a second one would be created"
            ]
            if existing
            else []
        )
        return WritePlan(
            operation=f"create the {list_type} network list {name!r} with {len(elements)} elements",
            target={
                "name": name,
                "type": list_type,
                "contract_id": contract_id,
                "group_id": group_id,
            },
            changes=[PlanChange(action="create", target=f"{list_type} list {name}", after=body)],
            requests=[plan_request("POST", f"{self.base_path}/network-lists", body)],
            details={
                "already_exists": bool(existing),
                "existing_ids": [n.unique_id for n in existing],
                "resulting_count": len(elements),
            },
            warnings=warnings,
            would_change=True,
        )

    async def plan_activate(self, list_id: str, environment: Environment) -> WritePlan:
        """The syncPoint that would go live on `environment`, and what is active there now."""
        current = await self.get(list_id, include_elements=False, extended=True)
        status = await self.activation_status(list_id, environment)
        now_status = status.activation_status
        same = now_status == "ACTIVE" and status.sync_point == current.sync_point
        return WritePlan(
            operation=f"activate list {current.unique_id} ({current.name}) at syncPoint "
            f"{current.sync_point} on {environment}",
            target={"list_id": current.unique_id, "name": current.name, "network": environment},
            changes=[
                PlanChange(
                    action="unchanged" if same else "activate",
                    target=f"{current.unique_id} on {environment}",
                    before={"status": now_status, "sync_point": status.sync_point},
                    after={"status": "ACTIVE", "sync_point": current.sync_point},
                )
            ],
            requests=[
                plan_request(
                    "POST",
                    f"{self.base_path}/network-lists/{current.unique_id}/environments/"
                    f"{environment}/activate",
                    {},
                )
            ],
            details={
                "sync_point": current.sync_point,
                "element_count": current.element_count,
                "status_now": now_status,
                "active_sync_point": status.sync_point,
            },
            warnings=["this syncPoint is already active there; Akamai activates it again"]
            if same
            else [],
            would_change=not same,
        )

    async def plan_delete(self, list_id: str) -> WritePlan:
        """The list that would be deleted; refused when it was ever activated."""
        current = await self.get(list_id, include_elements=False, extended=True)
        active = [
            f"{net} ({state})"
            for net, state in (
                ("STAGING", current.staging_activation_status),
                ("PRODUCTION", current.production_activation_status),
            )
            if state and state not in ("INACTIVE", "NEVER_ACTIVATED")
        ]
        errors = (
            [
                f"the list was activated ({', '.join(active)}); Akamai deletes only lists "
                "never activated"
            ]
            if active
            else []
        )
        if current.read_only:
            errors.append("the list is read-only (managed by Akamai); it can't be deleted")
        return WritePlan(
            operation=f"delete network list {current.unique_id} ({current.name})",
            target={"list_id": current.unique_id, "name": current.name, "type": current.type},
            changes=[
                PlanChange(
                    action="delete",
                    target=f"{current.type} list {current.unique_id}",
                    before={"name": current.name, "element_count": current.element_count},
                )
            ],
            requests=[
                plan_request("DELETE", f"{self.base_path}/network-lists/{current.unique_id}")
            ],
            details={"element_count": current.element_count},
            errors=errors,
            would_change=not errors,
        )


def _status(resp: httpx2.Response, environment: str) -> ActivationStatus:
    status = ActivationStatus.model_validate({**resp.json(), "environment": environment})
    retry = resp.headers.get("retry-after")
    if retry is not None:
        try:
            status.retry_after_s = max(0.0, float(retry))
        except ValueError:
            status.retry_after_s = None
    return status
