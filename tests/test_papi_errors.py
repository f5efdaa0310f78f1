"""Property Manager failures and safeguards, through a real MCP client against the sandbox.

Stale etags, invalid behaviors, frozen versions, pending activations, confirmation of
production changes and deletions (the sandbox's admin counters prove what was sent), waiting
on activations (timeouts, Retry-After) and the lookups that need the user to choose.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitResult
from papi_support import (
    ACTIVATION_GET,
    ACTIVATIONS,
    PROPERTY_DELETE,
    RULES_PUT,
    call,
    call_error,
)

import alecs.tools.papi.activations as papi_activations
from alecs.server import build_server

MODES = ["legacy", "auto"]
DRAFT = "prp_600004"  # seeded: version 1 never activated, valid rules and a hostname
LIVE = "prp_600001"  # seeded: v3 on staging, v2 on production
EMAILS = ["noc@example.com"]


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


def _decline() -> Any:
    asked: list[str] = []

    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="decline")

    callback.asked = asked  # type: ignore[attr-defined]
    return callback


async def test_stale_etag_is_a_clear_conflict(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server, mode="legacy") as client:
        tree = await call(client, "property-rules-get", {"property_id": DRAFT, "full": True})
        args = {"property_id": DRAFT, "version": 1, "etag": tree["etag"], "rules": tree["rules"]}
        first = await call(client, "property-rules-update", args)
        stale = await call_error(client, "property-rules-update", args)
    assert first["etag"] != tree["etag"]
    text = stale.content[0].text
    assert "status 412, Precondition Failed" in text
    assert "does not match the current etag" in text and "Get the rule tree again" in text
    assert stale.meta["alecs/error"]["status"] == 412
    assert fresh_sandbox.admin.route_count(RULES_PUT, status=412) == 1
    assert fresh_sandbox.admin.writes(RULES_PUT) == 1  # only the first update was applied


async def test_invalid_behavior_gets_papis_validation_message(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server, mode="legacy") as client:
        tree = await call(client, "property-rules-get", {"property_id": DRAFT, "full": True})
        rules = copy.deepcopy(tree["rules"])
        rules["children"][0]["behaviors"].append({"name": "turboBoost", "options": {}})
        refused = await call_error(
            client,
            "property-rules-update",
            {"property_id": DRAFT, "version": 1, "etag": tree["etag"], "rules": rules},
        )
        after = await call(client, "property-rules-get", {"property_id": DRAFT})
    text = refused.content[0].text
    assert "status 400, Input does not match schema" in text
    assert "Your input has a syntax problem" in text
    assert 'instance value ("turboBoost") not found in enum' in text
    assert "/rules/children/0/behaviors/2/name" in text
    errors = refused.meta["alecs/error"]["errors"]
    assert errors and errors[0]["type"].endswith("/schema/unknown_behavior")
    assert after["etag"] == tree["etag"]  # nothing saved
    assert fresh_sandbox.admin.writes(RULES_PUT) == 0


async def test_json_patch_and_validation_warnings(server: Any) -> None:
    async with Client(server, mode="legacy") as client:
        tree = await call(client, "property-rules-get", {"property_id": DRAFT})
        patched = await call(
            client,
            "property-rules-update",
            {
                "property_id": DRAFT,
                "version": 1,
                "etag": tree["etag"],
                "patch": [
                    {"op": "replace", "path": "/rules/options/is_secure", "value": False},
                    {"op": "remove", "path": "/rules/children/1"},
                ],
                "dry_run": True,
            },
        )
        unchanged = await call(client, "property-rules-get", {"property_id": DRAFT})
        both = await call_error(
            client,
            "property-rules-update",
            {"property_id": DRAFT, "version": 1, "etag": tree["etag"]},
        )
    # removing the Offload rule removes every caching behavior: PAPI warns
    assert patched["mode"] == "patch" and patched["dry_run"] is True
    assert patched["errors"] == [] and len(patched["warnings"]) == 1
    assert "No caching behavior" in patched["warnings"][0]
    assert "[msg_" in patched["warnings"][0]  # the messageId to acknowledge
    assert unchanged["etag"] == tree["etag"]  # a dry run saves nothing
    assert "Invalid value for `rules`" in both.content[0].text


async def test_activated_versions_are_frozen(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server, mode="legacy") as client:
        tree = await call(client, "property-rules-get", {"property_id": LIVE, "version": 3})
        refused = await call_error(
            client,
            "property-rules-update",
            {
                "property_id": LIVE,
                "version": 3,
                "etag": tree["etag"],
                "patch": [{"op": "replace", "path": "/rules/options/is_secure", "value": True}],
            },
        )
        hosts = await call_error(
            client,
            "property-hostname-update",
            {"property_id": LIVE, "version": 2, "remove": ["example.com"]},
        )
    assert "status 403" in refused.content[0].text
    assert "has been activated and can't be modified" in refused.content[0].text
    assert "Create a new version" in refused.content[0].text
    assert "status 403" in hosts.content[0].text
    assert fresh_sandbox.admin.counters()["writes_total"] == 0


@pytest.mark.parametrize("mode", MODES)
async def test_declined_production_activation_sends_no_post(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    callback = _decline()
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        result = await call_error(
            client,
            "property-activate",
            {"property_id": DRAFT, "network": "PRODUCTION", "notify_emails": EMAILS},
        )
        staging = await call(
            client,
            "property-activate",
            {"property_id": DRAFT, "notify_emails": EMAILS, "wait": False},
        )
    assert "the user declined" in result.content[0].text
    assert "Nothing was changed" in result.content[0].text
    assert len(callback.asked) == 1 and "on PRODUCTION" in callback.asked[0]
    # STAGING needs no confirmation: exactly one POST, the staging one
    assert staging["network"] == "STAGING"
    assert fresh_sandbox.admin.route_count(ACTIVATIONS) == 1


async def test_production_activation_without_elicitation_needs_confirm(
    server: Any, fresh_sandbox: Any
) -> None:
    args = {"property_id": DRAFT, "network": "PRODUCTION", "notify_emails": EMAILS}
    async with Client(server, mode="legacy") as client:
        refused = await call_error(client, "property-activate", args)
        assert fresh_sandbox.admin.route_count(ACTIVATIONS) == 0
        assert fresh_sandbox.admin.counters()["writes_total"] == 0
        done = await call(client, "property-activate", {**args, "confirm": True})
    text = refused.content[0].text
    assert "Confirmation required" in text and "confirm: true" in text
    assert "on PRODUCTION" in text
    assert done["status"] == "ACTIVE" and done["network"] == "PRODUCTION"
    assert fresh_sandbox.admin.route_count(ACTIVATIONS, status=201) == 1


async def test_second_identical_activation_follows_the_pending_one(
    server: Any, fresh_sandbox: Any
) -> None:
    """Issue 11: the same version on the same network while pending attaches (same atv_ id)
    instead of failing with PAPI's 422; another version pending is refused naming it."""
    args = {"property_id": DRAFT, "notify_emails": EMAILS, "wait": False}
    other = {"property_id": "prp_600001", "notify_emails": EMAILS, "wait": False}
    async with Client(server, mode="legacy") as client:
        first = await call(client, "property-activate", args)
        second = await call(client, "property-activate", args)
        live = await call(client, "property-activate", {**other, "version": 2})
        refused = await call_error(client, "property-activate", {**other, "version": 1})
    assert first["status"] == "PENDING" and first["finished"] is False
    assert first["attached"] is False and second["attached"] is True
    assert second["activation_id"] == first["activation_id"]
    assert second["next_call"]["tool"] == "property-activation-get"
    text = refused.content[0].text
    assert live["activation_id"] in text and "property-activation-cancel" in text
    assert "Nothing new was submitted" in text
    assert fresh_sandbox.admin.route_count(ACTIVATIONS, status=422) == 2  # PAPI refused both


