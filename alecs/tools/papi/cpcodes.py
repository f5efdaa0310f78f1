"""Property Manager tools: CP codes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from alecs.akamai.papi import CpCode
from alecs.tools._common import (
    AccountSwitchKey,
    ContractArg,
    Ctx,
    Customer,
    ErrorMap,
    GroupArg,
    IdText,
    Limit,
    Offset,
    Page,
    ToolOutput,
    int_as_text,
    page_of,
    tool,
)
from alecs.tools.dryrun import in_dry_run
from alecs.tools.papi._shared import PAPI_ERRORS, clean_product, contract_offering, papi_client

TOOL_ERRORS: ErrorMap = PAPI_ERRORS


class CpcodeList(Page):
    contract_id: str | None = Field(
        description="The contract listed; null when every contract was searched."
    )
    group_ids: list[str]
    cpcodes: list[CpCode]

    def summary(self) -> str:
        lines = [f"{len(self.cpcodes)} of {self.total} CP code(s) on {self.contract_id}:"]
        lines += [f"- {c.cpcode_id} {c.cpcode_name}" for c in self.cpcodes]
        if self.next_offset is not None:
            lines.append(f"more: offset={self.next_offset}")
        return "\n".join(lines)


class CpcodeCreated(ToolOutput):
    cpcode_id: str
    cpcode: int = Field(description="The number to use in a cpCode behavior's value.id.")
    cpcode_name: str
    contract_id: str
    group_id: str

    def summary(self) -> str:
        return f"created CP code {self.cpcode} ({self.cpcode_id}) {self.cpcode_name!r}"


@tool("cpcode-list", toolset="papi", kind="read", title="List CP codes")
async def cpcode_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    group_id: Annotated[
        IdText | None,
        BeforeValidator(int_as_text),
        Field(description="grp_...; omit to list the contract's CP codes in every group."),
    ] = None,
    name_contains: Annotated[
        str | None, Field(description="Only names containing this text.", max_length=200)
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> CpcodeList:
    """List CP codes (reporting and purge buckets; cpc_123 is CP code 123 in a cpCode
    behavior), of one contract or, when contract_id is omitted, of every contract. Filter with
    name_contains, page with limit/offset."""
    papi = papi_client(ctx, customer, account_switch_key)
    if group_id:
        cid, gid = await papi.resolve_contract_group(contract_id, group_id)
        codes, groups = await papi.list_contract_cpcodes(cid, [gid])
    elif contract_id:
        cid, _ = await papi.resolve_contract_group(contract_id, None, any_group=True)
        codes, groups = await papi.list_contract_cpcodes(cid)
    else:  # every contract of the account
        contracts = await papi.contract_ids()
        cid = contracts[0] if len(contracts) == 1 else None
        codes, groups, seen = [], [], set()
        for contract in contracts:
            found, in_groups = await papi.list_contract_cpcodes(contract)
            codes += [c for c in found if c.cpcode_id not in seen]
            seen.update(c.cpcode_id for c in found)
            groups += [g for g in in_groups if g not in groups]
    if name_contains:
        codes = [c for c in codes if name_contains.lower() in c.cpcode_name.lower()]
    page, next_offset = page_of(codes, limit, offset)
    return CpcodeList(
        contract_id=cid,
        group_ids=groups,
        cpcodes=page,
        total=len(codes),
        offset=offset,
        next_offset=next_offset,
    )


@tool("cpcode-create", toolset="papi", kind="write", title="Create a CP code")
async def cpcode_create(
    ctx: Ctx,
    cpcode_name: Annotated[
        str,
        Field(
            description="Name, e.g. 'www.example.com images' (no commas, underscores, "
            "quotes, ^ # %).",
            min_length=1,
            max_length=100,
        ),
    ],
    product_id: Annotated[str, Field(description="prd_... (product-list).", max_length=64)],
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> CpcodeCreated:
    """Create a CP code for reporting and purging. Use its number in a cpCode behavior
    (property-rules-update)."""
    papi = papi_client(ctx, customer, account_switch_key)
    product = clean_product(product_id)
    if contract_id is None:
        contract_id = await contract_offering(papi, product, group_id)
    cid, gid = await papi.resolve_contract_group(contract_id, group_id)
    if in_dry_run():
        return await papi.plan_create_cpcode(cpcode_name.strip(), product, cid, gid)
    cpcode_id = await papi.create_cpcode(cpcode_name.strip(), product, cid, gid)
    return CpcodeCreated(
        cpcode_id=cpcode_id,
        cpcode=int(cpcode_id.removeprefix("cpc_")),
        cpcode_name=cpcode_name.strip(),
        contract_id=cid,
        group_id=gid,
    )
