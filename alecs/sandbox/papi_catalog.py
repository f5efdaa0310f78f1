"""PAPI's catalog endpoints: what a client needs to write rules, and the account's settings.

- `GET /papi/v1/rule-formats`: `latest` and the rule formats the sandbox knows;
- `GET /papi/v1/schemas/products/{productId}/{ruleFormat}`: the sandbox's rule format schema
  (`data/rule-format.json`: behaviors and criteria with their options), the same for every
  product and format; 404 for an unknown product, 400 for an unknown format;
- `GET /papi/v1/schemas/request/{filename}`: JSON schemas of request bodies;
- `GET /papi/v1/properties/{propertyId}/versions/{propertyVersion}/available-behaviors` and
  `.../available-criteria`: the behaviors and criteria a version may use, each with a
  `schemaLink` into the rule format schema;
- `GET /papi/v1/build`, `GET|PUT /papi/v1/client-settings` (kept per account),
  `GET /papi/v1/custom-behaviors[/{behaviorId}]`, `GET /papi/v1/custom-overrides[/{overrideId}]`,
  `GET /papi/v1/products/{productId}/mapping-use-cases`.

Static data (build, custom behaviors and overrides, use cases, request schemas) is in
`data/papi-catalog.json`.
"""

from __future__ import annotations

import functools
from typing import Any

from alecs.sandbox import papi_rules
from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.papi_common import require_contract, respond, with_prefix
from alecs.sandbox.papi_properties import (
    NOT_FOUND,
    find_property,
    find_version,
    version_number,
)
from alecs.sandbox.seed import RULE_FORMATS, load_data


@functools.cache
def _catalog_data() -> dict[str, Any]:
    return load_data("papi-catalog.json")


def _data(key: str) -> Any:
    return _catalog_data()[key]


def list_rule_formats(req: Request) -> Response:
    return respond(req, {"ruleFormats": {"items": ["latest", *RULE_FORMATS]}})


def _known_format(req: Request, value: str) -> str:
    if value != "latest" and value not in RULE_FORMATS:
        req.fail(
            400,
            f"Unknown rule format {value!r}; use 'latest' or one of "
            f"{', '.join(RULE_FORMATS)} (GET /papi/v1/rule-formats).",
        )
    return value


def _product(req: Request, product: str) -> dict[str, Any]:
    product_id = with_prefix("prd_", product)
    doc = req.state.get("products", product_id)
    if doc is None:
        req.fail(
            404,
            f"The product {product_id} is not available to this account; list products with "
            "GET /papi/v1/products?contractId=...",
        )
    return doc


def get_rule_format_schema(req: Request) -> Response:
    _product(req, req.params["productId"])
    _known_format(req, req.params["ruleFormat"])
    return Response(papi_rules.rule_format_schema(), 200, {}, "application/schema+json")


def get_request_schema(req: Request) -> Response:
    schema = _data("requestSchemas").get(req.params["filename"])
    if schema is None:
        req.fail(404, NOT_FOUND)
    return Response(schema, 200, {}, "application/schema+json")


def _available(req: Request, kind: str) -> Response:
    prop = find_property(req)
    version = version_number(req)
    doc = find_version(req, prop, version)
    fmt = doc.get("ruleFormat") or "latest"
    product = prop.get("productId") or doc.get("productId")
    names = sorted(papi_rules.catalog(kind))
    link = f"/papi/v1/schemas/products/{product}/{fmt}#/definitions/catalog/{kind}"
    items = [{"name": n, "schemaLink": f"{link}/{n}"} for n in names]
    body = {
        "contractId": prop["contractId"],
        "groupId": prop["groupId"],
        "productId": product,
        "ruleFormat": fmt,
        kind: {"items": items},
    }
    return respond(req, body)


def available_behaviors(req: Request) -> Response:
    return _available(req, "behaviors")


def available_criteria(req: Request) -> Response:
    return _available(req, "criteria")


def get_build(req: Request) -> Response:
    return respond(req, _data("build"))


def get_client_settings(req: Request) -> Response:
    settings = req.state.get("client_settings", "settings") or _data("clientSettings")
    return respond(req, settings)


def put_client_settings(req: Request) -> Response:
    body = req.json()
    if not isinstance(body, dict) or set(body) - {"ruleFormat", "usePrefixes"}:
        req.fail(400, "The body must be {'ruleFormat': ..., 'usePrefixes': true|false}.")
    current = req.state.get("client_settings", "settings") or _data("clientSettings")
    updated = dict(current)
    if "ruleFormat" in body:
        if not isinstance(body["ruleFormat"], str):
            req.fail(400, "'ruleFormat' must be a rule format name such as 'latest'.")
        updated["ruleFormat"] = _known_format(req, body["ruleFormat"])
    if "usePrefixes" in body:
        if not isinstance(body["usePrefixes"], bool):
            req.fail(400, "'usePrefixes' must be true or false.")
        updated["usePrefixes"] = body["usePrefixes"]
    with req.transaction() as tx:
        tx.put("client_settings", "settings", updated)
    return respond(req, updated)


def _account(req: Request) -> dict[str, Any]:
    return {"accountId": req.account_id}


def list_custom_behaviors(req: Request) -> Response:
    items = [{k: v for k, v in b.items() if k != "xml"} for b in _data("customBehaviors")]
    return respond(req, {**_account(req), "customBehaviors": {"items": items}})


def get_custom_behavior(req: Request) -> Response:
    wanted = with_prefix("cbe_", req.params["behaviorId"])
    items = [b for b in _data("customBehaviors") if b["behaviorId"] == wanted]
    if not items:
        req.fail(404, NOT_FOUND)
    return respond(req, {**_account(req), "customBehaviors": {"items": items}})


def list_custom_overrides(req: Request) -> Response:
    items = [{k: v for k, v in o.items() if k != "xml"} for o in _data("customOverrides")]
    return respond(req, {**_account(req), "customOverrides": {"items": items}})


def get_custom_override(req: Request) -> Response:
    wanted = with_prefix("cbo_", req.params["overrideId"])
    items = [o for o in _data("customOverrides") if o["overrideId"] == wanted]
    if not items:
        req.fail(404, NOT_FOUND)
    return respond(req, {**_account(req), "customOverrides": {"items": items}})


def mapping_use_cases(req: Request) -> Response:
    require_contract(req)
    _product(req, req.params["productId"])
    return respond(req, {"useCases": _data("mappingUseCases")})


def register(router: Router) -> None:
    router.add("GET", "/papi/v1/rule-formats", list_rule_formats)
    router.add("GET", "/papi/v1/schemas/products/{productId}/{ruleFormat}", get_rule_format_schema)
    router.add("GET", "/papi/v1/schemas/request/{filename}", get_request_schema)
    version = "/papi/v1/properties/{propertyId}/versions/{propertyVersion}"
    router.add("GET", version + "/available-behaviors", available_behaviors)
    router.add("GET", version + "/available-criteria", available_criteria)
    router.add("GET", "/papi/v1/build", get_build)
    router.add("GET", "/papi/v1/client-settings", get_client_settings)
    router.add("PUT", "/papi/v1/client-settings", put_client_settings)
    router.add("GET", "/papi/v1/custom-behaviors", list_custom_behaviors)
    router.add("GET", "/papi/v1/custom-behaviors/{behaviorId}", get_custom_behavior)
    router.add("GET", "/papi/v1/custom-overrides", list_custom_overrides)
    router.add("GET", "/papi/v1/custom-overrides/{overrideId}", get_custom_override)
    router.add("GET", "/papi/v1/products/{productId}/mapping-use-cases", mapping_use_cases)