async def test_timeout_returns_the_state_and_how_to_check_again(server: Any) -> None:
    async with Client(server, mode="legacy") as client:
        pending = await call(
            client,
            "property-activate",
            {"property_id": DRAFT, "notify_emails": EMAILS, "timeout_s": 0},
        )
        finished = await call(
            client,
            "property-activation-get",
            {
                "property_id": DRAFT,
                "activation_id": pending["activation_id"],
                "wait": True,
                "timeout_s": 60,
            },
        )
    assert pending["status"] == "PENDING" and pending["finished"] is False
    assert "not a failure" in pending["next_step"]
    assert f"activation_id={pending['activation_id']}" in pending["next_step"]
    assert "property-activation-get" in pending["next_step"]
    assert pending["activation"]["retry_after_s"] >= 1
    assert finished["status"] == "ACTIVE" and finished["finished"] is True


async def test_waiting_follows_retry_after(
    server: Any, fresh_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PAPI's Retry-After hint the tool would sleep an hour between polls and time out.
    monkeypatch.setattr(
        papi_activations, "DEFAULT_POLL_S", {"STAGING": 3600.0, "PRODUCTION": 3600.0}
    )
    async with Client(server, mode="legacy") as client:
        done = await call(
            client,
            "property-activate",
            {"property_id": DRAFT, "notify_emails": EMAILS, "timeout_s": 120},
        )
    assert done["status"] == "ACTIVE" and done["finished"] is True
    assert 2 <= done["polls"] <= 4
    assert fresh_sandbox.admin.route_count(ACTIVATION_GET) == done["polls"]


async def test_delete_asks_and_refuses_an_active_property(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server, mode="legacy") as client:
        unconfirmed = await call_error(client, "property-delete", {"property_id": DRAFT})
        active = await call_error(client, "property-delete", {"property_id": LIVE, "confirm": True})
        deleted = await call(client, "property-delete", {"property_id": DRAFT, "confirm": True})
        gone = await call_error(client, "property-get", {"property_id": DRAFT})
    assert "Confirmation required" in unconfirmed.content[0].text
    assert "Deactivate it on each network first" in active.content[0].text
    assert deleted == {"property_id": DRAFT, "message": "Deletion Successful."}
    assert "status 404" in gone.content[0].text
    assert fresh_sandbox.admin.route_count(PROPERTY_DELETE) == 1


async def test_deactivation_and_failed_activation(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server, mode="legacy") as client:
        nothing = await call_error(
            client, "property-deactivate", {"property_id": DRAFT, "notify_emails": EMAILS}
        )
        failed = await call(
            client,
            "property-activate",
            {"property_id": DRAFT, "notify_emails": EMAILS, "note": "x [sandbox:fail]"},
        )
        live = await call(
            client, "property-deactivate", {"property_id": LIVE, "notify_emails": EMAILS}
        )
        prop = await call(client, "property-get", {"property_id": LIVE})
    assert "is not active on STAGING" in nothing.content[0].text
    assert failed["status"] == "FAILED" and failed["finished"] is True
    assert "ended FAILED" in failed["next_step"]
    assert live["activation_type"] == "DEACTIVATE" and live["status"] == "ACTIVE"
    assert prop["property"]["staging_version"] is None
    assert prop["property"]["production_version"] == 2


async def test_lookups_name_the_field_and_the_choices(server: Any) -> None:
    async with Client(server, mode="legacy") as client:
        ambiguous = await call_error(
            client, "property-create", {"property_name": "x.example.com", "product_id": "Fresca"}
        )
        unknown = await call_error(client, "property-get", {"property_id": "no.such.property"})
        bad_id = await call_error(client, "property-activation-get",
                                  {"property_id": LIVE, "activation_id": "atv/1"})  # fmt: skip
        by_name = await call(client, "property-get", {"property_id": "api.example.com"})
    text = ambiguous.content[0].text
    assert "Invalid value for `contract_id`" in text
    assert "ctr_1-5SBXC1" in text and "ctr_1-5SBXC2" in text
    assert "Invalid value for `property_id`" in unknown.content[0].text
    assert "Invalid value for `activation_id`" in bad_id.content[0].text
    assert by_name["property"]["property_id"] == "prp_600002"
