"""Property Manager properties, versions, rule trees, version hostnames and search.

Shaped like ../shared/akamai-apis/apis/papi/v1 (04-properties.yaml, 07-search.yaml):

- `GET|POST /papi/v1/properties`, `GET|DELETE /papi/v1/properties/{propertyId}`
- `GET|POST .../versions`, `GET .../versions/latest` (302 to the version), `GET .../versions/{v}`
- `GET|PUT|PATCH .../versions/{v}/rules`: etag in the body and the `ETag` header; writes need a
  matching `If-Match` (double-quoted, or the body's `etag`) else 412; every write changes the
  etag; `PATCH` takes `application/json-patch+json`; a rule format is chosen with
  `Content-Type: application/vnd.akamai.papirules.<format>+json`; an unknown behavior or
  criterion is refused with PAPI's `400 json-schema-invalid`; other problems come back as
  `errors`/`warnings` (see papi_rules.py)
- `GET|PUT|PATCH .../versions/{v}/hostnames` (PATCH: `{"add": [...], "remove": [...]}`)
- `POST /papi/v1/search/find-by-value` (`propertyName`, `hostname` or `edgeHostname`)

A version that has been submitted for activation is frozen: writes to its rules or hostnames
get 403 and a hint to create a new version.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, NoReturn

from alecs.sandbox import papi_rules
from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.papi_common import require_contract, require_group, respond, with_prefix
from alecs.sandbox.papi_model import (
    new_etag,
    property_states,
    render_property,
    render_version,
    version_etag,
    version_key,
    was_activated,
)
from alecs.sandbox.seed import RULE_FORMATS

NOT_FOUND = "The system was unable to locate the requested resource."
PROBLEMS = "https://problems.luna.akamaiapis.net/papi/v1"
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,85}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9\-]{0,61}[a-z0-9]$"
)
_RULES_CTYPE = re.compile(r"^application/vnd\.akamai\.papirules\.([A-Za-z0-9\-]+)\+json$")
CERT_TYPES = ("CPS_MANAGED", "DEFAULT")


# ---------------------------------------------------------------------------------------------
# Lookups shared by the PAPI handlers


def user_of(req: Request) -> str:
    return f"api-{req.client.section}" if req.client is not None else "api"


def find_property(req: Request) -> dict[str, Any]:
    """The property in the path, checked against optional `contractId`/`groupId`."""
    property_id = with_prefix("prp_", req.params["propertyId"])
    prop = req.state.get("properties", property_id)
    if prop is None:
        req.fail(404, NOT_FOUND)
    contract = req.arg("contractId")
    if contract:
        contract_id = require_contract(req)
        if contract_id != prop["contractId"]:
            req.fail(404, f"Property {property_id} was not found under contract {contract_id}.")
    if req.arg("groupId"):
        group_id = require_group(req)
        if group_id != prop["groupId"]:
            req.fail(404, f"Property {property_id} was not found in group {group_id}.")
    return prop


def version_number(req: Request) -> int:
    raw = req.params["propertyVersion"]
    if not raw.isdigit() or int(raw) < 1:
        req.fail(400, f"The property version must be a number >= 1, got {raw!r}.")
    return int(raw)


def find_version(req: Request, prop: dict[str, Any], version: int) -> dict[str, Any]:
    doc = req.state.get("property_versions", version_key(prop["propertyId"], version))
    if doc is None:
        req.fail(
            404,
            f"Version {version} of {prop['propertyId']} does not exist; the latest version is "
            f"{prop['latestVersion']}.",
        )
    return doc


def envelope(prop: dict[str, Any]) -> dict[str, Any]:
    return {
        "accountId": prop["accountId"],
        "contractId": prop["contractId"],
        "groupId": prop["groupId"],
    }


def context_query(prop: dict[str, Any]) -> str:
    return f"contractId={prop['contractId']}&groupId={prop['groupId']}"


def quoted(etag: str) -> str:
    return f'"{etag}"'


def check_if_match(req: Request, current: str, body_etag: Any = None, what: str = "data") -> None:
    """412 unless `If-Match` (double-quoted) or the body's `etag` matches `current`."""
    header = req.header("if-match")
    if header is None and body_etag is None:
        return  # PAPI lets a write through without a precondition
    if header is not None:
        value = header.strip()
        if value == quoted(current) or value == "*":
            return
        hint = ""
        if value == current:
            hint = " The etag in If-Match must be double-quoted."
        req.fail(
            412,
            f"The If-Match value {value} does not match the current etag of the {what} "
            f"({quoted(current)}): someone changed it since you read it.{hint} Get the "
            f"{what} again and reapply your change.",
            title="Precondition Failed",
            type=f"{PROBLEMS}/precondition-failed",
        )
    if body_etag != current:
        req.fail(
            412,
            f"The etag {body_etag!r} does not match the current etag of the {what} "
            f"({current!r}): someone changed it since you read it. Get the {what} again and "
            "reapply your change.",
            title="Precondition Failed",
            type=f"{PROBLEMS}/precondition-failed",
        )


