"""PAPI includes: rule trees shared by properties (`/papi/v1/includes`).

- `GET|POST /papi/v1/includes?contractId=&groupId=` (create: `includeName`, `includeType`
  COMMON_SETTINGS or MICROSERVICES, `productId`, optional `ruleFormat`; 201 `includeLink`);
- `GET|DELETE /papi/v1/includes/{includeId}` (delete: 409 while a version is active);
- `GET|POST .../versions` (`createFromVersion`), `GET .../versions/latest` (302, absolute
  `Location`), `GET .../versions/{includeVersion}`;
- `GET|PUT|PATCH|HEAD .../versions/{includeVersion}/rules`: the rule tree, checked against
  the rule format schema like a property's (an include needs no origin or CP code); a version
  submitted for activation can't change (403);
- `GET .../versions/{includeVersion}/available-behaviors|available-criteria`;
- `GET|POST .../activations`, `GET|DELETE .../activations/{activationId}` (PENDING for the
  `papi.activation` delay, then ACTIVE; DELETE cancels a pending one);
- `GET /papi/v1/includes/validation-results/{activationId}/properties/{propertyId}/versions/
  {propertyVersion}`: a parent property version's rule tree errors and warnings;
- `GET .../parents`: the properties whose rule trees use the include (an `include` behavior
  with `options.id`), and `GET /papi/v1/properties/{propertyId}/versions/{v}/includes`: the
  includes a property version uses.

Documents: `includes` (key includeId), `include_versions` and `include_rules` (key
`"inc_X/3"`), `include_activations` (key activation id; `propertyId` holds the include id so
the property activation state helpers apply).
"""

from __future__ import annotations

import copy
import math
from typing import Any

from alecs.sandbox import papi_rules
from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.papi_common import require_contract, require_group, respond, with_prefix
from alecs.sandbox.papi_model import (
    NETWORKS,
    network_state,
    new_etag,
    render_activation,
    sorted_activations,
    version_key,
)
from alecs.sandbox.papi_properties import (
    NOT_FOUND,
    accepted_rule_format,
    check_if_match,
    find_property,
    find_version,
    quoted,
    user_of,
    version_number,
)
from alecs.sandbox.papi_properties import (
    _rule_format as rule_format_arg,
)
from alecs.sandbox.papi_properties import (
    _schema_problem as schema_problem,
)
from alecs.sandbox.seed import etag_of
from alecs.sandbox.state import operation_remaining

INCLUDE_TYPES = ("MICROSERVICES", "COMMON_SETTINGS")
BASE = "/papi/v1/includes"


def _link(inc: dict[str, Any], tail: str = "") -> str:
    return (
        f"{BASE}/{inc['includeId']}{tail}?contractId={inc['contractId']}&groupId={inc['groupId']}"
    )


def _envelope(inc: dict[str, Any]) -> dict[str, Any]:
    return {"accountId": inc["accountId"], "contractId": inc["contractId"],
            "groupId": inc["groupId"]}  # fmt: skip


def _states(req: Request, include_id: str) -> dict[str, Any]:
    acts = req.state.list("include_activations")
    return {n: network_state(acts, include_id, n, req.now()) for n in NETWORKS}


def _render(req: Request, inc: dict[str, Any]) -> dict[str, Any]:
    states = _states(req, inc["includeId"])
    return {
        **_envelope(inc),
        "latestVersion": inc["latestVersion"],
        "stagingVersion": states["STAGING"].active,
        "productionVersion": states["PRODUCTION"].active,
        "assetId": inc["assetId"],
        "propertyType": "INCLUDE",
        "includeId": inc["includeId"],
        "includeName": inc["includeName"],
        "includeType": inc["includeType"],
    }


def _find(req: Request) -> dict[str, Any]:
    include_id = with_prefix("inc_", req.params["includeId"])
    inc = req.state.get("includes", include_id)
    if inc is None:
        req.fail(404, NOT_FOUND)
    if req.arg("contractId") and require_contract(req) != inc["contractId"]:
        req.fail(404, f"Include {include_id} was not found under that contract.")
    if req.arg("groupId") and require_group(req) != inc["groupId"]:
        req.fail(404, f"Include {include_id} was not found in that group.")
    return inc


