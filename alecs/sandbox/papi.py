"""Property Manager (PAPI v1) endpoints of the sandbox.

Shaped like ../shared/akamai-apis/apis/papi/v1. This module holds the prerequisites
(contracts, groups, products, CP codes) and registers every PAPI route; the helpers the PAPI
endpoints share (`with_prefix`, `require_contract`, `require_group`, `respond`, `listen`) are in
`papi_common.py` (re-exported here).

The other PAPI endpoints live in `papi_properties.py` (properties, versions, rule trees,
version hostnames, search), `papi_activations.py` and `papi_edgehostnames.py`; rule-tree
validation and JSON Patch in `papi_rules.py`, derived activation state in `papi_model.py`.
`listen(app, fn)` reports every PAPI exchange (request and response) to `fn`.
"""

from __future__ import annotations

from typing import Any

from alecs.sandbox import (
    papi_activations,
    papi_bulk,
    papi_catalog,
    papi_edgehostnames,
    papi_hostname_buckets,
    papi_includes,
    papi_properties,
)
from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.papi_common import (
    PREFIXES,
    Exchange,
    Listener,
    RecordingRouter,
    account_info,
    listen,
    require_contract,
    require_group,
    respond,
    strip_prefixes,
    with_prefix,
)

__all__ = [
    "PREFIXES",
    "Exchange",
    "Listener",
    "listen",
    "register",
    "require_contract",
    "require_group",
    "respond",
    "strip_prefixes",
    "with_prefix",
]


# ---------------------------------------------------------------------------------------------
# Prerequisites


def list_contracts(req: Request) -> Response:
    items = [
        {"contractId": c["contractId"], "contractTypeName": c["contractTypeName"]}
        for c in req.state.list("contracts")
    ]
    return respond(req, {"accountId": req.account_id, "contracts": {"items": items}})


def list_groups(req: Request) -> Response:
    info = account_info(req)
    items = []
    for g in req.state.list("groups"):
        item = {"groupName": g["groupName"], "groupId": g["groupId"]}
        if g.get("parentGroupId"):
            item["parentGroupId"] = g["parentGroupId"]
        item["contractIds"] = list(g["contractIds"])
        items.append(item)
    return respond(
        req,
        {
            "accountId": req.account_id,
            "accountName": info.get("accountName", ""),
            "groups": {"items": items},
        },
    )


def list_products(req: Request) -> Response:
    contract_id = require_contract(req)
    items = [
        {"productName": p["productName"], "productId": p["productId"]}
        for p in req.state.list("products")
        if contract_id in p["contractIds"]
    ]
    return respond(
        req,
        {"accountId": req.account_id, "contractId": contract_id, "products": {"items": items}},
    )


def _cpcode_item(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "cpcodeId": doc["cpcodeId"],
        "cpcodeName": doc["cpcodeName"],
        "createdDate": doc["createdDate"],
        "productIds": list(doc["productIds"]),
    }


def _cpcodes_envelope(req: Request, contract_id: str, group_id: str, items: list[Any]):
    return {
        "accountId": req.account_id,
        "contractId": contract_id,
        "groupId": group_id,
        "cpcodes": {"items": items},
    }


def list_cpcodes(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    items = [
        _cpcode_item(c) for c in req.state.list("cpcodes", contractId=contract_id, groupId=group_id)
    ]
    return respond(req, _cpcodes_envelope(req, contract_id, group_id, items))


def get_cpcode(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    cpcode_id = with_prefix("cpc_", req.params["cpcodeId"])
    doc = req.state.get("cpcodes", cpcode_id)
    if doc is None or doc["contractId"] != contract_id or doc["groupId"] != group_id:
        req.fail(404, f"CP code {cpcode_id} was not found in {contract_id} and {group_id}.")
    return respond(req, _cpcodes_envelope(req, contract_id, group_id, [_cpcode_item(doc)]))


_CPCODE_NAME_FORBIDDEN = set(",_\"'^#%")


def create_cpcode(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    body = req.json()
    if not isinstance(body, dict):
        req.fail(400, "The request body must be a JSON object with productId and cpcodeName.")
    name = body.get("cpcodeName")
    product = body.get("productId")
    if not isinstance(name, str) or not name.strip():
        req.fail(400, "'cpcodeName' is required: a non-empty string.")
    if not isinstance(product, str) or not product.strip():
        req.fail(400, "'productId' is required, for example 'prd_Fresca'.")
    if set(name) & _CPCODE_NAME_FORBIDDEN:
        req.fail(
            400,
            "'cpcodeName' can't include commas, underscores, quotes, or any of ^ # %.",
        )
    product_id = with_prefix("prd_", product)
    product_doc = req.state.get("products", product_id)
    if product_doc is None or contract_id not in product_doc["contractIds"]:
        req.fail(
            400,
            f"The product {product_id} is not available on contract {contract_id}; "
            "list products with GET /papi/v1/products?contractId=...",
        )
    with req.transaction() as tx:
        cpcode_id = f"cpc_{tx.next_id('cpcode')}"
        tx.put(
            "cpcodes",
            cpcode_id,
            {
                "cpcodeId": cpcode_id,
                "cpcodeName": name.strip(),
                "createdDate": req.iso_now(),
                "productIds": [product_id],
                "contractId": contract_id,
                "groupId": group_id,
            },
        )
    link = f"/papi/v1/cpcodes/{cpcode_id}?contractId={contract_id}&groupId={group_id}"
    return respond(req, {"cpcodeLink": link}, 201, {"Location": link})


def register(router: Router) -> None:
    """Every PAPI route: prerequisites here, the rest from the papi_* modules."""
    recording = RecordingRouter(router)
    recording.add("GET", "/papi/v1/contracts", list_contracts)
    recording.add("GET", "/papi/v1/groups", list_groups)
    recording.add("GET", "/papi/v1/products", list_products)
    recording.add("GET", "/papi/v1/cpcodes", list_cpcodes)
    recording.add("POST", "/papi/v1/cpcodes", create_cpcode)
    recording.add("GET", "/papi/v1/cpcodes/{cpcodeId}", get_cpcode)
    papi_properties.register(recording)  # type: ignore[arg-type]
    papi_activations.register(recording)  # type: ignore[arg-type]
    papi_edgehostnames.register(recording)  # type: ignore[arg-type]
    papi_catalog.register(recording)  # type: ignore[arg-type]
    papi_hostname_buckets.register(recording)  # type: ignore[arg-type]
    papi_includes.register(recording)  # type: ignore[arg-type]
    papi_bulk.register(recording)  # type: ignore[arg-type]