def check_editable(req: Request, prop: dict[str, Any], version: int) -> None:
    if was_activated(req.state.list("activations"), prop["propertyId"], version):
        req.fail(
            403,
            f"Version {version} of {prop['propertyId']} has been activated and can't be "
            "modified. Create a new version from it (POST "
            f"/papi/v1/properties/{prop['propertyId']}/versions) and edit that.",
            title="Forbidden",
            type=f"{PROBLEMS}/property-version-not-editable",
        )


def _touch_version(
    tx: Any, req: Request, prop: dict[str, Any], version: int, *, rules_etag: str, hosts_etag: str
) -> None:
    key = version_key(prop["propertyId"], version)
    doc = tx.get("property_versions", key)
    doc["updatedDate"] = req.iso_now()
    doc["updatedByUser"] = user_of(req)
    doc["etag"] = version_etag(doc, rules_etag, hosts_etag)
    tx.put("property_versions", key, doc)


# ---------------------------------------------------------------------------------------------
# Properties


def list_properties(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    activations = req.state.list("activations")
    now = req.now()
    items = [
        render_property(p, activations, now)
        for p in req.state.list("properties", contractId=contract_id, groupId=group_id)
    ]
    return respond(req, {"properties": {"items": items}})


def get_property(req: Request) -> Response:
    prop = find_property(req)
    item = render_property(prop, req.state.list("activations"), req.now())
    return respond(req, {"properties": {"items": [item]}})


def default_rule_tree() -> dict[str, Any]:
    """The rule tree of a new property: a template whose origin and CP code are still empty."""
    return {
        "name": "default",
        "options": {"is_secure": False},
        "criteria": [],
        "behaviors": [
            {
                "name": "origin",
                "options": {
                    "originType": "CUSTOMER",
                    "hostname": "",
                    "forwardHostHeader": "REQUEST_HOST_HEADER",
                    "cacheKeyHostname": "ORIGIN_HOSTNAME",
                    "compress": True,
                    "enableTrueClientIp": False,
                    "httpPort": 80,
                },
            },
            {"name": "cpCode", "options": {}},
            {"name": "caching", "options": {"behavior": "NO_STORE"}},
        ],
        "children": [],
    }


def _rule_format(req: Request, value: Any, field: str = "ruleFormat") -> str:
    if value is None:
        return "latest"
    if not isinstance(value, str) or (value != "latest" and value not in RULE_FORMATS):
        req.fail(
            400,
            f"'{field}' {value!r} is not a rule format; use 'latest' or one of "
            + ", ".join(RULE_FORMATS),
        )
    return value


def create_property(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    body = req.json()
    if not isinstance(body, dict):
        req.fail(400, "The request body must be a JSON object with productId and propertyName.")
    name, product = body.get("propertyName"), body.get("productId")
    if not isinstance(name, str) or not _NAME.match(name):
        req.fail(
            400,
            "'propertyName' is required: 1 to 85 letters, digits, dots, hyphens or underscores.",
        )
    if not isinstance(product, str) or not product.strip():
        req.fail(400, "'productId' is required, for example 'prd_Fresca'.")
    product_id = with_prefix("prd_", product)
    product_doc = req.state.get("products", product_id)
    if product_doc is None or contract_id not in product_doc["contractIds"]:
        req.fail(
            400,
            f"The product {product_id} is not available on contract {contract_id}; "
            "list products with GET /papi/v1/products?contractId=...",
        )
    if any(p["propertyName"] == name for p in req.state.list("properties")):
        req.fail(400, f"A property named {name!r} already exists in this account.")
    rule_format = _rule_format(req, body.get("ruleFormat"))
    rules = default_rule_tree()
    hostnames: list[dict[str, Any]] = []
    clone = body.get("cloneFrom")
    if clone is not None:
        if not isinstance(clone, dict) or not clone.get("propertyId") or not clone.get("version"):
            req.fail(400, "'cloneFrom' needs 'propertyId' and 'version'.")
        source_id = with_prefix("prp_", str(clone["propertyId"]))
        key = version_key(source_id, int(clone["version"]))
        source_version = req.state.get("property_versions", key)
        if req.state.get("properties", source_id) is None or source_version is None:
            req.fail(400, f"cloneFrom: version {clone['version']} of {source_id} does not exist.")
        etag = clone.get("cloneFromVersionEtag")
        if etag is not None and etag != source_version["etag"]:
            req.fail(
                412,
                f"cloneFromVersionEtag {etag!r} does not match the current etag of version "
                f"{clone['version']} of {source_id}.",
                type=f"{PROBLEMS}/precondition-failed",
            )
        source_rules = req.state.get("property_rules", key) or {}
        rules = source_rules.get("rules") or rules
        if body.get("ruleFormat") is None:
            rule_format = source_rules.get("ruleFormat", rule_format)
        if clone.get("copyHostnames"):
            hostnames = (req.state.get("property_hostnames", key) or {}).get("items", [])
    with req.transaction() as tx:
        number = tx.next_id("property")
        property_id = f"prp_{number}"
        asset_id = f"aid_{tx.next_id('asset')}"
        prop = {
            "propertyId": property_id,
            "propertyName": name,
            "accountId": req.account_id,
            "contractId": contract_id,
            "groupId": group_id,
            "productId": product_id,
            "assetId": asset_id,
            "latestVersion": 1,
            "note": "",
            "ruleFormat": rule_format,
        }
        tx.put("properties", property_id, prop)
        _write_version(tx, req, prop, 1, rules, rule_format, hostnames, note="")
    link = f"/papi/v1/properties/{property_id}?{context_query(prop)}"
    return respond(req, {"propertyLink": link}, 201, {"Location": link})


def _write_version(
    tx: Any,
    req: Request,
    prop: dict[str, Any],
    version: int,
    rules: dict[str, Any],
    rule_format: str,
    hostnames: list[dict[str, Any]],
    *,
    note: str,
) -> None:
    pid = prop["propertyId"]
    key = version_key(pid, version)
    rules_doc = {"propertyId": pid, "propertyVersion": version, "ruleFormat": rule_format}
    rules_doc["rules"] = rules
    rules_doc["etag"] = new_etag(rules_doc)
    hosts_doc = {"propertyId": pid, "propertyVersion": version, "items": hostnames}
    hosts_doc["etag"] = new_etag(hosts_doc)
    version_doc = {
        "propertyId": pid,
        "propertyVersion": version,
        "updatedByUser": user_of(req),
        "updatedDate": req.iso_now(),
        "productionStatus": "INACTIVE",
        "stagingStatus": "INACTIVE",
        "productId": prop["productId"],
        "ruleFormat": rule_format,
        "note": note,
    }
    version_doc["etag"] = version_etag(version_doc, rules_doc["etag"], hosts_doc["etag"])
    tx.put("property_rules", key, rules_doc)
    tx.put("property_hostnames", key, hosts_doc)
    tx.put("property_versions", key, version_doc)


def delete_property(req: Request) -> Response:
    prop = find_property(req)
    states = property_states(req.state.list("activations"), prop["propertyId"], req.now())
    busy = [
        f"{network} (v{state.active})" if state.active else f"{network} (pending)"
        for network, state in states.items()
        if state.active is not None or state.pending is not None
    ]
    if busy:
        req.fail(
            500,
            f"Property {prop['propertyId']} can't be removed while it is active on "
            + ", ".join(busy)
            + ". Deactivate it on each network first.",
            title="Internal Server Error",
            type=f"{PROBLEMS}/property-active",
        )
    pid = prop["propertyId"]
    with req.transaction() as tx:
        tx.delete("properties", pid)
        for n in range(1, int(prop["latestVersion"]) + 1):
            for collection in ("property_versions", "property_rules", "property_hostnames"):
                tx.delete(collection, version_key(pid, n))
    return respond(req, {"message": "Deletion Successful."})


# ---------------------------------------------------------------------------------------------
# Versions


def _version_envelope(prop: dict[str, Any]) -> dict[str, Any]:
    return {
        "propertyId": prop["propertyId"],
        "propertyName": prop["propertyName"],
        **envelope(prop),
        "assetId": prop["assetId"],
    }


def _int_arg(req: Request, name: str, default: int | None, minimum: int) -> int | None:
    raw = req.arg(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        req.fail(400, f"The query parameter '{name}' must be an integer >= {minimum}.")
    return int(raw)


def list_versions(req: Request) -> Response:
    prop = find_property(req)
    states = property_states(req.state.list("activations"), prop["propertyId"], req.now())
    docs = [
        d
        for d in req.state.list("property_versions", propertyId=prop["propertyId"])
        if isinstance(d.get("propertyVersion"), int)
    ]
    docs.sort(key=lambda d: d["propertyVersion"], reverse=True)
    docs = docs[:500]  # PAPI lists the 500 most recent versions
    limit = _int_arg(req, "limit", None, 1)
    offset = _int_arg(req, "offset", 0, 0) or 0
    if limit is not None:
        docs = docs[offset * limit : (offset + 1) * limit]
    items = [render_version(d, states) for d in docs]
    return respond(req, {**_version_envelope(prop), "versions": {"items": items}})


def get_version(req: Request) -> Response:
    prop = find_property(req)
    doc = find_version(req, prop, version_number(req))
    states = property_states(req.state.list("activations"), prop["propertyId"], req.now())
    item = render_version(doc, states)
    return respond(
        req,
        {**_version_envelope(prop), "versions": {"items": [item]}},
        headers={"ETag": quoted(doc["etag"])},
    )


def latest_version(req: Request) -> Response:
    prop = find_property(req)
    network = req.arg("activatedOn")
    version: int | None = prop["latestVersion"]
    if network is not None:
        if network not in ("STAGING", "PRODUCTION"):
            req.fail(400, "The query parameter 'activatedOn' must be STAGING or PRODUCTION.")
        states = property_states(req.state.list("activations"), prop["propertyId"], req.now())
        version = states[network].active
        if version is None:
            req.fail(404, f"No version of {prop['propertyId']} is active on {network}.")
    link = f"/papi/v1/properties/{prop['propertyId']}/versions/{version}?{context_query(prop)}"
    # Location is absolute, as PAPI sends it: clients that follow it re-sign the full URL
    location = f"https://{req.header('host') or 'localhost'}{link}"
    return respond(req, {"versionLink": link}, 302, {"Location": location})


def create_version(req: Request) -> Response:
    prop = find_property(req)
    body = req.json()
    base = body.get("createFromVersion") if isinstance(body, dict) else None
    if not isinstance(base, int) or isinstance(base, bool) or base < 1:
        req.fail(400, "'createFromVersion' is required: the number of the version to copy.")
    source = find_version(req, prop, base)
    etag = body.get("createFromVersionEtag")
    if etag is not None and etag != source["etag"]:
        req.fail(
            412,
            f"createFromVersionEtag {etag!r} does not match the current etag of version {base} "
            f"({source['etag']!r}): the version changed since you read it.",
            title="Precondition Failed",
            type=f"{PROBLEMS}/precondition-failed",
        )
    key = version_key(prop["propertyId"], base)
    rules = req.state.get("property_rules", key) or {}
    hosts = req.state.get("property_hostnames", key) or {}
    with req.transaction() as tx:
        current = tx.get("properties", prop["propertyId"])
        number = int(current["latestVersion"]) + 1
        current["latestVersion"] = number
        tx.put("properties", prop["propertyId"], current)
        _write_version(
            tx,
            req,
            current,
            number,
            rules.get("rules") or default_rule_tree(),
            rules.get("ruleFormat", source.get("ruleFormat", "latest")),
            hosts.get("items", []),
            note=source.get("note", ""),
        )
    link = f"/papi/v1/properties/{prop['propertyId']}/versions/{number}?{context_query(prop)}"
    return respond(req, {"versionLink": link}, 201, {"Location": link})


# ---------------------------------------------------------------------------------------------
# Rule trees


def _validate_flag(req: Request) -> bool:
    return (req.arg("validateRules") or "true").lower() != "false"


def _rules_response(
    req: Request, prop: dict[str, Any], doc: dict[str, Any], *, validate: bool
) -> Response:
    body = {
        **envelope(prop),
        "propertyId": prop["propertyId"],
        "propertyVersion": doc["propertyVersion"],
        "etag": doc["etag"],
        "ruleFormat": doc["ruleFormat"],
        "rules": doc["rules"],
    }
    if validate:
        errors, warnings = papi_rules.validate(doc["rules"], req.path)
        if errors:
            body["errors"] = errors
        if warnings:
            body["warnings"] = warnings
    return respond(req, body, headers={"ETag": quoted(doc["etag"])})


def accepted_rule_format(req: Request) -> str | None:
    """The rule format asked for in `Accept` (`application/vnd.akamai.papirules.v2024-05-31
    +json`; `latest` is the newest), None when Accept names none; 406 for a format that does
    not exist (papi/v1/errors/406.yaml)."""
    accept = req.header("accept") or ""
    for part in accept.split(","):
        m = _RULES_CTYPE.match(part.split(";")[0].strip().lower())
        if m is None:
            continue
        wanted = m.group(1)
        if wanted == "latest":
            return RULE_FORMATS[0]
        if wanted in RULE_FORMATS:
            return wanted
        req.fail(
            406,
            "The system does not support the content-type restrictions provided by your "
            f"'Accept' header: there is no rule format {wanted!r}; the rule formats are "
            f"'latest', {', '.join(repr(f) for f in RULE_FORMATS)} (GET /papi/v1/rule-formats).",
            title="Not Acceptable",
            type=f"{PROBLEMS}/http/not-acceptable",
        )
    return None


def get_rules(req: Request) -> Response:
    prop = find_property(req)
    version = version_number(req)
    find_version(req, prop, version)
    doc = req.state.get("property_rules", version_key(prop["propertyId"], version))
    wanted = accepted_rule_format(req)
    if wanted is not None and wanted != doc["ruleFormat"]:
        # The sandbox's behaviors and options are the same in every rule format it knows, so
        # the tree converts by relabelling it (PAPI converts behaviors between formats).
        doc = dict(doc, ruleFormat=wanted)
    response = _rules_response(req, prop, doc, validate=_validate_flag(req))
    if wanted is not None:
        response.content_type = f"application/vnd.akamai.papirules.{wanted}+json"
    return response


def head_rules(req: Request) -> Response:
    """HEAD on the rule tree: the GET's status and ETag, no body."""
    response = get_rules(req)
    return Response(b"", response.status, response.headers, response.content_type)


def _schema_problem(req: Request, problem: papi_rules.SchemaProblem) -> NoReturn:
    req.fail(
        400,
        papi_rules.SCHEMA_INVALID_DETAIL,
        title=papi_rules.SCHEMA_INVALID_TITLE,
        type=papi_rules.SCHEMA_INVALID_TYPE,
        errors=problem.problems,
    )


def _save_rules(
    req: Request,
    prop: dict[str, Any],
    version: int,
    current: dict[str, Any],
    rules: dict[str, Any],
    rule_format: str,
) -> Response:
    updated = dict(current, rules=rules, ruleFormat=rule_format)
    if (req.arg("dryRun") or "false").lower() == "true":
        return _rules_response(req, prop, updated, validate=True)
    key = version_key(prop["propertyId"], version)
    with req.transaction() as tx:
        updated["etag"] = new_etag(updated["propertyId"], version, rules, rule_format)
        tx.put("property_rules", key, updated)
        hosts = tx.get("property_hostnames", key) or {"etag": ""}
        version_doc = tx.get("property_versions", key)
        version_doc["ruleFormat"] = rule_format
        tx.put("property_versions", key, version_doc)
        _touch_version(tx, req, prop, version, rules_etag=updated["etag"], hosts_etag=hosts["etag"])
    return _rules_response(req, prop, updated, validate=_validate_flag(req))


def put_rules(req: Request) -> Response:
    prop = find_property(req)
    version = version_number(req)
    find_version(req, prop, version)
    key = version_key(prop["propertyId"], version)
    current = req.state.get("property_rules", key)
    ctype = (req.header("content-type") or "application/json").split(";")[0].strip().lower()
    rule_format = current["ruleFormat"]
    m = _RULES_CTYPE.match(ctype)
    if m:
        rule_format = _rule_format(req, m.group(1), "Content-Type rule format")
    elif ctype == "application/json-patch+json":
        req.fail(415, "Send JSON Patch with PATCH; PUT takes the whole rule tree.")
    body = req.json()
    check_editable(req, prop, version)
    check_if_match(
        req, current["etag"], body.get("etag") if isinstance(body, dict) else None, "rule tree"
    )
    try:
        rules = papi_rules.check_schema(body)
    except papi_rules.SchemaProblem as problem:
        _schema_problem(req, problem)
    return _save_rules(req, prop, version, current, rules, rule_format)


def patch_rules(req: Request) -> Response:
    prop = find_property(req)
    version = version_number(req)
    find_version(req, prop, version)
    key = version_key(prop["propertyId"], version)
    current = req.state.get("property_rules", key)
    ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/json-patch+json":
        req.fail(
            415,
            f"Content-Type {ctype or 'none'!r} is not supported here; send the JSON Patch "
            "operations as application/json-patch+json.",
        )
    operations = req.json()
    check_editable(req, prop, version)
    check_if_match(req, current["etag"], None, "rule tree")
    try:
        patched = papi_rules.apply_json_patch({"rules": current["rules"]}, operations)
    except papi_rules.PatchError as exc:
        req.fail(
            400,
            f"The JSON Patch could not be applied: {exc}.",
            title="Invalid JSON Patch",
            type=f"{PROBLEMS}/json-patch-invalid",
        )
    try:
        rules = papi_rules.check_schema(patched)
    except papi_rules.SchemaProblem as problem:
        _schema_problem(req, problem)
    return _save_rules(req, prop, version, current, rules, current["ruleFormat"])


# ---------------------------------------------------------------------------------------------
# Version hostnames


def _hostnames_response(req: Request, prop: dict[str, Any], doc: dict[str, Any]) -> Response:
    items = doc["items"]
    if (req.arg("includeCertStatus") or "false").lower() == "true":
        items = [_with_cert_status(req, prop, doc["propertyVersion"], item) for item in items]
    body = {
        **envelope(prop),
        "propertyId": prop["propertyId"],
        "propertyVersion": doc["propertyVersion"],
        "etag": doc["etag"],
        "hostnames": {"items": items},
    }
    return respond(req, body, headers={"ETag": quoted(doc["etag"])})


def _with_cert_status(
    req: Request, prop: dict[str, Any], version: int, item: dict[str, Any]
) -> dict[str, Any]:
    """A hostname with `certStatus` (includeCertStatus=true): for DEFAULT (Akamai-managed DV)
    certificates, the validation CNAME and per network PENDING, or DEPLOYED once this version
    is active there."""
    if item.get("certProvisioningType") != "DEFAULT":
        return item
    states = property_states(req.state.list("activations"), prop["propertyId"], req.now())
    host = item["cnameFrom"]
    token = hashlib.sha256(f"{prop['propertyId']}/{host}".encode()).hexdigest()[:16]
    status = {
        network.lower(): [
            {"status": "DEPLOYED" if states[network].active == version else "PENDING"}
        ]
        for network in ("STAGING", "PRODUCTION")
    }
    cert_status = {
        "validationCname": {
            "hostname": f"_acme-challenge.{host}",
            "target": f"{token}.{host}.akamai-domain.com",
        },
        **status,
    }
    return {**item, "certStatus": cert_status}


def get_hostnames(req: Request) -> Response:
    prop = find_property(req)
    version = version_number(req)
    find_version(req, prop, version)
    doc = req.state.get("property_hostnames", version_key(prop["propertyId"], version))
    return _hostnames_response(req, prop, doc)


def _resolve_hostname(req: Request, item: Any, n: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        req.fail(400, f"Hostname {n} must be an object with cnameFrom and an edge hostname.")
    cname_from = item.get("cnameFrom")
    if not isinstance(cname_from, str) or not _HOSTNAME.match(cname_from.strip().lower()):
        req.fail(400, f"Hostname {n}: 'cnameFrom' must be a hostname like www.example.com.")
    cname_from = cname_from.strip().lower()
    if item.get("cnameType", "EDGE_HOSTNAME") != "EDGE_HOSTNAME":
        req.fail(400, f"Hostname {n}: 'cnameType' must be EDGE_HOSTNAME.")
    cert = item.get("certProvisioningType", "CPS_MANAGED")
    if cert not in CERT_TYPES:
        req.fail(
            400, f"Hostname {n}: 'certProvisioningType' must be one of {', '.join(CERT_TYPES)}."
        )
    ehn = None
    if item.get("edgeHostnameId"):
        ehn_id = with_prefix("ehn_", str(item["edgeHostnameId"]))
        ehn = req.state.get("edgehostnames", ehn_id)
        if ehn is None:
            req.fail(400, f"Hostname {n}: the edge hostname {ehn_id} does not exist.")
    elif item.get("cnameTo"):
        domain = str(item["cnameTo"]).strip().lower().rstrip(".")
        matches = req.state.list("edgehostnames", edgeHostnameDomain=domain)
        if not matches:
            req.fail(
                400,
                f"Hostname {n}: the edge hostname {domain} does not exist; create it with POST "
                "/papi/v1/edgehostnames first.",
            )
        ehn = matches[0]
    else:
        req.fail(400, f"Hostname {n}: give 'edgeHostnameId' or 'cnameTo' (the edge hostname).")
    if (
        item.get("cnameTo")
        and str(item["cnameTo"]).lower().rstrip(".") != ehn["edgeHostnameDomain"]
    ):
        req.fail(
            400,
            f"Hostname {n}: cnameTo {item['cnameTo']} is not the domain of "
            f"{ehn['edgeHostnameId']} ({ehn['edgeHostnameDomain']}).",
        )
    return {
        "cnameType": "EDGE_HOSTNAME",
        "edgeHostnameId": ehn["edgeHostnameId"],
        "cnameFrom": cname_from,
        "cnameTo": ehn["edgeHostnameDomain"],
        "certProvisioningType": cert,
    }


def _save_hostnames(
    req: Request, prop: dict[str, Any], version: int, current: dict[str, Any], items: list
) -> Response:
    seen: set[str] = set()
    for item in items:
        if item["cnameFrom"] in seen:
            req.fail(400, f"The hostname {item['cnameFrom']} appears more than once.")
        seen.add(item["cnameFrom"])
    key = version_key(prop["propertyId"], version)
    updated = dict(current, items=items)
    with req.transaction() as tx:
        updated["etag"] = new_etag(prop["propertyId"], version, items)
        tx.put("property_hostnames", key, updated)
        rules = tx.get("property_rules", key) or {"etag": ""}
        _touch_version(tx, req, prop, version, rules_etag=rules["etag"], hosts_etag=updated["etag"])
    return _hostnames_response(req, prop, updated)


def put_hostnames(req: Request) -> Response:
    prop = find_property(req)
    version = version_number(req)
    find_version(req, prop, version)
    current = req.state.get("property_hostnames", version_key(prop["propertyId"], version))
    body = req.json()
    if not isinstance(body, list):
        req.fail(400, "The request body must be a JSON array of hostnames.")
    check_editable(req, prop, version)
    check_if_match(req, current["etag"], None, "hostnames")
    items = [_resolve_hostname(req, item, n) for n, item in enumerate(body)]
    return _save_hostnames(req, prop, version, current, items)


def patch_hostnames(req: Request) -> Response:
    prop = find_property(req)
    version = version_number(req)
    find_version(req, prop, version)
    current = req.state.get("property_hostnames", version_key(prop["propertyId"], version))
    body = req.json()
    if not isinstance(body, dict) or not (set(body) & {"add", "remove"}):
        req.fail(400, "The request body must be an object with 'add' and/or 'remove'.")
    add, remove = body.get("add") or [], body.get("remove") or []
    if not isinstance(add, list) or not isinstance(remove, list):
        req.fail(400, "'add' must be an array of hostnames and 'remove' an array of names.")
    check_editable(req, prop, version)
    check_if_match(req, current["etag"], None, "hostnames")
    dropped = {str(r).strip().lower() for r in remove}
    added = [_resolve_hostname(req, item, n) for n, item in enumerate(add)]
    new_names = {a["cnameFrom"] for a in added}
    items = [h for h in current["items"] if h["cnameFrom"] not in dropped | new_names] + added
    return _save_hostnames(req, prop, version, current, items)


# ---------------------------------------------------------------------------------------------
# Search


def search(req: Request) -> Response:
    body = req.json()
    keys = ("propertyName", "hostname", "edgeHostname", "includeName")
    if not isinstance(body, dict) or len(body) != 1 or next(iter(body)) not in keys:
        req.fail(400, "Send exactly one of " + ", ".join(keys) + ".")
    key, value = next(iter(body.items()))
    if not isinstance(value, str) or not value.strip():
        req.fail(400, f"'{key}' must be a non-empty string.")
    wanted = value.strip().lower()
    activations = req.state.list("activations")
    now = req.now()
    items: list[dict[str, Any]] = []
    if key == "includeName":
        return respond(req, {"versions": {"items": items}})
    for prop in req.state.list("properties"):
        pid = prop["propertyId"]
        if key == "propertyName" and prop["propertyName"].lower() != wanted:
            continue
        states = property_states(activations, pid, now)
        candidates = sorted(
            {prop["latestVersion"], states["STAGING"].active, states["PRODUCTION"].active} - {None},
            reverse=True,
        )
        for n in candidates:
            doc = req.state.get("property_versions", version_key(pid, n))
            if doc is None:
                continue
            if key in ("hostname", "edgeHostname"):
                field = "cnameFrom" if key == "hostname" else "cnameTo"
                hosts = (req.state.get("property_hostnames", version_key(pid, n)) or {}).get(
                    "items", []
                )
                if not any(str(h.get(field, "")).lower() == wanted for h in hosts):
                    continue
            rendered = render_version(doc, states)
            items.append(
                {
                    "accountId": prop["accountId"],
                    "assetId": prop["assetId"],
                    "contractId": prop["contractId"],
                    "groupId": prop["groupId"],
                    "productionStatus": rendered["productionStatus"],
                    "propertyId": pid,
                    "propertyName": prop["propertyName"],
                    "propertyVersion": n,
                    "stagingStatus": rendered["stagingStatus"],
                    "updatedByUser": doc["updatedByUser"],
                    "updatedDate": doc["updatedDate"],
                }
            )
    return respond(req, {"versions": {"items": items}})


def register(router: Router) -> None:
    base = "/papi/v1/properties"
    router.add("GET", base, list_properties)
    router.add("POST", base, create_property)
    router.add("GET", base + "/{propertyId}", get_property)
    router.add("DELETE", base + "/{propertyId}", delete_property)
    router.add("GET", base + "/{propertyId}/versions", list_versions)
    router.add("POST", base + "/{propertyId}/versions", create_version)
    router.add("GET", base + "/{propertyId}/versions/latest", latest_version)
    router.add("GET", base + "/{propertyId}/versions/{propertyVersion}", get_version)
    rules = base + "/{propertyId}/versions/{propertyVersion}/rules"
    router.add("GET", rules, get_rules)
    router.add("HEAD", rules, head_rules)
    router.add("PUT", rules, put_rules)
    router.add("PATCH", rules, patch_rules)
    hosts = base + "/{propertyId}/versions/{propertyVersion}/hostnames"
    router.add("GET", hosts, get_hostnames)
    router.add("PUT", hosts, put_hostnames)
    router.add("PATCH", hosts, patch_hostnames)
    router.add("POST", "/papi/v1/search/find-by-value", search)
