"""How the sandbox derives PAPI's moving parts from stored documents.

Activation state is never written by a background task: an activation document keeps the
`operation` schedule made by `Request.schedule("papi.activation")`, and its status is read from
the sandbox clock (`activation_status`). Version statuses (`stagingStatus`,
`productionStatus`) and a property's `stagingVersion`/`productionVersion` follow from the
activations in submission order (`network_state`). So a GET never writes, and moving the
sandbox clock (`POST /_sandbox/clock`) moves every activation forward.

An activation whose `note` contains `[sandbox:fail]` ends FAILED instead of ACTIVE.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from alecs.sandbox.seed import etag_of
from alecs.sandbox.state import iso_ms, operation_done, operation_finished_at, operation_state

NETWORKS = ("STAGING", "PRODUCTION")
FAIL_MARKER = "[sandbox:fail]"
_DIGITS = re.compile(r"(\d+)$")


def version_key(property_id: str, version: int) -> str:
    return f"{property_id}/{version}"


def new_etag(*parts: Any) -> str:
    """A fresh etag: different on every write, even when the content is the same."""
    return etag_of([*parts, uuid.uuid4().hex])


def activation_status(doc: dict[str, Any], now: float) -> str:
    op = doc.get("operation")
    if not op:
        return doc.get("status", "ACTIVE")
    return operation_state(op, now)


def activation_update_date(doc: dict[str, Any], now: float) -> str:
    op = doc.get("operation")
    if not op or not operation_done(op, now):
        return doc.get("updateDate") or doc.get("submitDate", "")
    return iso_ms(operation_finished_at(op))[:-5] + "Z"


def _order(doc: dict[str, Any]) -> int:
    m = _DIGITS.search(doc.get("activationId", ""))
    return int(m.group(1)) if m else 0


def sorted_activations(activations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Oldest first (activation ids only grow)."""
    return sorted(activations, key=_order)


@dataclass
class NetworkState:
    """One property on one network: the active version and each touched version's status."""

    active: int | None = None
    statuses: dict[int, str] = field(default_factory=dict)
    pending: dict[str, Any] | None = None  # the activation document still PENDING, if any


def network_state(
    activations: list[dict[str, Any]], property_id: str, network: str, now: float
) -> NetworkState:
    state = NetworkState()
    for doc in sorted_activations(activations):
        if doc.get("propertyId") != property_id or doc.get("network") != network:
            continue
        status = activation_status(doc, now)
        version = int(doc["propertyVersion"])
        deactivate = doc.get("activationType") == "DEACTIVATE"
        if status in ("PENDING", "NEW", "ZONE_1", "ZONE_2", "ZONE_3"):
            state.pending = doc
            state.statuses[version] = "PENDING_DEACTIVATION" if deactivate else "PENDING"
        elif status == "ACTIVE" and not deactivate:
            if state.active is not None and state.active != version:
                state.statuses[state.active] = "INACTIVE"
            state.active = version
            state.statuses[version] = "ACTIVE"
        elif status == "ACTIVE" and deactivate:
            if state.active == version:
                state.active = None
            state.statuses[version] = "DEACTIVATED"
        elif status in ("FAILED", "ABORTED"):
            if state.active != version:
                state.statuses[version] = "INACTIVE"
    return state


def property_states(
    activations: list[dict[str, Any]], property_id: str, now: float
) -> dict[str, NetworkState]:
    return {n: network_state(activations, property_id, n, now) for n in NETWORKS}


def render_property(
    prop: dict[str, Any], activations: list[dict[str, Any]], now: float
) -> dict[str, Any]:
    """A property as `GET /papi/v1/properties/{id}` shows it."""
    states = property_states(activations, prop["propertyId"], now)
    item = {
        "accountId": prop["accountId"],
        "contractId": prop["contractId"],
        "groupId": prop["groupId"],
        "propertyId": prop["propertyId"],
        "propertyName": prop["propertyName"],
        "latestVersion": prop["latestVersion"],
        "stagingVersion": states["STAGING"].active,
        "productionVersion": states["PRODUCTION"].active,
        "assetId": prop["assetId"],
        "note": prop.get("note", ""),
    }
    if prop.get("productId"):
        item["productId"] = prop["productId"]
    if prop.get("ruleFormat"):
        item["ruleFormat"] = prop["ruleFormat"]
    return item


def render_version(version: dict[str, Any], states: dict[str, NetworkState]) -> dict[str, Any]:
    """A version item as `GET .../versions/{n}` lists it."""
    n = int(version["propertyVersion"])
    return {
        "propertyVersion": n,
        "updatedByUser": version["updatedByUser"],
        "updatedDate": version["updatedDate"],
        "productionStatus": states["PRODUCTION"].statuses.get(n, "INACTIVE"),
        "stagingStatus": states["STAGING"].statuses.get(n, "INACTIVE"),
        "etag": version["etag"],
        "productId": version["productId"],
        "ruleFormat": version["ruleFormat"],
        "note": version.get("note", ""),
    }


def was_activated(activations: list[dict[str, Any]], property_id: str, version: int) -> bool:
    """PAPI freezes a version once it has been submitted for activation on any network."""
    return any(
        a.get("propertyId") == property_id
        and int(a.get("propertyVersion", 0)) == version
        and a.get("activationType", "ACTIVATE") == "ACTIVATE"
        for a in activations
    )


def render_activation(doc: dict[str, Any], now: float) -> dict[str, Any]:
    """An activation item as `GET .../activations/{id}` shows it."""
    item = {
        "activationId": doc["activationId"],
        "propertyName": doc["propertyName"],
        "propertyId": doc["propertyId"],
        "propertyVersion": doc["propertyVersion"],
        "network": doc["network"],
        "activationType": doc.get("activationType", "ACTIVATE"),
        "status": activation_status(doc, now),
        "submitDate": doc["submitDate"],
        "updateDate": activation_update_date(doc, now),
        "note": doc.get("note", ""),
        "notifyEmails": list(doc.get("notifyEmails", [])),
    }
    if item["status"] == "FAILED":
        item["failureCause"] = {
            "type": "activation_failed",
            "detail": "The sandbox failed this activation on request ([sandbox:fail] in the note).",
        }
    if doc.get("fallbackVersion") and item["status"] == "ACTIVE":
        submitted = int(doc.get("operation", {}).get("startedAt", 0))
        item["fallbackInfo"] = {
            "fastFallbackAttempted": False,
            "fallbackVersion": int(doc["fallbackVersion"]),
            "canFastFallback": True,
            "steadyStateTime": submitted,
            "fastFallbackExpirationTime": submitted + 3600,
            "fastFallbackRecoveryState": None,
        }
    return item


def version_etag(version: dict[str, Any], rules_etag: str, hostnames_etag: str) -> str:
    """A version's etag covers its metadata, rule tree and hostnames."""
    meta = {k: v for k, v in version.items() if k != "etag"}
    return etag_of([meta, rules_etag, hostnames_etag])
