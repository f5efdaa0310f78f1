"""Property Manager tools: list, get, find, create and delete properties."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from alecs.akamai.papi import Property, PropertyVersion, SearchHit
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    ContractArg,
    Ctx,
    Customer,
    ErrorMap,
    GroupArg,
    InputError,
    Limit,
    Offset,
    Page,
    ToolOutput,
    confirmation,
    page_of,
    tool,
)
from alecs.tools.dryrun import in_dry_run
from alecs.tools.papi._shared import (
    PAPI_ERRORS,
    PropertyRef,
    clean_hostname,
    clean_product,
    contract_offering,
    papi_client,
    resolve_property_id,
    resolve_version,
    version_arg,
    version_text,
)

TOOL_ERRORS: ErrorMap = PAPI_ERRORS

CloneVersion = version_arg("Version of clone_from to copy; default latest.")


class PropertyList(Page):
    properties: list[Property]

    def summary(self) -> str:
        lines = [f"{len(self.properties)} of {self.total} properties:"]
        lines += [
            f"- {p.property_id} {p.property_name}: latest v{p.latest_version}, staging "
            f"{version_text(p.staging_version)}, production {version_text(p.production_version)}"
            for p in self.properties
        ]
        if self.next_offset is not None:
            lines.append(f"more: offset={self.next_offset}")
        return "\n".join(lines)


class PropertyDetail(ToolOutput):
    property: Property
    latest: PropertyVersion | None = None
    staging: PropertyVersion | None = Field(None, description="The version active on STAGING.")
    production: PropertyVersion | None = Field(
        None, description="The version active on PRODUCTION."
    )

    def summary(self) -> str:
        p = self.property
        return (
            f"{p.property_id} {p.property_name} ({p.contract_id}, {p.group_id}, "
            f"{p.product_id}): latest v{p.latest_version}, "
            f"staging {version_text(p.staging_version)}, "
            f"production {version_text(p.production_version)}"
        )


class PropertySearch(ToolOutput):
    query: dict[str, str]
    hits: list[SearchHit]

    def summary(self) -> str:
        if not self.hits:
            hint = (
                " (the name must match exactly; property-list with name_contains finds "
                "partial names)"
                if "property_name" in self.query
                else " (no property's latest, staging or production version has it)"
            )
            return f"no property version matches {self.query}{hint}"
        lines = [f"{len(self.hits)} matching version(s):"]
        lines += [
            f"- {h.property_id} {h.property_name} v{h.property_version} (staging "
            f"{h.staging_status}, production {h.production_status})"
            for h in self.hits
        ]
        return "\n".join(lines)


class PropertyCreated(ToolOutput):
    property_id: str
    property_name: str
    version: int = 1
    contract_id: str
    group_id: str
    product_id: str

    def summary(self) -> str:
        return (
            f"created {self.property_id} {self.property_name!r} (version 1) in {self.group_id}, "
            f"{self.contract_id}; next: property-rules-get / property-rules-update and "
            "property-hostname-update"
        )


class PropertyDeleted(ToolOutput):
    property_id: str
    message: str

    def summary(self) -> str:
        return f"{self.property_id}: {self.message}"


def _ask_delete(property_id: str) -> str:
    return f"Delete property {property_id} and all its versions? This cannot be undone."


@tool("property-list", toolset="papi", kind="read", title="List properties")
async def property_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    name_contains: Annotated[
        str | None, Field(description="Only names containing this text.", max_length=200)
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PropertyList:
    """List properties (delivery configurations) with their latest, staging and production
    versions.

    Give contract_id and group_id (from group-list) for one group, one of them to narrow,
    or neither to list across every group and contract the account sees (slower on large
    accounts). To find one property by name or hostname, property-search is faster.
    Results are sorted by name and paged with limit/offset.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    props = await papi.list_properties(contract_id, group_id)
    if name_contains:
        needle = name_contains.lower()
        props = [p for p in props if needle in p.property_name.lower()]
    props.sort(key=lambda p: p.property_name.lower())
    page, more = page_of(props, limit, offset)
    return PropertyList(properties=page, total=len(props), offset=offset, next_offset=more)


