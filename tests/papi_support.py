"""Helpers shared by the Property Manager tests (tests/test_papi_*.py).

`run_workflow(client)` drives the whole Property Manager workflow through a real MCP client:
create a property, create a version, update its rules, add a hostname, activate it on staging
(collecting progress notifications), list activations and diff two versions.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from mcp import Client

WEB_GROUP = "grp_100002"  # account A's "Web" group (one contract: ctr_1-5SBXC1)
CONTRACT = "ctr_1-5SBXC1"
EDGE_HOSTNAME = "www.example.com.edgekey.net"  # seeded ehn_500001
ACTIVATIONS = "POST /papi/v1/properties/{propertyId}/activations"
ACTIVATION_GET = "GET /papi/v1/properties/{propertyId}/activations/{activationId}"
RULES_PUT = "PUT /papi/v1/properties/{propertyId}/versions/{propertyVersion}/rules"
PROPERTY_DELETE = "DELETE /papi/v1/properties/{propertyId}"

warnings.filterwarnings("ignore", message=".*deprecated.*")


async def call(client: Client, name: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Call a tool that must succeed; return its structured content."""
    result = await client.call_tool(name, args, **kw)
    assert not result.is_error, f"{name}: {result.content[0].text}"
    assert result.structured_content is not None
    return result.structured_content


async def call_error(client: Client, name: str, args: dict[str, Any], **kw: Any) -> Any:
    """Call a tool that must fail; return the result (text in `.content[0].text`)."""
    result = await client.call_tool(name, args, **kw)
    assert result.is_error, f"{name} should have failed: {result.content[0].text}"
    return result


def edited_rules(rules: dict[str, Any], origin: str, cpcode: int) -> dict[str, Any]:
    """The template rule tree with its origin and CP code filled in and an "Images" rule."""
    tree = copy.deepcopy(rules)
    for behavior in tree["behaviors"]:
        if behavior["name"] == "origin":
            behavior["options"]["hostname"] = origin
        if behavior["name"] == "cpCode":
            behavior["options"] = {"value": {"id": cpcode, "name": "www.example.com"}}
    tree.setdefault("children", []).append(
        {
            "name": "Images",
            "criteria": [
                {
                    "name": "fileExtension",
                    "options": {"matchOperator": "IS_ONE_OF", "values": ["jpg", "png"]},
                }
            ],
            "criteriaMustSatisfy": "all",
            "behaviors": [{"name": "caching", "options": {"behavior": "MAX_AGE", "ttl": "7d"}}],
            "children": [],
        }
    )
    return tree


async def run_workflow(
    client: Client, *, name: str = "shop.example.com", progress: list[Any] | None = None
) -> dict[str, Any]:
    """Create -> new version -> update rules -> add hostname -> activate (staging) -> list
    activations -> diff; returns every step's structured result."""
    seen = progress if progress is not None else []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, total, message))

    out: dict[str, Any] = {}
    out["created"] = created = await call(
        client,
        "property-create",
        {"property_name": name, "product_id": "prd_Fresca", "group_id": WEB_GROUP},
    )
    pid = created["property_id"]
    out["version"] = version = await call(client, "property-version-create", {"property_id": pid})
    number = version["version"]
    out["rules_before"] = before = await call(
        client, "property-rules-get", {"property_id": pid, "version": number, "full": True}
    )
    out["rules_update"] = await call(
        client,
        "property-rules-update",
        {
            "property_id": pid,
            "version": number,
            "etag": before["etag"],
            "rules": edited_rules(before["rules"], f"origin-{name}", 1000001),
        },
    )
    out["hostnames"] = await call(
        client,
        "property-hostname-update",
        {
            "property_id": pid,
            "version": number,
            "add": [{"hostname": name, "edge_hostname": EDGE_HOSTNAME}],
        },
    )
    out["activation"] = await call(
        client,
        "property-activate",
        {
            "property_id": pid,
            "version": number,
            "network": "STAGING",
            "notify_emails": ["noc@example.com"],
            "note": "workflow test",
        },
        progress_callback=on_progress,
    )
    out["activations"] = await call(client, "property-activation-list", {"property_id": pid})
    out["diff"] = await call(
        client, "property-version-diff", {"property_id": pid, "version_a": 1, "version_b": number}
    )
    out["progress"] = seen
    return out
