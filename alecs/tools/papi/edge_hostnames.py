"""Property Manager tools: edge hostnames (the CNAME targets of property hostnames)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from alecs.akamai.papi import EdgeHostname
from alecs.tools._common import (
    AccountSwitchKey,
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
    page_of,
    tool,
)
from alecs.tools.dryrun import in_dry_run
from alecs.tools.papi._shared import (
    PAPI_ERRORS,
    clean_hostname,
    clean_product,
    contract_offering,
    papi_client,
)

TOOL_ERRORS: ErrorMap = PAPI_ERRORS


class EdgeHostnameList(Page):
    contract_id: str | None = Field(
        description="The contract listed; null when every contract was searched."
    )
    group_id: str | None = None
    edge_hostnames: list[EdgeHostname]

    def summary(self) -> str:
        where = self.contract_id or "every contract"
        lines = [f"{len(self.edge_hostnames)} of {self.total} edge hostname(s) on {where}:"]
        lines += [
            f"- {e.edge_hostname_id} {e.edge_hostname_domain}"
            + (f" ({e.status})" if e.status else "")
            for e in self.edge_hostnames
        ]
        if self.next_offset is not None:
            lines.append(f"more: offset={self.next_offset}")
        return "\n".join(lines)


class EdgeHostnameCreated(ToolOutput):
    edge_hostname_id: str
    edge_hostname_domain: str
    status: str | None = None
    contract_id: str
    group_id: str

    def summary(self) -> str:
        return (
            f"created {self.edge_hostname_id} {self.edge_hostname_domain}"
            + (f" ({self.status})" if self.status else "")
            + "; point property hostnames at it with property-hostname-update"
        )


@tool("edge-hostname-list", toolset="papi", kind="read", title="List edge hostnames")
async def edge_hostname_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    name_contains: Annotated[
        str | None, Field(description="Only domains containing this text.", max_length=253)
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> EdgeHostnameList:
    """List edge hostnames (ehn_..., e.g. www.example.com.edgekey.net): the targets property
    hostnames CNAME to; of one contract, or of every contract when contract_id is omitted.
    Use before property-hostname-update. Large
    accounts have thousands: filter with name_contains, page with limit/offset."""
    papi = papi_client(ctx, customer, account_switch_key)
    if contract_id and group_id:
        cid, gid = await papi.resolve_contract_group(contract_id, group_id)
    else:
        contracts = await papi.contract_ids()
        cid = contract_id if contract_id else (contracts[0] if len(contracts) == 1 else None)
        gid = group_id
    items = await papi.list_edge_hostnames_all(cid, gid)
    if name_contains:
        needle = name_contains.strip().lower()
        items = [e for e in items if needle in e.edge_hostname_domain.lower()]
    page, next_offset = page_of(items, limit, offset)
    return EdgeHostnameList(
        contract_id=cid,
        group_id=gid,
        edge_hostnames=page,
        total=len(items),
        offset=offset,
        next_offset=next_offset,
    )


@tool("edge-hostname-create", toolset="papi", kind="write", title="Create an edge hostname")
async def edge_hostname_create(
    ctx: Ctx,
    domain_prefix: Annotated[
        str, Field(description="Usually the site's hostname, e.g. www.example.com.")
    ],
    product_id: Annotated[str, Field(description="prd_... (product-list).", max_length=64)],
    domain_suffix: Annotated[
        Literal["edgekey.net", "edgesuite.net", "akamaized.net"],
        Field(
            description="edgekey.net: Enhanced TLS (needs cert_enrollment_id); "
            "edgesuite.net: standard TLS or plain HTTP; akamaized.net: shared certificate."
        ),
    ] = "edgekey.net",
    secure_network: Annotated[
        Literal["ENHANCED_TLS", "STANDARD_TLS", "SHARED_CERT"] | None,
        Field(description="Default from the suffix (edgesuite.net: not secure)."),
    ] = None,
    ip_version_behavior: Annotated[
        Literal["IPV4", "IPV6_COMPLIANCE"],
        Field(description="IPV6_COMPLIANCE serves IPv4 and IPv6."),
    ] = "IPV6_COMPLIANCE",
    cert_enrollment_id: Annotated[
        int | None,
        Field(
            ge=1,
            description="CPS enrollment id whose certificate covers the hostname; required "
            "for edgekey.net / ENHANCED_TLS (certificate-enrollment-list).",
        ),
    ] = None,
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> EdgeHostnameCreated:
    """Create an edge hostname (<domain_prefix>.<domain_suffix>) to point property
    hostnames at. New edge hostnames are PENDING for a while; they can already be used in
    property-hostname-update."""
    papi = papi_client(ctx, customer, account_switch_key)
    prefix = clean_hostname(domain_prefix, "domain_prefix")
    network = secure_network or {
        "edgekey.net": "ENHANCED_TLS",
        "akamaized.net": "SHARED_CERT",
    }.get(domain_suffix)
    if network == "ENHANCED_TLS" and cert_enrollment_id is None:
        raise InputError(
            "cert_enrollment_id",
            "required for an Enhanced TLS (edgekey.net) edge hostname: the CPS enrollment "
            "whose certificate covers it",
            allowed="an enrollment_id from certificate-enrollment-list, or domain_suffix "
            "edgesuite.net / akamaized.net",
        )
    product = clean_product(product_id)
    if contract_id is None:
        contract_id = await contract_offering(papi, product, group_id)
    cid, gid = await papi.resolve_contract_group(contract_id, group_id, any_group=True)
    if in_dry_run():
        return await papi.plan_create_edge_hostname(
            cid,
            gid,
            product_id=product,
            domain_prefix=prefix,
            domain_suffix=domain_suffix,
            ip_version_behavior=ip_version_behavior,
        )
    ehn = await papi.create_edge_hostname(
        cid,
        gid,
        product_id=product,
        domain_prefix=prefix,
        domain_suffix=domain_suffix,
        ip_version_behavior=ip_version_behavior,
        secure_network=network,
        cert_enrollment_id=cert_enrollment_id,
    )
    created = await papi.get_edge_hostname(ehn, cid, gid)
    return EdgeHostnameCreated(
        edge_hostname_id=ehn,
        edge_hostname_domain=created.edge_hostname_domain,
        status=created.status,
        contract_id=cid,
        group_id=gid,
    )
