"""The sandbox's spec-driven responder answers every catalog operation (tested directly)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import jsonschema
import pytest
from catalog_specs import real_response_schema
from openapi_schema import require_specs

from alecs.catalog import find_operation
from alecs.catalog.describe import example_request
from alecs.catalog.model import default_catalog
from alecs.sandbox.spec import spec_response

CURATED = {"papi", "config-dns", "cps", "ccu", "network-lists"}
CATALOG = default_catalog()
META = CATALOG.meta
RESPONSE_CONFLICTS = {c["operation"] for c in META["schema_conflicts"]}
REQUEST_CONFLICTS = {c["operation"] for c in META["request_conflicts"]}


def _ops(predicate):
    return [
        op
        for info in CATALOG.apis()
        if info.edgegrid
        for op in CATALOG.api(info.name).operations
        if predicate(op)
    ]


def _call(op, **override):
    req = example_request(op)
    req.update(override)
    headers = {k.lower(): v for k, v in req["headers"].items()}
    body = b""
    if req["body"] is not None:
        if "json" not in headers.get("content-type", "json"):
            body = req["body"].encode()
        else:
            body = json.dumps(req["body"]).encode()
            headers.setdefault("content-type", "application/json")
    return spec_response(op.method, req["path"], urlencode(req["query"]), headers, body)


GETS = _ops(lambda op: op.method == "GET" and op.api.api not in CURATED)


def test_the_catalog_is_complete():
    assert len(CATALOG) >= 1600
    assert sum(a.operations for a in CATALOG.apis()) == len(CATALOG)
    assert META["skipped"] == []
    assert len(GETS) > 600


@pytest.mark.parametrize("op", GETS, ids=lambda op: op.ref)
def test_get_operations_outside_the_curated_apis_answer_with_valid_bodies(op):
    require_specs()
    status, headers, body = _call(op)
    if op.ref in REQUEST_CONFLICTS:
        # The request built from the spec fails the spec's own schema (index.json
        # "request_conflicts"): the answer is the 400 naming the field.
        assert status == 400
        return
    assert 200 <= status < 300, body[:300]
    assert status == op.status
    schema = real_response_schema(op.api.api, op.api.version, "GET", op.path, status)
    if schema is None or "json" not in headers.get("content-type", ""):
        return
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(json.loads(body)))
    if op.ref in RESPONSE_CONFLICTS:
        # The published schema admits no body (e.g. a field both required and forbidden); the
        # builder lists these in index.json "schema_conflicts".
        assert errors, f"{op.ref} is listed as a schema conflict but its body validates"
        return
    assert not errors, [e.message for e in errors[:3]]


def test_schema_conflicts_are_few_and_explained():
    assert len(RESPONSE_CONFLICTS) <= 25
    assert all(c["problem"] for c in META["schema_conflicts"])
    assert len(REQUEST_CONFLICTS) <= 12


ALL = _ops(lambda op: True)


def test_every_operation_answers_its_documented_status():
    failures = []
    for op in ALL:
        result = _call(op)
        if result is None:
            failures.append(f"{op.ref}: no match")
            continue
        status, _, body = result
        if op.ref in REQUEST_CONFLICTS:
            if status != 400:
                failures.append(f"{op.ref}: listed as a request conflict but answered {status}")
        elif status != op.status:
            failures.append(f"{op.ref}: {status} {body[:200]!r}")
    assert not failures, failures[:10]


def test_missing_query_parameter_is_a_400_naming_it():
    # a GET with a required query parameter
    op = next(o for o in GETS if any(p.where == "query" and p.required for p in o.params))
    required = next(p.name for p in op.params if p.where == "query" and p.required)
    req = example_request(op)
    query = {k: v for k, v in req["query"].items() if k != required}
    status, headers, body = _call(op, query=query)
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    doc = json.loads(body)
    assert doc["status"] == 400 and doc["title"] == "Bad Request"
    assert doc["field"] == f"query.{required}"
    assert required in doc["detail"]


def test_misnamed_query_parameter_is_named_with_a_suggestion():
    op = find_operation("GET /appsec/v1/configs/{configId}/versions")
    status, _, body = _call(op, query={"pagee": "1"})
    doc = json.loads(body)
    assert status == 400
    assert doc["field"] == "query.pagee"
    assert "did you mean 'page'" in doc["detail"]


def test_body_field_of_the_wrong_type_is_named():
    op = find_operation("POST /edgeworkers/v1/ids")
    status, _, body = _call(
        op, body={"name": "ew", "groupId": "not-a-number", "resourceTierId": 100}
    )
    doc = json.loads(body)
    assert status == 400
    assert doc["field"] == "body.$.groupId"
    assert "integer" in doc["detail"]


def test_missing_required_body_field_is_named():
    op = find_operation("POST /edgeworkers/v1/ids")
    status, _, body = _call(op, body={"name": "ew", "resourceTierId": 100})
    doc = json.loads(body)
    assert status == 400
    assert "groupId" in doc["detail"]


def test_mistyped_path_identifier_is_a_400():
    op = find_operation("GET /edgeworkers/v1/ids/{edgeWorkerId}")
    status, _, body = spec_response("GET", "/edgeworkers/v1/ids/abc", "", {}, b"")
    assert status == 400
    assert json.loads(body)["field"] == "path.edgeWorkerId"
    assert op.param("edgeWorkerId").required


def test_any_well_formed_identifier_works_and_is_echoed():
    status, _, body = spec_response("GET", "/edgeworkers/v1/ids/4711", "", {}, b"")
    assert status == 200
    assert json.loads(body)["edgeWorkerId"] == 4711


def test_paths_of_no_operation_are_left_to_the_sandbox():
    assert spec_response("GET", "/no-such-api/v1/things", "", {}, b"") is None
    assert spec_response("GET", "/appsec/v1/nothing-here", "", {}, b"") is None


def test_invalid_json_body_is_a_400():
    status, _, body = spec_response(
        "POST", "/edgeworkers/v1/ids", "", {"content-type": "application/json"}, b"{nope"
    )
    assert status == 400
    assert "not valid JSON" in json.loads(body)["detail"]


def test_allowed_methods_for_a_405():
    from alecs.sandbox.spec import allowed_methods

    assert allowed_methods("/edgeworkers/v1/ids/12") == ["DELETE", "GET", "PUT"]
    assert spec_response("PATCH", "/edgeworkers/v1/ids/12", "", {}, b"") is None
    assert allowed_methods("/no-such-api/v1") == []


# --------------------------------------------------------------------------- through the sandbox


@pytest.fixture
def signed(fresh_sandbox):
    import ssl

    import httpx2

    from alecs.transport.auth import EdgeGridAuth

    trust = ssl.create_default_context(cafile=str(fresh_sandbox.ca_path))
    auth = EdgeGridAuth(fresh_sandbox.credentials("sandbox"))
    with httpx2.Client(base_url=fresh_sandbox.url, verify=trust, auth=auth, timeout=20) as c:
        yield c


def test_the_sandbox_answers_catalog_operations_over_tls(signed, fresh_sandbox):
    import ssl

    import httpx2

    ok = signed.get("/edgeworkers/v1/ids/4711")
    assert ok.status_code == 200 and ok.json()["edgeWorkerId"] == 4711
    assert ok.http_version in ("HTTP/2", "HTTP/1.1")
    bad = signed.post("/edgeworkers/v1/ids", json={"name": "ew", "groupId": "x"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["field"] == "body.$.groupId"
    unsigned = httpx2.get(
        f"{fresh_sandbox.url}/edgeworkers/v1/ids/4711",
        verify=ssl.create_default_context(cafile=str(fresh_sandbox.ca_path)),
    )
    assert unsigned.status_code == 401  # the signature is checked before the responder runs
    assert fresh_sandbox.admin.route_count("GET /edgeworkers/v1/ids/4711", status=200) == 1
    assert fresh_sandbox.admin.route_count("POST /edgeworkers/v1/ids", status=400) == 1


def test_the_sandbox_rate_limits_catalog_operations(signed, fresh_sandbox):
    fresh_sandbox.admin.set_rate_limits(
        enabled=True, refill=True, limits={"default": {"capacity": 1, "refill_per_s": 0.001}}
    )
    first = signed.get("/edgeworkers/v1/ids/1")
    second = signed.get("/edgeworkers/v1/ids/2")
    assert first.status_code == 200
    assert second.status_code == 429
    assert "Retry-After" in second.headers or "retry-after" in second.headers
