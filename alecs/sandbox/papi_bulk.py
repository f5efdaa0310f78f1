"""PAPI bulk operations: search rule trees, then create versions, patch and activate many at once.

- `POST /papi/v1/bulk/rules-search-requests` (202 `bulkSearchLink`) and
  `.../rules-search-requests-synch` (the results at once), `GET .../rules-search-requests/{id}`:
  the latest version of every property (and the active ones) whose rule tree matches
  `bulkSearchQuery.match`, with `matchLocations` (JSON pointers);
- `POST /papi/v1/bulk/property-version-creations`, `GET .../{bulkCreateId}`;
- `POST /papi/v1/bulk/rules-patch-requests`, `GET .../{bulkPatchId}` (JSON Patch per version,
  optional `etag`);
- `POST /papi/v1/bulk/activations`, `GET .../{bulkActivationId}` (with
  `defaultActivationSettings`).

Each item is carried out as the single operation would be (the same handler, the same checks),
when the bulk request is accepted; an item that can't be done is SUBMISSION_ERROR (with
`fatalError` where the schema has one), rule errors after a patch are in `papiErrors`.
`bulkSearchQuery.match` is JSONPath in the subset rule searches use:
`$..behaviors[?(<filter>)]` or `$..criteria[...]` (also `features`/`conditions`, PAPI's older
names), optionally followed by a member path such as `.options.value`, where the filter is one
or more `@.a.b == "x"` / `!=` comparisons (strings, numbers, true/false) joined by `&&`. Other
JSONPath is answered 400 saying what the sandbox understands. `bulkSearchQualifiers` are not
applied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from alecs.sandbox import papi_activations, papi_properties
from alecs.sandbox.framework import ApiProblem, Request, Response, Router
from alecs.sandbox.papi_common import respond, with_prefix
from alecs.sandbox.papi_model import property_states, render_activation, version_key

BASE = "/papi/v1/bulk"
_FEATURES = {"behaviors": "behaviors", "features": "behaviors", "criteria": "criteria",
             "conditions": "criteria"}  # fmt: skip
_QUERY = re.compile(r"^\$\.\.(\w+)\[\?\((.+)\)\]((?:\.\w+)*)$")
_COMPARISON = re.compile(
    r"^@((?:\.\w+)+)\s*(==|!=)\s*"
    r"(\"(?:[^\"\\]|\\.)*\"|'[^']*'|-?\d+(?:\.\d+)?|true|false)$"
)


class QueryError(ValueError):
    """A JSONPath the sandbox does not understand (the message says what it does)."""


SUPPORTED = (
    '$..behaviors[?(@.name == "cpCode")] or $..criteria[?(@.name == "path" && '
    '@.options.matchOperator == "MATCHES_ONE_OF")].options.values'
)


def compile_query(match: str) -> Callable[[dict[str, Any]], list[str]]:
    """A function from a rule tree to the JSON pointers of what `match` selects."""
    m = _QUERY.match(match.strip())
    if m is None or m.group(1) not in _FEATURES:
        raise QueryError(f"The sandbox's bulk search understands JSONPath such as {SUPPORTED}.")
    kind, tail = _FEATURES[m.group(1)], [p for p in m.group(3).split(".") if p]
    tests = []
    for part in m.group(2).split("&&"):
        c = _COMPARISON.match(part.strip())
        if c is None:
            raise QueryError(
                f"Unsupported filter {part.strip()!r}; use @.member == value joined by &&, "
                f"as in {SUPPORTED}."
            )
        path = [p for p in c.group(1).split(".") if p]
        raw = c.group(3)
        value = raw[1:-1] if raw[0] in "\"'" else json.loads(raw)
        tests.append((path, c.group(2), value))

    def member(doc: Any, path: list[str]) -> tuple[bool, Any]:
        for key in path:
            if not isinstance(doc, dict) or key not in doc:
                return False, None
            doc = doc[key]
        return True, doc

    def selects(item: Any) -> bool:
        for path, op, value in tests:
            found, actual = member(item, path)
            if (op == "==") != (found and actual == value):
                return False
        return True

    def run(rules: dict[str, Any]) -> list[str]:
        out = []
        for rule, where in _walk(rules, "/rules"):
            for i, item in enumerate(rule.get(kind) or []):
                if isinstance(item, dict) and selects(item):
                    found, _ = member(item, tail)
                    if found:
                        out.append("/".join([f"{where}/{kind}/{i}", *tail]))
        return out

    return run


def _walk(rule: dict[str, Any], where: str) -> Iterator[tuple[dict[str, Any], str]]:
    yield rule, where
    for i, child in enumerate(rule.get("children") or []):
        if isinstance(child, dict):
            yield from _walk(child, f"{where}/children/{i}")


# ---------------------------------------------------------------------------------------------
# Requests on behalf of a bulk item


def _sub_request(req: Request, method: str, path: str, query: str, body: Any, **headers: str):
    """A request for one item, made as the bulk request's client, answered by the handler of
    the single operation."""
    sub = Request(
        req.app,
        method=method,
        path=path,
        query_string=query,
        headers={**req.headers, "content-type": "application/json", **headers},
        body=json.dumps(body).encode(),
        http_version=req.http_version,
        connection=req.connection,
    )
    route, params, _ = req.app.router.match(method, path)
    sub.route, sub.params = route, params
    sub.client, sub.account_id = req.client, req.account_id
    return sub


def _outcome(handler: Callable[[Request], Any], sub: Request) -> tuple[Any, dict | None]:
    """(the response body, None) or (None, the problem document)."""
    try:
        result = handler(sub)
    except ApiProblem as problem:
        return None, problem.document(path=sub.path, instance=sub.instance)
    response = result if isinstance(result, Response) else Response(result)
    if response.status >= 400:
        return None, response.body
    return response.body, None


def _body(req: Request, member: str) -> list[dict[str, Any]]:
    body = req.json()
    items = body.get(member) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        req.fail(400, f"The body must be an object with a non-empty '{member}' array of objects.")
    return items


def _property(req: Request, raw: Any) -> dict[str, Any] | None:
    return req.state.get("properties", with_prefix("prp_", str(raw))) if raw else None


def _store(req: Request, kind: str, doc: dict[str, Any]) -> int:
    with req.transaction() as tx:
        number = tx.next_id("bulk")
        tx.put("papi_bulk", f"{kind}/{number}", {**doc, "id": number})
    return number


def _find(req: Request, kind: str, param: str) -> dict[str, Any]:
    raw = req.params[param]
    doc = req.state.get("papi_bulk", f"{kind}/{raw}") if raw.isdigit() else None
    if doc is None:
        req.fail(404, papi_properties.NOT_FOUND)
    return doc


def _accepted(req: Request, link: str, key: str) -> Response:
    return respond(req, {key: link}, 202, {"Location": link})


# ---------------------------------------------------------------------------------------------
# Search


def _search(req: Request) -> dict[str, Any]:
    body = req.json()
    query = body.get("bulkSearchQuery") if isinstance(body, dict) else None
    if not isinstance(query, dict) or query.get("syntax") != "JSONPATH":
        req.fail(400, "'bulkSearchQuery' must be {'syntax': 'JSONPATH', 'match': '$..', ...}.")
    if not isinstance(query.get("match"), str):
        req.fail(400, "'bulkSearchQuery.match' must be a JSONPath string.")
    try:
        run = compile_query(query["match"])
    except QueryError as exc:
        req.fail(400, str(exc))
    now = req.now()
    results = []
    for prop in sorted(req.state.list("properties"), key=lambda p: p["propertyId"]):
        states = property_states(req.state.list("activations"), prop["propertyId"], now)
        latest = int(prop["latestVersion"])
        versions = {latest} | {s.active for s in states.values() if s.active is not None}
        for n in sorted(versions):
            key = version_key(prop["propertyId"], n)
            rules = req.state.get("property_rules", key)
            locations = run(rules["rules"]) if rules else []
            if not locations:
                continue
            version = req.state.get("property_versions", key) or {}
            results.append(
                {
                    "propertyId": prop["propertyId"],
                    "propertyVersion": n,
                    "propertyName": prop["propertyName"],
                    "stagingStatus": states["STAGING"].statuses.get(n, "INACTIVE"),
                    "productionStatus": states["PRODUCTION"].statuses.get(n, "INACTIVE"),
                    "isLatest": n == latest,
                    "isLocked": any(s.active == n for s in states.values()),
                    "isSecure": bool((rules["rules"].get("options") or {}).get("is_secure")),
                    "accountId": prop["accountId"],
                    "lastModifiedTime": version.get("updatedDate", ""),
                    "matchLocations": locations,
                }
            )
    return {
        "searchTargetStatus": "COMPLETE",
        "searchSubmitDate": req.iso_now(),
        "searchUpdateDate": req.iso_now(),
        "bulkSearchQuery": query,
        "results": results,
    }


def create_search(req: Request) -> Response:
    doc = _search(req)
    number = _store(req, "search", doc)
    return _accepted(req, f"{BASE}/rules-search-requests/{number}", "bulkSearchLink")


def search_now(req: Request) -> Response:
    doc = _search(req)
    number = _store(req, "search", doc)
    return respond(req, {"bulkSearchId": number, **doc}, 202)


def get_search(req: Request) -> Response:
    doc = _find(req, "search", "bulkSearchId")
    return respond(req, {"bulkSearchId": doc["id"], **{k: v for k, v in doc.items() if k != "id"}})


# ---------------------------------------------------------------------------------------------
# Version creations, patches, activations


def create_versions(req: Request) -> Response:
    items = []
    for item in _body(req, "createPropertyVersions"):
        prop = _property(req, item.get("propertyId"))
        fields = ("propertyId", "createFromVersion", "createFromVersionEtag")
        entry = {k: item[k] for k in fields if item.get(k) is not None}
        entry.update(createVersionSubmitDate=req.iso_now(), createVersionUpdateDate=req.iso_now())
        if prop is None:
            entry["createVersionStatus"] = "SUBMISSION_ERROR"  # the property does not exist
            items.append(entry)
            continue
        body = {k: item[k] for k in ("createFromVersion", "createFromVersionEtag") if k in item}
        sub = _sub_request(
            req, "POST", f"/papi/v1/properties/{prop['propertyId']}/versions",
            papi_properties.context_query(prop), body,
        )  # fmt: skip
        result, problem = _outcome(papi_properties.create_version, sub)
        if problem is not None:
            entry["createVersionStatus"] = "SUBMISSION_ERROR"
        else:
            link = result["versionLink"]
            entry.update(
                createVersionStatus="COMPLETE",
                propertyVersion=int(link.split("/versions/")[1].split("?")[0]),
                propertyVersionLink=link,
            )
        items.append(entry)
    doc = {
        "bulkCreateVersionsStatus": "COMPLETE",
        "bulkCreateVersionSubmitDate": req.iso_now(),
        "bulkCreateVersionUpdateDate": req.iso_now(),
        "createPropertyVersions": items,
    }
    number = _store(req, "versions", doc)
    return _accepted(req, f"{BASE}/property-version-creations/{number}", "bulkCreateVersionLink")


def get_versions(req: Request) -> Response:
    doc = _find(req, "versions", "bulkCreateId")
    return respond(req, {"bulkCreateId": doc["id"], **{k: v for k, v in doc.items() if k != "id"}})


def create_patches(req: Request) -> Response:
    items = []
    for item in _body(req, "patchPropertyVersions"):
        prop = _property(req, item.get("propertyId"))
        version = item.get("propertyVersion")
        entry: dict[str, Any] = {
            "patchPropertyId": item.get("propertyId"),
            "patchPropertyVersion": version,
            "patchSubmitDate": req.iso_now(),
            "patchUpdateDate": req.iso_now(),
            "patches": item.get("patches"),
        }
        if prop is None or not isinstance(version, int):
            entry.update(
                patchPropertyVersionStatus="SUBMISSION_ERROR",
                fatalError="Give an existing propertyId and its propertyVersion.",
            )
            items.append(entry)
            continue
        path = f"/papi/v1/properties/{prop['propertyId']}/versions/{version}/rules"
        headers = {"content-type": "application/json-patch+json"}
        if item.get("etag"):
            headers["if-match"] = f'"{item["etag"]}"'
        sub = _sub_request(req, "PATCH", path, papi_properties.context_query(prop),
                           item.get("patches"), **headers)  # fmt: skip
        sub.headers.update(headers)
        result, problem = _outcome(papi_properties.patch_rules, sub)
        if problem is not None:
            entry.update(patchPropertyVersionStatus="SUBMISSION_ERROR",
                         fatalError=problem.get("detail", ""))  # fmt: skip
        else:
            entry.update(
                patchPropertyVersionStatus="COMPLETE",
                etag=result["etag"],
                propertyVersionRulesLink=path,
            )
            if result.get("errors"):
                entry["papiErrors"] = result["errors"]
        items.append(entry)
    doc = {
        "bulkPatchStatus": "COMPLETE",
        "bulkPatchSubmitDate": req.iso_now(),
        "bulkPatchUpdateDate": req.iso_now(),
        "patchPropertyVersions": items,
    }
    number = _store(req, "patches", doc)
    return _accepted(req, f"{BASE}/rules-patch-requests/{number}", "bulkPatchLink")


def get_patches(req: Request) -> Response:
    doc = _find(req, "patches", "bulkPatchId")
    return respond(req, {"bulkPatchId": doc["id"], **{k: v for k, v in doc.items() if k != "id"}})


_ACTIVATION_FIELDS = ("acknowledgeAllWarnings", "acknowledgeWarnings", "useFastFallback",
                      "fastPush", "notifyEmails", "note")  # fmt: skip


def create_activations(req: Request) -> Response:
    body = req.json()
    defaults = body.get("defaultActivationSettings") if isinstance(body, dict) else None
    defaults = defaults if isinstance(defaults, dict) else {}
    items = []
    for item in _body(req, "activatePropertyVersions"):
        settings = {k: v for k, v in {**defaults, **item}.items() if k in _ACTIVATION_FIELDS}
        entry: dict[str, Any] = {
            "propertyId": item.get("propertyId"),
            "propertyVersion": item.get("propertyVersion"),
            "network": item.get("network"),
            "acknowledgeAllWarnings": False,
            "useFastFallback": False,
            "fastPush": True,
            **settings,
            "activationStatus": "NEW",
            "activationSubmitDate": req.iso_now(),
            "activationUpdateDate": req.iso_now(),
            "propertyActivationLink": f"/papi/v1/properties/{item.get('propertyId')}/activations",
        }
        prop = _property(req, item.get("propertyId"))
        if prop is None:
            entry.update(taskStatus="SUBMISSION_ERROR", fatalError="The property does not exist.")
            items.append(entry)
            continue
        single = {"propertyVersion": item.get("propertyVersion"), "network": item.get("network"),
                  **{k: v for k, v in settings.items() if k != "fastPush"}}  # fmt: skip
        sub = _sub_request(req, "POST", f"/papi/v1/properties/{prop['propertyId']}/activations",
                           papi_properties.context_query(prop), single)  # fmt: skip
        result, problem = _outcome(papi_activations.create_activation, sub)
        if problem is not None:
            entry.update(taskStatus="SUBMISSION_ERROR", activationStatus="FAILED",
                         fatalError=problem.get("detail") or problem.get("title", ""))  # fmt: skip
        else:
            entry.update(taskStatus="COMPLETE", propertyActivationLink=result["activationLink"])
        items.append(entry)
    doc = {
        "bulkActivationStatus": "COMPLETE",
        "bulkActivationSubmitDate": req.iso_now(),
        "bulkActivationUpdateDate": req.iso_now(),
        "defaultActivationSettings": defaults,
        "activatePropertyVersions": items,
    }
    number = _store(req, "activations", doc)
    return _accepted(req, f"{BASE}/activations/{number}", "bulkActivationLink")


def get_activations(req: Request) -> Response:
    doc = _find(req, "activations", "bulkActivationId")
    now = req.now()
    items = []
    for item in doc["activatePropertyVersions"]:
        item = dict(item)
        link = item.get("propertyActivationLink")
        if link:
            activation_id = link.split("/activations/")[1].split("?")[0]
            activation = req.state.get("activations", activation_id)
            if activation is not None:
                item["activationStatus"] = render_activation(activation, now)["status"]
        items.append(item)
    out = {k: v for k, v in doc.items() if k not in ("id", "activatePropertyVersions")}
    return respond(req, {"bulkActivationId": doc["id"], **out, "activatePropertyVersions": items})


def register(router: Router) -> None:
    router.add("POST", f"{BASE}/rules-search-requests", create_search)
    router.add("POST", f"{BASE}/rules-search-requests-synch", search_now)
    router.add("GET", f"{BASE}/rules-search-requests/{{bulkSearchId}}", get_search)
    router.add("POST", f"{BASE}/property-version-creations", create_versions)
    router.add("GET", f"{BASE}/property-version-creations/{{bulkCreateId}}", get_versions)
    router.add("POST", f"{BASE}/rules-patch-requests", create_patches)
    router.add("GET", f"{BASE}/rules-patch-requests/{{bulkPatchId}}", get_patches)
    router.add("POST", f"{BASE}/activations", create_activations)
    router.add("GET", f"{BASE}/activations/{{bulkActivationId}}", get_activations)
