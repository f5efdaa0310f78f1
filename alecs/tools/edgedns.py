"""Edge DNS tools: zones and record sets.

Thin by design: each tool checks its arguments, calls `alecs.akamai.edgedns.EdgeDnsClient` and
shapes the answer. Record names may be relative (`www`), `@` for the apex, or fully qualified
(`www.example.com`, with or without the trailing dot). Record data is checked per type before
anything is sent, so a typo never reaches Akamai; the error names the field (`rdata[1]`).
Edge DNS changes are live within minutes (there is no staging network): upserts report the
previous record set and the SOA serial before and after, and deletions ask the user first.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from alecs.akamai.edgedns import (
    MAX_TTL,
    WRITABLE_TYPES,
    EdgeDnsClient,
    RecordSet,
    RecordValidationError,
    Zone,
    normalize_zone,
    record_fqdn,
    record_type,
    relative_name,
    soa_serial,
    zone_type_settings,
)
from alecs.akamai.papi import PapiClient
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    Ctx,
    Customer,
    InputError,
    Limit,
    Offset,
    Page,
    ToolOutput,
    as_list,
    confirmation,
    int_as_text,
    next_offset,
    service,
    tool,
    upper_text,
)
from alecs.tools.dryrun import in_dry_run

# --------------------------------------------------------------------------- argument types


ZoneArg = Annotated[
    str,
    Field(
        description="The zone, e.g. example.com (dns-zone-list lists them).",
        min_length=1,
        max_length=253,
    ),
]
NameArg = Annotated[
    str,
    Field(
        description="Record name: relative to the zone ('www', '_dmarc'), '@' for the apex, or "
        "fully qualified ('www.example.com').",
        max_length=255,
    ),
]
TypeArg = Annotated[
    str,
    Field(
        description="Record type: " + ", ".join(WRITABLE_TYPES) + ".",
        min_length=1,
        max_length=10,
    ),
]
ZoneTypeName = Annotated[Literal["PRIMARY", "SECONDARY", "ALIAS"], BeforeValidator(upper_text)]
SHOWN_VALUE = 120  # characters of one record value in a summary line


# --------------------------------------------------------------------------- helpers


def _dns(ctx: Ctx, customer: str | None, account_switch_key: str | None) -> EdgeDnsClient:
    return service(ctx, EdgeDnsClient, customer, account_switch_key)


def _zone(value: str) -> str:
    try:
        return normalize_zone(value)
    except RecordValidationError as exc:
        raise InputError(exc.field, exc.problem, allowed=exc.allowed) from None


def _shown(value: str) -> str:
    if len(value) <= SHOWN_VALUE:
        return value
    return f"{value[: SHOWN_VALUE - 3]}... ({len(value)} characters)"


def _rs_line(rs: RecordSet) -> str:
    values = ", ".join(_shown(v) for v in rs.rdata[:5]) + (
        f", ... ({len(rs.rdata)} values)" if len(rs.rdata) > 5 else ""
    )
    return f"{rs.name} {rs.ttl} {rs.type} {values}"


def _name(name: str) -> str:
    """The record name of a write; a blank one is refused (the apex is spelled '@'), so a
    forgotten name never replaces or deletes the apex record set."""
    if not name.strip():
        raise InputError(
            "name",
            "empty",
            allowed="a name relative to the zone (www), '@' for the zone apex, or a fully "
            "qualified name (www.example.com)",
        )
    return name


def _serials(before: int | None, after: int | None) -> str:
    if before is None and after is None:
        return ""
    if before == after:
        return f" (SOA serial {after}, unchanged)"
    return f" (SOA serial {before} -> {after})"


# --------------------------------------------------------------------------- output models


class ZoneList(Page):
    zones: list[Zone]

    def summary(self) -> str:
        lines = [f"{len(self.zones)} of {self.total} zone(s) (from offset {self.offset}):"]
        for z in self.zones:
            extra = f" -> {z.target}" if z.target else ""
            extra += f" from {', '.join(z.masters)}" if z.masters else ""
            lines.append(
                f"- {z.zone} {z.type}{extra}, contract {z.contract_id}, {z.activation_state}, "
                f"modified {z.last_modified_date}"
            )
        if self.next_offset is not None:
            lines.append(f"more: offset={self.next_offset}")
        return "\n".join(lines)


class ZoneDetail(ToolOutput):
    zone: Zone
    soa_serial: int | None = Field(None, description="The SOA serial (changes with every edit).")
    nameservers: list[str] = Field(default_factory=list, description="NS records at the apex.")
    record_set_count: int | None = Field(None, description="Record sets in the zone.")

    def summary(self) -> str:
        z = self.zone
        lines = [
            f"{z.zone}: {z.type}, contract {z.contract_id}, {z.activation_state}, last modified "
            f"{z.last_modified_date} by {z.last_modified_by}"
        ]
        if z.comment:
            lines.append(f"comment: {z.comment}")
        if z.masters:
            lines.append(f"primaries: {', '.join(z.masters)}")
        if z.target:
            lines.append(f"alias of {z.target}")
        if self.soa_serial is not None:
            lines.append(f"SOA serial {self.soa_serial}; {self.record_set_count} record set(s)")
        if self.nameservers:
            lines.append(f"nameservers: {', '.join(self.nameservers)}")
        return "\n".join(lines)


class ZoneCreated(ZoneDetail):
    def summary(self) -> str:
        return "created " + super().summary()


class RecordList(Page):
    zone: str
    record_sets: list[RecordSet]

    def summary(self) -> str:
        lines = [f"{self.zone}: {len(self.record_sets)} of {self.total} record set(s):"]
        lines += [f"- {_rs_line(rs)}" for rs in self.record_sets]
        if self.next_offset is not None:
            lines.append(f"more: offset={self.next_offset}")
        return "\n".join(lines)


class RecordGet(ToolOutput):
    zone: str
    relative_name: str = Field(description="The name relative to the zone ('@' for the apex).")
    record_set: RecordSet

    def summary(self) -> str:
        return f"{self.zone}: {_rs_line(self.record_set)}"


class RecordUpsert(ToolOutput):
    zone: str
    action: Literal["created", "replaced", "unchanged"]
    record_set: RecordSet = Field(description="The record set now in the zone.")
    previous: RecordSet | None = Field(
        None, description="What was there before (to undo a replace, upsert this again)."
    )
    soa_serial_before: int | None = None
    soa_serial_after: int | None = None

    def summary(self) -> str:
        text = f"{self.action} in {self.zone}: {_rs_line(self.record_set)}"
        if self.previous is not None and self.action == "replaced":
            text += f"\nwas: {_rs_line(self.previous)}"
        return text + _serials(self.soa_serial_before, self.soa_serial_after)


class RecordDeleted(ToolOutput):
    zone: str
    deleted: RecordSet = Field(description="The record set removed (upsert it to restore).")
    soa_serial_before: int | None = None
    soa_serial_after: int | None = None

    def summary(self) -> str:
        return f"deleted from {self.zone}: {_rs_line(self.deleted)}" + _serials(
            self.soa_serial_before, self.soa_serial_after
        )


# --------------------------------------------------------------------------- confirmation


def _ask_delete(zone: str, name: str, type: str) -> str | None:
    if not name.strip():
        return None  # the tool body refuses the blank name before anything is sent
    try:
        zone = normalize_zone(zone)
        fqdn = record_fqdn(name, zone)
        rtype = record_type(type)
    except RecordValidationError:
        return None  # the tool body refuses the bad name before anything is sent
    return (
        f"Delete the {rtype} record set {fqdn} from the Edge DNS zone {zone}? "
        "Resolvers stop getting it within minutes."
    )


async def _zone_detail(dns: EdgeDnsClient, zone: Zone) -> dict[str, Any]:
    if zone.type == "ALIAS":
        return {"zone": zone}
    apex = await dns.list_record_sets(zone.zone, types=["SOA", "NS"], page_size=50)
    soa = next((r for r in apex.record_sets if r.type == "SOA"), None)
    ns = next((r for r in apex.record_sets if r.type == "NS" and r.name == zone.zone), None)
    count = await dns.list_record_sets(zone.zone, page_size=1)
    return {
        "zone": zone,
        "soa_serial": soa_serial(soa),
        "nameservers": list(ns.rdata) if ns else [],
        "record_set_count": count.total,
    }


def _group_number(value: str | int) -> int:
    text = str(value).strip().lower().removeprefix("grp_")
    if not (text.isascii() and text.isdigit()):
        raise InputError("group_id", f"{value!r} is not a group id", allowed="grp_12345 or 12345")
    return int(text)


# --------------------------------------------------------------------------- tools


@tool("dns-zone-list", toolset="dns", kind="read", title="List Edge DNS zones")
async def dns_zone_list(
    ctx: Ctx,
    search: Annotated[
        str | None, Field(description="Only zones whose name contains this.", max_length=253)
    ] = None,
    types: Annotated[
        list[ZoneTypeName] | None,
        BeforeValidator(as_list),
        Field(description="Only these zone types."),
    ] = None,
    contract_id: Annotated[
        str | None, Field(description="Only zones on this contract (ctr_... or without).")
    ] = None,
    limit: Limit = 25,
    offset: Offset = 0,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ZoneList:
    """List the Edge DNS zones this account manages (PRIMARY, SECONDARY, ALIAS), with
    contract, activation state and last change. Paged: pass next_offset as offset for more.
    Start here when a zone name is unknown."""
    dns = _dns(ctx, customer, account_switch_key)
    contracts = [contract_id.strip().removeprefix("ctr_")] if contract_id else None
    zones, total = await dns.zones_window(
        offset=offset, limit=limit, search=search, types=types, contract_ids=contracts
    )
    return ZoneList(
        zones=zones,
        total=total,
        offset=offset,
        next_offset=next_offset(offset, len(zones), total),
    )


@tool("dns-zone-get", toolset="dns", kind="read", title="Get an Edge DNS zone")
async def dns_zone_get(
    ctx: Ctx,
    zone: ZoneArg,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ZoneDetail:
    """A zone's settings (type, contract, primaries or alias target, activation state,
    last change) with its SOA serial, nameservers and number of record sets."""
    dns = _dns(ctx, customer, account_switch_key)
    info = await dns.get_zone(_zone(zone))
    return ZoneDetail(**await _zone_detail(dns, info))


@tool("dns-zone-create", toolset="dns", kind="write", title="Create an Edge DNS zone")
async def dns_zone_create(
    ctx: Ctx,
    zone: ZoneArg,
    type: Annotated[
        ZoneTypeName,
        Field(
            description="PRIMARY (records kept in Edge DNS), SECONDARY (transferred from "
            "your primaries, give masters) or ALIAS (copies another zone, give target)."
        ),
    ] = "PRIMARY",
    contract_id: Annotated[
        str | None,
        Field(
            description="ctr_... (contract-list or group-list). Omit to pick it from the "
            "group when that is unambiguous.",
            max_length=64,
        ),
    ] = None,
    group_id: Annotated[
        Annotated[str, Field(max_length=64)] | None,  # the limit inside: null stays valid
        BeforeValidator(int_as_text),
        Field(
            description="grp_... or the number (group-list). Omit to pick the group that "
            "uses the contract when that is unambiguous.",
        ),
    ] = None,
    comment: Annotated[
        str | None, Field(max_length=2048, description="A note shown with the zone.")
    ] = None,
    masters: Annotated[
        list[str] | None,
        Field(description="SECONDARY only: IP addresses of your primary nameservers."),
    ] = None,
    target: Annotated[
        str | None, Field(description="ALIAS only: the existing zone to copy.")
    ] = None,
    sign_and_serve: Annotated[
        bool, Field(description="Enable DNSSEC Sign&Serve (PRIMARY/SECONDARY).")
    ] = False,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ZoneCreated:
    """Create an Edge DNS zone. A PRIMARY zone starts with Edge DNS's default SOA and NS
    records (alecs submits them at once), ready for dns-record-upsert; then delegate the
    domain to the nameservers returned. Contract and group are looked up when omitted."""
    name = _zone(zone)
    # The type's rules (masters, target) are checked first, before any lookup.
    masters, target = zone_type_settings(type, masters, target)
    gid = _group_number(group_id) if group_id else None
    if contract_id is None or gid is None:
        papi = service(ctx, PapiClient, customer, account_switch_key)
        # A PapiLookupError is an AkamaiInputError: the tool wrapper makes it an InputError.
        contract_id, group = await papi.resolve_contract_group(
            contract_id, f"grp_{gid}" if gid is not None else None, any_group=True
        )
        gid = _group_number(group)
    dns = _dns(ctx, customer, account_switch_key)
    if in_dry_run():
        return await dns.plan_create_zone(
            name,
            type,
            contract_id=contract_id.strip().removeprefix("ctr_"),
            group_id=gid,
            comment=comment,
            masters=[m.strip() for m in masters or []],
            target=target,
            sign_and_serve=sign_and_serve if type != "ALIAS" else None,
        )
    created = await dns.create_zone(
        name,
        type,
        contract_id=contract_id,
        group_id=gid,
        comment=comment,
        masters=masters,
        target=target,
        sign_and_serve=sign_and_serve if type != "ALIAS" else None,
    )
    return ZoneCreated(**await _zone_detail(dns, created))


@tool("dns-record-list", toolset="dns", kind="read", title="List a zone's record sets")
async def dns_record_list(
    ctx: Ctx,
    zone: ZoneArg,
    types: Annotated[
        list[str] | None,
        BeforeValidator(as_list),
        Field(description="Only these record types, e.g. ['A', 'CNAME']."),
    ] = None,
    search: Annotated[
        str | None,
        Field(description="Only record sets whose name or data contains this.", max_length=253),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> RecordList:
    """List a zone's record sets (name, type, TTL, data), filtered by type or text.
    Zones can be large: paged, pass next_offset as offset for more."""
    name = _zone(zone)
    wanted = [record_type(t, f"types[{i}]") for i, t in enumerate(types or []) if t.strip()]
    dns = _dns(ctx, customer, account_switch_key)
    record_sets, total = await dns.record_sets_window(
        name, offset=offset, limit=limit, types=wanted or None, search=search
    )
    return RecordList(
        zone=name,
        record_sets=record_sets,
        total=total,
        offset=offset,
        next_offset=next_offset(offset, len(record_sets), total),
    )


@tool("dns-record-get", toolset="dns", kind="read", title="Get a record set")
async def dns_record_get(
    ctx: Ctx,
    zone: ZoneArg,
    name: NameArg,
    type: TypeArg,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> RecordGet:
    """One record set (every record with this name and type) with its TTL and data."""
    zname = _zone(zone)
    fqdn = record_fqdn(name, zname)
    dns = _dns(ctx, customer, account_switch_key)
    rs = await dns.get_record_set(zname, fqdn, record_type(type))
    return RecordGet(zone=zname, relative_name=relative_name(rs.name, zname), record_set=rs)


@tool(
    "dns-record-upsert",
    toolset="dns",
    kind="write",
    title="Create or replace a record set",
    idempotent=True,
    destructive=True,  # replaces an existing record set on a live zone
)
async def dns_record_upsert(
    ctx: Ctx,
    zone: ZoneArg,
    name: NameArg,
    type: TypeArg,
    rdata: Annotated[
        list[str],
        Field(min_length=1, max_length=400),  # before the validator: list wording
        BeforeValidator(as_list),
        Field(
            description="The record set's values, one per record: A '192.0.2.10'; AAAA "
            "'2001:db8::1'; CNAME one target 'www.example.com.edgekey.net'; MX "
            "'10 mx1.example.com'; TXT text (quoted and split into 255-byte strings for "
            "you); SRV '10 60 5060 sip.example.com'; CAA '0 issue \"letsencrypt.org\"'.",
        ),
    ],
    ttl: Annotated[int, Field(ge=0, le=MAX_TTL, description="Seconds resolvers cache it.")] = 300,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> RecordUpsert:
    """Create a record set, or replace the one with this name and type (all its values
    and TTL). Data is checked per type first (nothing is sent when it is wrong). Identical
    data changes nothing. Returns what was there before and the SOA serial before/after.
    Live within minutes: Edge DNS has no staging."""
    zname = _zone(zone)
    record = RecordSet.build(zname, _name(name), type, ttl, rdata)
    dns = _dns(ctx, customer, account_switch_key)
    if in_dry_run():
        return await dns.plan_upsert_record_set(zname, record)
    result = await dns.upsert_record_set(zname, record)
    return RecordUpsert(zone=zname, **result.model_dump())


@tool("dns-record-delete", toolset="dns", kind="destructive", title="Delete a record set")
async def dns_record_delete(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_delete)],
    zone: ZoneArg,
    name: NameArg,
    type: TypeArg,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> RecordDeleted:
    """Delete a record set (every record with this name and type). Asks the user first.
    Returns what was deleted, so it can be restored with dns-record-upsert. The SOA and
    NS records at the apex can't be deleted."""
    zname = _zone(zone)
    fqdn = record_fqdn(_name(name), zname)
    rtype = record_type(type)
    if fqdn == zname and rtype in ("SOA", "NS"):
        raise InputError("type", f"the apex {rtype} record set of a zone can't be deleted")
    dns = _dns(ctx, customer, account_switch_key)
    if in_dry_run():
        return await dns.plan_delete_record_set(zname, fqdn, rtype)
    result = await dns.delete_record_set(zname, fqdn, rtype)
    return RecordDeleted(zone=zname, **result.model_dump())
