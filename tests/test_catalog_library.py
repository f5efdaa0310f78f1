"""The catalog library: search quality on real phrases, describe, match, request validation."""

from __future__ import annotations

import pytest

from alecs import catalog
from alecs.catalog import UnknownOperation, find_operation
from alecs.catalog.model import default_catalog
from tools.catalog.specs import fix_yaml


@pytest.mark.parametrize(
    ("phrase", "expected", "within"),
    [
        ("security configurations", "GET /appsec/v1/configs", 1),
        ("edgeworkers ids", "GET /edgeworkers/v1/ids", 1),
        ("GTM domains", "GET /config-gtm/v1/domains", 1),
        ("translate an error reference", "POST /edge-diagnostics/v1/error-translator", 1),
        ("list zones", "GET /config-dns/v2/zones", 1),
        ("purge url", "POST /ccu/v3/invalidate/url/{network}", 1),
        ("datastream streams", "GET /datastream-config-api/v2/log/streams", 1),
        ("certificate enrollments", "GET /cps/v2/enrollments", 3),
        ("test center test suites", "GET /test-management/v3/functional/test-suites", 1),
        ("list api clients", "GET /identity-management/v3/api-clients", 1),
        ("activate a security configuration", "POST /appsec/v1/activations", 1),
        ("dig from edge server", "POST /edge-diagnostics/v1/dig", 1),
        ("list cp codes", "GET /cprg/v1/cpcodes", 3),
        ("cloudlets policies", "GET /cloudlets/v3/policies", 3),
        ("edge hostnames", "GET /papi/v1/edgehostnames", 1),
        (
            "match targets",
            "GET /appsec/v1/configs/{configId}/versions/{versionNumber}/match-targets",
            1,
        ),
        ("list netstorage groups", "GET /storage/v1/storage-groups", 3),
    ],
)
def test_search_ranks_the_operation_people_mean(phrase, expected, within):
    hits = catalog.search(phrase, limit=within)
    assert expected in [h.operation.ref for h in hits], [h.operation.ref for h in hits]


def test_search_filters_by_api():
    hits = catalog.search("list policies", api="cloudlets", limit=10)
    assert hits and all(h.operation.api.api == "cloudlets" for h in hits)
    assert all(
        h.operation.api.name == "imaging-v2" for h in catalog.search("policies", api="imaging-v2")
    )


def test_describe_by_method_and_template_and_by_operation_id():
    d = catalog.describe("POST /edgeworkers/v1/ids")
    assert d["operation_id"] == "post-ids" and d["writes"] is True
    assert d["body"]["schema"]["fields"]["groupId"] == {"type": "integer (1..)", "required": True}
    assert d["body"]["media_types"] == ["application/json"]
    assert d["example_call"]["body"]["groupId"]
    assert d["rate_limit_family"] == "edgeworkers"
    same = catalog.describe("post-ids", api="edgeworkers")
    assert same["path"] == d["path"]
    g = catalog.describe("GET /appsec/v1/configs/{configId}/versions")
    assert g["writes"] is False
    assert {p["name"]: p["required"] for p in g["parameters"]}["configId"] is True


def test_describe_an_ambiguous_operation_id_names_the_apis():
    with pytest.raises(UnknownOperation, match="pass `api`") as err:
        catalog.describe("get-activation")
    assert len(err.value.candidates) > 1


def test_match_gives_path_parameters_and_prefers_literal_segments():
    m = catalog.match("GET", "/appsec/v1/configs/12/versions/3?detail=true")
    assert m is not None
    assert m.operation.path == "/appsec/v1/configs/{configId}/versions/{versionNumber}"
    assert m.path_params == {"configId": "12", "versionNumber": "3"}
    assert catalog.match("DELETE", "/edgeworkers/v1/nothing") is None


def test_unknown_path_names_the_nearest_operations():
    near = catalog.nearest(default_catalog(), "GET", "/appsec/v1/config/12")
    assert "GET /appsec/v1/configs/{configId}" in [o.ref for o in near]


def test_validation_names_missing_and_mistyped_fields():
    op = find_operation("POST /edgeworkers/v1/ids")
    problems = catalog.validate_request(op, body={"name": "x", "groupId": "abc"})
    fields = {p.field for p in problems}
    assert "body.$.groupId" in fields
    assert any("resourceTierId" in p.message for p in problems)
    op = find_operation("GET /appsec/v1/configs/{configId}/versions")
    problems = catalog.validate_request(op, path_params={"configId": "x"}, query={"Page": "1"})
    assert {p.field for p in problems} == {"path.configId", "query.Page"}
    assert "did you mean 'page'" in str(problems)
    assert catalog.validate_request(op, path_params={"configId": "7"}, query={"page": "2"}) == []


def test_read_only_fields_are_not_required_in_requests():
    from alecs.catalog.validate import body_problems

    defs = {"id": {"type": "integer", "readOnly": True}}
    schema = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"$ref": "#/$defs/id"}, "name": {"type": "string"}},
    }
    assert body_problems(schema, {"name": "x"}, defs) == []
    assert [p.field for p in body_problems(schema, {"id": 1}, defs)] == ["body.$"]


def test_yaml_fixups_for_the_published_quirks():
    text = (
        "tags:\n- description: |\n  Manage your malware policies.\n  name: Malware\n"
        "paths:\n  /configs/{id}\n    $ref: x.yaml\n"
    )
    fixed, fixes = fix_yaml(text)
    import yaml

    data = yaml.safe_load(fixed)
    assert data["tags"][0] == {"description": "Manage your malware policies.\n", "name": "Malware"}
    assert data["paths"] == {"/configs/{id}": {"$ref": "x.yaml"}}
    assert len(fixes) == 2


def test_builder_report_explains_every_choice():
    meta = default_catalog().meta
    notes = "\n".join(meta["notes"])
    assert "appsec/v1: repaired 01-configuration.yaml" in notes
    assert "02-security-policies.yaml" in notes and "03-eval-mode.yaml" in notes
    assert "config-dns/v2: split YAML has 97 operations, openapi.json 60" in notes
    assert "crux/v1: reference with the wrong letter case resolved" in notes
    assert meta["skipped"] == []
    assert meta["operations"] >= 1600


def test_every_api_has_a_rate_limit_family_the_transport_knows():
    by_api = {a.api: a.family for a in default_catalog().apis()}
    assert by_api["papi"] == "papi" and by_api["config-dns"] == "dns"
    assert by_api["network-lists"] == "netlists" and by_api["ccu"] == "ccu"
    assert by_api["edge-diagnostics"] == "diagnostics" and by_api["cps"] == "cps"


def test_notice_ships_beside_the_data():
    from importlib import resources

    data = resources.files("alecs.catalog") / "data"
    assert "Apache License" in (data / "LICENSE").read_text()
    assert "Akamai" in (data / "NOTICE").read_text()


def test_shipped_data_is_what_the_builder_makes(tmp_path):
    """alecs/catalog/data is current: rebuilding one API gives the same bytes (`make catalog`)."""
    from importlib import resources

    from openapi_schema import require_specs

    from tools.catalog.build import build

    root = require_specs()
    build(root, tmp_path, only={"edgeworkers/v1", "config-gtm/v1"})
    shipped = resources.files("alecs.catalog") / "data"
    for name in ("edgeworkers-v1.json.gz", "config-gtm-v1.json.gz"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), (
            f"{name} is stale: run make catalog"
        )
