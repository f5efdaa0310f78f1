"""Property Manager tools: contracts, groups and products (what every create needs)."""

from __future__ import annotations

from pydantic import Field

from alecs.akamai.papi import Contract, Group, Product
from alecs.tools._common import (
    AccountSwitchKey,
    ContractArg,
    Ctx,
    Customer,
    ErrorMap,
    ToolOutput,
    tool,
)
from alecs.tools.papi._shared import PAPI_ERRORS, papi_client

TOOL_ERRORS: ErrorMap = PAPI_ERRORS


class ContractList(ToolOutput):
    account_id: str | None = None
    contracts: list[Contract]

    def summary(self) -> str:
        return f"{len(self.contracts)} contract(s): " + ", ".join(
            f"{c.contract_id} ({c.contract_type_name})" for c in self.contracts
        )


class GroupList(ToolOutput):
    groups: list[Group]

    def summary(self) -> str:
        lines = [f"{len(self.groups)} group(s):"]
        lines += [
            f"- {g.group_id} {g.group_name!r} contracts {', '.join(g.contract_ids) or 'none'}"
            for g in self.groups
        ]
        return "\n".join(lines)


class ProductOffer(Product):
    contract_ids: list[str] = Field(description="The contracts (ctr_...) offering it.")


class ProductList(ToolOutput):
    contract_id: str | None = Field(
        description="The contract asked for; null when every contract was searched."
    )
    products: list[ProductOffer]

    def summary(self) -> str:
        where = self.contract_id or "the account's contracts"
        return f"{len(self.products)} product(s) on {where}: " + ", ".join(
            f"{p.product_id} ({p.product_name}; {', '.join(p.contract_ids)})" for p in self.products
        )


@tool("contract-list", toolset="papi", kind="read", title="List contracts")
async def contract_list(
    ctx: Ctx, customer: Customer = None, account_switch_key: AccountSwitchKey = None
) -> ContractList:
    """List the account's contracts (ctr_...).

    Use first when a contract_id is needed (creating properties, edge hostnames, CP codes,
    listing products). group-list shows which groups use each contract.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    contracts = await papi.list_contracts()
    return ContractList(account_id=await papi.account_id(), contracts=contracts)


@tool("group-list", toolset="papi", kind="read", title="List groups")
async def group_list(
    ctx: Ctx, customer: Customer = None, account_switch_key: AccountSwitchKey = None
) -> GroupList:
    """List the account's groups (grp_...) with their parent and the contracts each uses.

    Use first when a group_id is needed. Most Property Manager calls take a contract_id and
    group_id that go together: pick a group and one of its contract_ids.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    return GroupList(groups=await papi.list_groups())


@tool("product-list", toolset="papi", kind="read", title="List products")
async def product_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ProductList:
    """List the products (prd_..., e.g. prd_Fresca for Ion) and the contracts offering each.

    Needed for property-create, edge-hostname-create and cpcode-create. Without contract_id,
    every contract of the account is searched; with it (ctr_... from contract-list), only
    that contract's products.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    by_contract = await papi.products_by_contract(contract_id)
    offers: dict[str, ProductOffer] = {}
    for cid, products in by_contract.items():
        for p in products:
            offer = offers.setdefault(
                p.product_id,
                ProductOffer(product_id=p.product_id, product_name=p.product_name, contract_ids=[]),
            )
            offer.contract_ids.append(cid)
    asked = next(iter(by_contract)) if contract_id else None
    return ProductList(contract_id=asked, products=list(offers.values()))