def _version(req: Request, inc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    raw = req.params["includeVersion"]
    if not raw.isdigit() or int(raw) < 1:
        req.fail(400, f"The include version must be a number >= 1, got {raw!r}.")
    number = int(raw)
    doc = req.state.get("include_versions", version_key(inc["includeId"], number))
    if doc is None:
        req.fail(
            404,
            f"Version {number} of {inc['includeId']} does not exist; the latest version is "
            f"{inc['latestVersion']}.",
        )
    return number, doc


def _render_version(req: Request, inc: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    states = _states(req, inc["includeId"])
    n = int(doc["includeVersion"])
    return {
        "includeVersion": n,
        "updatedByUser": doc["updatedByUser"],
        "updatedDate": doc["updatedDate"],
        "productionStatus": states["PRODUCTION"].statuses.get(n, "INACTIVE"),
        "stagingStatus": states["STAGING"].statuses.get(n, "INACTIVE"),
        "etag": doc["etag"],
        "productId": doc["productId"],
        "ruleFormat": doc["ruleFormat"],
        "note": doc.get("note", ""),
    }


def _default_rules() -> dict[str, Any]:
    return {"name": "default", "options": {}, "criteria": [], "behaviors": [], "children": []}


# ---------------------------------------------------------------------------------------------
# Includes


def list_includes(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    items = [
        {k: v for k, v in _render(req, inc).items() if k != "propertyType"}
        for inc in req.state.list("includes", contractId=contract_id, groupId=group_id)
    ]
    return respond(req, {"includes": {"items": items}})


def create_include(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    body = req.json()
    if not isinstance(body, dict):
        req.fail(400, "The body must be an object with includeName, includeType and productId.")
    name = body.get("includeName")
    if not isinstance(name, str) or not name.strip() or len(name) > 85:
        req.fail(400, "'includeName' is required: a name of at most 85 characters.")
    if body.get("includeType") not in INCLUDE_TYPES:
        req.fail(400, f"'includeType' must be one of {', '.join(INCLUDE_TYPES)}.")
    product = body.get("productId")
    if (
        not isinstance(product, str)
        or req.state.get("products", with_prefix("prd_", product)) is None
    ):
        req.fail(400, "'productId' must be a product of the contract (GET /papi/v1/products).")
    fmt = rule_format_arg(req, body.get("ruleFormat"))
    if any(i["includeName"] == name.strip() for i in req.state.list("includes")):
        req.fail(409, f"An include named {name.strip()!r} already exists.", title="Conflict")
    with req.transaction() as tx:
        include_id = f"inc_{tx.next_id('include')}"
        inc = {
            "includeId": include_id,
            "includeName": name.strip(),
            "includeType": body["includeType"],
            "accountId": req.account_id,
            "contractId": contract_id,
            "groupId": group_id,
            "productId": with_prefix("prd_", product),
            "assetId": f"aid_{tx.next_id('asset')}",
            "latestVersion": 1,
        }
        tx.put("includes", include_id, inc)
        _put_version(req, tx, inc, 1, _default_rules(), fmt, note="")
    link = _link(inc)
    return respond(req, {"includeLink": link}, 201, {"Location": link})


def _put_version(
    req: Request,
    tx: Any,
    inc: dict[str, Any],
    number: int,
    rules: dict[str, Any],
    fmt: str,
    *,
    note: str,
) -> None:
    key = version_key(inc["includeId"], number)
    rules_etag = new_etag(inc["includeId"], number, rules)
    tx.put("include_rules", key, {"rules": rules, "ruleFormat": fmt, "etag": rules_etag})
    tx.put(
        "include_versions",
        key,
        {
            "includeVersion": number,
            "updatedByUser": user_of(req),
            "updatedDate": req.iso_now(),
            "etag": rules_etag,
            "productId": inc["productId"],
            "ruleFormat": fmt,
            "note": note,
        },
    )


def get_include(req: Request) -> Response:
    inc = _find(req)
    return respond(req, {"includes": {"items": [_render(req, inc)]}})


def delete_include(req: Request) -> Response:
    inc = _find(req)
    states = _states(req, inc["includeId"])
    if any(states[n].active is not None or states[n].pending for n in NETWORKS):
        req.fail(
            409,
            f"Include {inc['includeId']} has a version active or activating; deactivate it first.",
            title="Conflict",
        )
    with req.transaction() as tx:
        for n in range(1, inc["latestVersion"] + 1):
            tx.delete("include_versions", version_key(inc["includeId"], n))
            tx.delete("include_rules", version_key(inc["includeId"], n))
        tx.delete("includes", inc["includeId"])
    return respond(req, {"message": "Deletion Successful."})


# ---------------------------------------------------------------------------------------------
# Versions and rules


def _versions_envelope(inc: dict[str, Any]) -> dict[str, Any]:
    return {
        "includeId": inc["includeId"],
        "includeName": inc["includeName"],
        **_envelope(inc),
        "assetId": inc["assetId"],
        "includeType": inc["includeType"],
    }


def list_versions(req: Request) -> Response:
    inc = _find(req)
    items = []
    for n in range(inc["latestVersion"], 0, -1):
        doc = req.state.get("include_versions", version_key(inc["includeId"], n))
        if doc is not None:
            items.append(_render_version(req, inc, doc))
    return respond(req, {**_versions_envelope(inc), "versions": {"items": items}})


def create_version(req: Request) -> Response:
    inc = _find(req)
    body = req.json()
    source = body.get("createFromVersion") if isinstance(body, dict) else None
    if not isinstance(source, int) or isinstance(source, bool):
        req.fail(400, "'createFromVersion' is required: the number of an existing version.")
    key = version_key(inc["includeId"], source)
    source_doc = req.state.get("include_versions", key)
    if source_doc is None:
        req.fail(400, f"Version {source} of {inc['includeId']} does not exist.")
    etag = body.get("createFromVersionEtag")
    if etag is not None and etag != source_doc["etag"]:
        req.fail(412, "'createFromVersionEtag' does not match the version's etag.")
    rules = req.state.get("include_rules", key)
    with req.transaction() as tx:
        current = tx.get("includes", inc["includeId"])
        number = current["latestVersion"] + 1
        current["latestVersion"] = number
        tx.put("includes", inc["includeId"], current)
        _put_version(req, tx, current, number, copy.deepcopy(rules["rules"]),
                     rules["ruleFormat"], note=source_doc.get("note", ""))  # fmt: skip
    link = _link(inc, f"/versions/{number}")
    return respond(req, {"versionLink": link}, 201, {"Location": link})


def latest_version(req: Request) -> Response:
    inc = _find(req)
    number: int | None = inc["latestVersion"]
    network = req.arg("activatedOn")
    if network is not None:
        if network not in NETWORKS:
            req.fail(400, "The query parameter 'activatedOn' must be STAGING or PRODUCTION.")
        number = _states(req, inc["includeId"])[network].active
        if number is None:
            req.fail(404, f"No version of {inc['includeId']} is active on {network}.")
    link = _link(inc, f"/versions/{number}")
    location = f"https://{req.header('host') or 'localhost'}{link}"
    return respond(req, {"versionLink": link}, 302, {"Location": location})


def get_version(req: Request) -> Response:
    inc = _find(req)
    _n, doc = _version(req, inc)
    item = _render_version(req, inc, doc)
    return respond(req, {**_versions_envelope(inc), "versions": {"items": [item]}},
                   headers={"ETag": quoted(doc["etag"])})  # fmt: skip


def _rules_body(req: Request, inc: dict[str, Any], number: int, doc: dict[str, Any]) -> dict:
    body: dict[str, Any] = {
        **_envelope(inc),
        "includeId": inc["includeId"],
        "includeName": inc["includeName"],
        "includeType": inc["includeType"],
        "includeVersion": number,
        "etag": doc["etag"],
        "ruleFormat": doc["ruleFormat"],
        "rules": doc["rules"],
    }
    return body


def get_rules(req: Request) -> Response:
    inc = _find(req)
    number, _ = _version(req, inc)
    doc = req.state.get("include_rules", version_key(inc["includeId"], number))
    wanted = accepted_rule_format(req)
    if wanted is not None:
        doc = dict(doc, ruleFormat=wanted)
    response = respond(req, _rules_body(req, inc, number, doc),
                       headers={"ETag": quoted(doc["etag"])})  # fmt: skip
    if wanted is not None:
        response.content_type = f"application/vnd.akamai.papirules.{wanted}+json"
    return response


def head_rules(req: Request) -> Response:
    response = get_rules(req)
    return Response(b"", 204, response.headers, response.content_type)


def _check_editable(req: Request, inc: dict[str, Any], number: int) -> None:
    submitted = any(
        a["propertyId"] == inc["includeId"] and int(a["propertyVersion"]) == number
        for a in req.state.list("include_activations")
    )
    if submitted:
        req.fail(
            403,
            f"Version {number} of {inc['includeId']} has been activated and can't be modified; "
            "create a new version from it.",
            title="Forbidden",
        )


def _save_rules(req: Request, inc: dict[str, Any], number: int, tree: Any, fmt: str) -> Response:
    try:
        rules = papi_rules.check_schema(tree)
    except papi_rules.SchemaProblem as problem:
        schema_problem(req, problem)
    key = version_key(inc["includeId"], number)
    with req.transaction() as tx:
        version = tx.get("include_versions", key)
        _put_version(req, tx, inc, number, rules, fmt, note=version.get("note", ""))
        doc = tx.get("include_rules", key)
    return respond(req, _rules_body(req, inc, number, doc), headers={"ETag": quoted(doc["etag"])})


def put_rules(req: Request) -> Response:
    inc = _find(req)
    number, _ = _version(req, inc)
    current = req.state.get("include_rules", version_key(inc["includeId"], number))
    body = req.json()
    _check_editable(req, inc, number)
    check_if_match(req, current["etag"], body.get("etag") if isinstance(body, dict) else None,
                   "rule tree")  # fmt: skip
    fmt = current["ruleFormat"]
    ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
    prefix, suffix = "application/vnd.akamai.papirules.", "+json"
    if ctype.startswith(prefix) and ctype.endswith(suffix):
        fmt = rule_format_arg(req, ctype[len(prefix) : -len(suffix)], "Content-Type rule format")
    return _save_rules(req, inc, number, body, fmt)


def patch_rules(req: Request) -> Response:
    inc = _find(req)
    number, _ = _version(req, inc)
    current = req.state.get("include_rules", version_key(inc["includeId"], number))
    ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/json-patch+json":
        req.fail(415, "Send the JSON Patch operations as application/json-patch+json.")
    operations = req.json()
    _check_editable(req, inc, number)
    check_if_match(req, current["etag"], None, "rule tree")
    try:
        patched = papi_rules.apply_json_patch({"rules": current["rules"]}, operations)
    except papi_rules.PatchError as exc:
        req.fail(400, f"The JSON Patch could not be applied: {exc}.", title="Invalid JSON Patch")
    return _save_rules(req, inc, number, patched, current["ruleFormat"])


def _available(req: Request, kind: str) -> Response:
    inc = _find(req)
    _n, doc = _version(req, inc)
    link = f"/papi/v1/schemas/products/{inc['productId']}/{doc['ruleFormat']}"
    items = [
        {"name": n, "schemaLink": f"{link}#/definitions/catalog/{kind}/{n}"}
        for n in sorted(papi_rules.catalog(kind))
    ]
    body = {"contractId": inc["contractId"], "groupId": inc["groupId"],
            "productId": inc["productId"], "ruleFormat": doc["ruleFormat"],
            kind: {"items": items}}  # fmt: skip
    return respond(req, body)


def available_behaviors(req: Request) -> Response:
    return _available(req, "behaviors")


def available_criteria(req: Request) -> Response:
    return _available(req, "criteria")


# ---------------------------------------------------------------------------------------------
# Activations


def _render_activation(doc: dict[str, Any], now: float, inc: dict[str, Any]) -> dict[str, Any]:
    item = render_activation(doc, now)
    return {
        "includeActivationId": doc["activationId"],
        "includeName": inc["includeName"],
        "includeId": inc["includeId"],
        "includeVersion": int(doc["propertyVersion"]),
        "network": item["network"],
        "activationType": item["activationType"],
        "status": item["status"],
        "submitDate": item["submitDate"],
        "updateDate": item["updateDate"],
        "note": item["note"],
        "notifyEmails": item["notifyEmails"],
    }


def list_activations(req: Request) -> Response:
    inc = _find(req)
    now = req.now()
    docs = req.state.list("include_activations", propertyId=inc["includeId"])
    items = [_render_activation(d, now, inc) for d in reversed(sorted_activations(docs))]
    return respond(req, {**_envelope(inc), "activations": {"items": items}})


def create_activation(req: Request) -> Response:
    inc = _find(req)
    body = req.json()
    if not isinstance(body, dict):
        req.fail(400, "The body must be an activation object.")
    number = body.get("includeVersion")
    if (
        not isinstance(number, int)
        or req.state.get("include_versions", version_key(inc["includeId"], number)) is None
    ):
        req.fail(400, "'includeVersion' must be an existing version of the include.")
    network = body.get("network")
    if network not in NETWORKS:
        req.fail(400, "'network' must be STAGING or PRODUCTION.")
    kind = body.get("activationType", "ACTIVATE")
    if kind not in ("ACTIVATE", "DEACTIVATE"):
        req.fail(400, "'activationType' must be ACTIVATE or DEACTIVATE.")
    emails = body.get("notifyEmails")
    if not isinstance(emails, list) or not emails:
        req.fail(400, "'notifyEmails' must list at least one address.")
    state = _states(req, inc["includeId"])[network]
    if state.pending is not None:
        req.fail(422, f"Another activation of {inc['includeId']} on {network} is pending.")
    if kind == "DEACTIVATE" and state.active != number:
        req.fail(422, f"Version {number} of {inc['includeId']} is not active on {network}.")
    with req.transaction() as tx:
        activation_id = f"atv_{tx.next_id('activation')}"
        tx.put(
            "include_activations",
            activation_id,
            {
                "activationId": activation_id,
                "propertyName": inc["includeName"],
                "propertyId": inc["includeId"],
                "propertyVersion": number,
                "network": network,
                "activationType": kind,
                "status": "PENDING",
                "submitDate": req.iso_now(),
                "updateDate": req.iso_now(),
                "note": str(body.get("note") or ""),
                "notifyEmails": list(emails),
                "operation": req.schedule("papi.activation"),
            },
        )
    link = _link(inc, f"/activations/{activation_id}")
    return respond(req, {"activationLink": link}, 201, {"Location": link})


def _find_activation(req: Request, inc: dict[str, Any]) -> dict[str, Any]:
    activation_id = with_prefix("atv_", req.params["activationId"])
    doc = req.state.get("include_activations", activation_id)
    if doc is None or doc["propertyId"] != inc["includeId"]:
        req.fail(404, NOT_FOUND)
    return doc


def get_activation(req: Request) -> Response:
    inc = _find(req)
    doc = _find_activation(req, inc)
    now = req.now()
    item = _render_activation(doc, now, inc)
    headers = {}
    if item["status"] == "PENDING" and doc.get("operation"):
        headers["Retry-After"] = str(max(1, math.ceil(operation_remaining(doc["operation"], now))))
    return respond(req, {**_envelope(inc), "activations": {"items": [item]}}, headers=headers)


def cancel_activation(req: Request) -> Response:
    inc = _find(req)
    doc = _find_activation(req, inc)
    now = req.now()
    if render_activation(doc, now)["status"] != "PENDING":
        req.fail(422, f"Activation {doc['activationId']} is no longer pending.")
    with req.transaction() as tx:
        doc.pop("operation", None)
        doc.update(status="ABORTED", updateDate=req.iso_now())
        tx.put("include_activations", doc["activationId"], doc)
    item = _render_activation(doc, now, inc)
    return respond(req, {**_envelope(inc), "activations": {"items": [item]}})


# ---------------------------------------------------------------------------------------------
# Where includes are used


def includes_of(rules: dict[str, Any]) -> set[str]:
    """The include ids a rule tree uses (`include` behaviors), anywhere in the tree."""
    found: set[str] = set()
    stack = [rules]
    while stack:
        rule = stack.pop()
        for behavior in rule.get("behaviors") or []:
            if isinstance(behavior, dict) and behavior.get("name") == "include":
                value = (behavior.get("options") or {}).get("id")
                if isinstance(value, str):
                    found.add(with_prefix("inc_", value))
        stack.extend(c for c in rule.get("children") or [] if isinstance(c, dict))
    return found


def parents(req: Request) -> Response:
    inc = _find(req)
    items = []
    for prop in req.state.list("properties"):
        for n in range(1, int(prop["latestVersion"]) + 1):
            doc = req.state.get("property_rules", version_key(prop["propertyId"], n))
            if doc and inc["includeId"] in includes_of(doc["rules"]):
                items.append(
                    {
                        "accountId": prop["accountId"],
                        "contractId": prop["contractId"],
                        "groupId": prop["groupId"],
                        "propertyId": prop["propertyId"],
                        "propertyName": prop["propertyName"],
                        "stagingVersion": prop.get("stagingVersion"),
                        "productionVersion": prop.get("productionVersion"),
                        "assetId": prop["assetId"],
                        "isIncludeUsedInStagingVersion": False,
                        "isIncludeUsedInProductionVersion": False,
                    }
                )
                break
    return respond(req, {"properties": {"items": items}})


def property_version_includes(req: Request) -> Response:
    prop = find_property(req)
    version = version_number(req)
    find_version(req, prop, version)
    doc = req.state.get("property_rules", version_key(prop["propertyId"], version))
    items = []
    for include_id in sorted(includes_of(doc["rules"])):
        inc = req.state.get("includes", include_id)
        if inc is None:
            continue
        rendered = _render(req, inc)
        items.append(
            {
                **_envelope(inc),
                "stagingVersion": rendered["stagingVersion"],
                "productionVersion": rendered["productionVersion"],
                "assetId": inc["assetId"],
                "includeId": include_id,
                "includeName": inc["includeName"],
                "includeType": inc["includeType"],
                "isIncludeUsedInProductionVersion": False,
                "isIncludeUsedInStagingVersion": False,
            }
        )
    return respond(req, {"includes": {"items": items}})


def validation_results(req: Request) -> Response:
    """How an include activation's validation went for one parent property version: the
    parent's rule tree errors (blocking) and warnings, as PAPI's validation engine lists them."""
    activation_id = with_prefix("atv_", req.params["activationId"])
    if req.state.get("include_activations", activation_id) is None:
        req.fail(404, NOT_FOUND)
    prop = find_property(req)
    version = version_number(req)
    find_version(req, prop, version)
    rules = req.state.get("property_rules", version_key(prop["propertyId"], version))["rules"]
    errors, warnings = papi_rules.validate(rules, req.path)
    messages = []
    for severity, items in (("ERROR", errors), ("WARNING", warnings)):
        for item in items:
            message_id = item["type"].rsplit("/", 1)[-1]
            messages.append(
                {
                    "id": etag_of([activation_id, item["errorLocation"], message_id]),
                    "autoIgnored": severity == "WARNING",
                    "messageId": message_id,
                    "messageParams": [{"nodeLocation": item["errorLocation"].lstrip("#")}],
                    "severity": severity,
                    "source": "VALIDATION_ENGINE",
                    "userHidden": False,
                    "userSignedOff": False,
                }
            )
    walked = list(papi_rules.walk(rules))
    stats = {
        "numTopLevelChildren": len(rules.get("children") or []),
        "numBehaviors": sum(len(r.get("behaviors") or []) for r in walked),
        "numConditions": sum(len(r.get("criteria") or []) for r in walked),
        "elementsPerInclude": sum(
            len(r.get("behaviors") or []) + len(r.get("criteria") or []) for r in walked
        ),
    }
    body = {
        "validationTag": etag_of([activation_id, prop["propertyId"], version])[:8],
        "result": "ERROR" if errors else "WARNING" if warnings else "OK",
        "stats": stats,
        "messages": messages,
    }
    return respond(req, body)


def register(router: Router) -> None:
    router.add(
        "GET",
        f"{BASE}/validation-results/{{activationId}}/properties/{{propertyId}}/versions/"
        "{propertyVersion}",
        validation_results,
    )
    router.add("GET", BASE, list_includes)
    router.add("POST", BASE, create_include)
    one = BASE + "/{includeId}"
    router.add("GET", one, get_include)
    router.add("DELETE", one, delete_include)
    router.add("GET", one + "/versions", list_versions)
    router.add("POST", one + "/versions", create_version)
    router.add("GET", one + "/versions/latest", latest_version)
    router.add("GET", one + "/versions/{includeVersion}", get_version)
    rules = one + "/versions/{includeVersion}/rules"
    router.add("GET", rules, get_rules)
    router.add("HEAD", rules, head_rules)
    router.add("PUT", rules, put_rules)
    router.add("PATCH", rules, patch_rules)
    router.add("GET", one + "/versions/{includeVersion}/available-behaviors", available_behaviors)
    router.add("GET", one + "/versions/{includeVersion}/available-criteria", available_criteria)
    router.add("GET", one + "/activations", list_activations)
    router.add("POST", one + "/activations", create_activation)
    router.add("GET", one + "/activations/{activationId}", get_activation)
    router.add("DELETE", one + "/activations/{activationId}", cancel_activation)
    router.add("GET", one + "/parents", parents)
    router.add(
        "GET",
        "/papi/v1/properties/{propertyId}/versions/{propertyVersion}/includes",
        property_version_includes,
    )