@tool("property-get", toolset="papi", kind="read", title="Get a property")
async def property_get(
    ctx: Ctx,
    property_id: PropertyRef,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PropertyDetail:
    """A property with its contract, group, product, and the details of its latest
    version and of the versions active on STAGING and PRODUCTION (status, etag, rule
    format, note).

    Use before editing (to know which version to base a new one on) or activating.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    prop = await papi.get_property(pid)
    fetched: dict[int, PropertyVersion] = {}
    for number in (prop.latest_version, prop.staging_version, prop.production_version):
        if number is not None and number not in fetched:
            fetched[number] = await papi.get_version(pid, number)
    return PropertyDetail(
        property=prop,
        latest=fetched.get(prop.latest_version),
        staging=fetched.get(prop.staging_version) if prop.staging_version else None,
        production=fetched.get(prop.production_version) if prop.production_version else None,
    )


@tool("property-search", toolset="papi", kind="read", title="Find properties by name or hostname")
async def property_search(
    ctx: Ctx,
    property_name: Annotated[
        str | None, Field(description="Exact property name.", max_length=200)
    ] = None,
    hostname: Annotated[
        str | None,
        Field(description="A hostname the property serves, e.g. www.example.com.", max_length=253),
    ] = None,
    edge_hostname: Annotated[
        str | None,
        Field(description="An edge hostname, e.g. www.example.com.edgekey.net.", max_length=253),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PropertySearch:
    """Find which property serves a hostname, or a property by its exact name.

    Give exactly one of property_name, hostname or edge_hostname. Returns the matching
    versions (latest and active ones) with property_id, contract_id and group_id, which the
    other property tools take.
    """
    given = {
        k: v
        for k, v in (
            ("property_name", property_name),
            ("hostname", hostname),
            ("edge_hostname", edge_hostname),
        )
        if v
    }
    if len(given) != 1:
        raise InputError(
            "property_name",
            f"give exactly one search criterion, got {len(given)}",
            allowed="property_name, hostname or edge_hostname",
        )
    papi = papi_client(ctx, customer, account_switch_key)
    if hostname:
        hostname = clean_hostname(hostname, "hostname")
    if edge_hostname:
        edge_hostname = clean_hostname(edge_hostname, "edge_hostname")
    hits = await papi.search(
        property_name=property_name.strip() if property_name else None,
        hostname=hostname,
        edge_hostname=edge_hostname,
    )
    query = {k: str(v) for k, v in (("property_name", property_name), ("hostname", hostname),
             ("edge_hostname", edge_hostname)) if v}  # fmt: skip
    return PropertySearch(query=query, hits=hits)


@tool("property-create", toolset="papi", kind="write", title="Create a property")
async def property_create(
    ctx: Ctx,
    property_name: Annotated[
        str,
        Field(
            description="Name for the property, e.g. www.example.com (letters, digits, "
            "dots, hyphens, underscores).",
            pattern=r"^[A-Za-z0-9_.\-]{1,85}$",
        ),
    ],
    product_id: Annotated[
        str, Field(description="prd_... from product-list, e.g. prd_Fresca.", max_length=64)
    ],
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    rule_format: Annotated[
        str | None,
        Field(description="Rule format, e.g. v2024-10-21; default 'latest'.", max_length=32),
    ] = None,
    clone_from: Annotated[
        str | None,
        Field(description="Copy the rule tree of this property (id or name).", max_length=200),
    ] = None,
    clone_version: CloneVersion = None,
    copy_hostnames: Annotated[
        bool, Field(description="With clone_from: also copy its hostnames.")
    ] = False,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PropertyCreated:
    """Create a new property (version 1), from the product's template or as a clone.

    Needs a product_id (product-list). The contract is found from the product when omitted
    (the one contract offering it; you are asked only when several do), and the group from
    the contract when only one group uses it (else the groups are listed to choose from).
    Next: edit version 1's rules (property-rules-get,
    property-rules-update), add hostnames (property-hostname-update), then activate on
    STAGING (property-activate).
    """
    papi = papi_client(ctx, customer, account_switch_key)
    product = clean_product(product_id)
    if contract_id is None:
        contract_id = await contract_offering(papi, product, group_id)
    cid, gid = await papi.resolve_contract_group(contract_id, group_id)
    source = None
    if clone_from:
        source = await resolve_property_id(papi, clone_from)
        clone_version = await resolve_version(papi, source, clone_version, field="clone_version")
    if in_dry_run():
        return await papi.plan_create_property(
            property_name,
            product,
            cid,
            gid,
            rule_format=rule_format,
            clone_from=source,
            clone_version=clone_version,
        )
    pid = await papi.create_property(
        property_name,
        product,
        cid,
        gid,
        rule_format=rule_format,
        clone_from=source,
        clone_version=clone_version,
        copy_hostnames=copy_hostnames,
    )
    return PropertyCreated(
        property_id=pid,
        property_name=property_name,
        contract_id=cid,
        group_id=gid,
        product_id=product,
    )


@tool("property-delete", toolset="papi", kind="destructive", title="Delete a property")
async def property_delete(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_delete)],
    property_id: PropertyRef,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> PropertyDeleted:
    """Delete a property and all its versions. Asks the user to confirm first.

    Only works for a property active on neither network: deactivate it first with
    property-deactivate. This cannot be undone.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    if in_dry_run():
        return await papi.plan_delete_property(pid)
    message = await papi.delete_property(pid)
    return PropertyDeleted(property_id=pid, message=message)
