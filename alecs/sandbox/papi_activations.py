"""Property activations and deactivations (`/papi/v1/properties/{propertyId}/activations`).

`POST` answers 201 with `activationLink` and `Location`; the activation is PENDING until the
sandbox's scaled delay for `papi.activation` (or `papi.activation.production`, when configured)
has passed on the sandbox clock, then ACTIVE (FAILED with `[sandbox:fail]` in the note).
`GET .../activations/{activationId}` of a PENDING activation carries `Retry-After` (seconds);
`DELETE` on it cancels it (ABORTED; 422 once it is no longer pending).

Refusals, as PAPI words them:

- another activation of the property on the same network still PENDING: 422
  `property_activation_still_pending`;
- DEACTIVATE of a version that is not active on that network: 422
  `deactivation/not-active-in-<network>`;
- a version whose rule tree has errors, or has no hostnames: 400; warnings not acknowledged
  (neither `acknowledgeAllWarnings` nor every `messageId` in `acknowledgeWarnings`): 400.
"""

from __future__ import annotations

import math
from typing import Any

from alecs.sandbox import papi_rules
from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.papi_common import respond, with_prefix
from alecs.sandbox.papi_model import (
    FAIL_MARKER,
    NETWORKS,
    network_state,
    render_activation,
    sorted_activations,
    version_key,
)
from alecs.sandbox.papi_properties import (
    NOT_FOUND,
    PROBLEMS,
    context_query,
    envelope,
    find_property,
    find_version,
)
from alecs.sandbox.state import operation_remaining

PROBLEMS_V0 = "https://problems.luna.akamaiapis.net/papi/v0"


def _problem_422(req: Request, type_: str, message_id: str, params: list[str]) -> Response:
    """PAPI's 422 "Property Manager Exception" document (schemas/problem-422.yaml: no detail)."""
    doc = {
        "type": type_,
        "title": "Property Manager Exception",
        "instance": req.instance,
        "status": 422,
        "errors": [
            {
                "type": type_.replace("https://problems.luna.akamaiapis.net/", ""),
                "title": "Property Manager Exception",
                "detail": message_id,
            }
        ],
        "details": {},
        "messageId": message_id,
        "params": params,
        "result": "ERROR",
    }
    return Response(doc, 422, {}, "application/problem+json")


def list_activations(req: Request) -> Response:
    prop = find_property(req)
    now = req.now()
    docs = [a for a in req.state.list("activations") if a["propertyId"] == prop["propertyId"]]
    items = [render_activation(d, now) for d in reversed(sorted_activations(docs))]
    return respond(req, {**envelope(prop), "activations": {"items": items}})


def get_activation(req: Request) -> Response:
    prop = find_property(req)
    activation_id = with_prefix("atv_", req.params["activationId"])
    doc = req.state.get("activations", activation_id)
    if doc is None or doc["propertyId"] != prop["propertyId"]:
        req.fail(404, NOT_FOUND)
    now = req.now()
    item = render_activation(doc, now)
    headers: dict[str, str] = {}
    if item["status"] == "PENDING" and doc.get("operation"):
        headers["Retry-After"] = str(max(1, math.ceil(operation_remaining(doc["operation"], now))))
    return respond(req, {**envelope(prop), "activations": {"items": [item]}}, headers=headers)


def _body(req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        req.fail(400, "The request body must be a JSON object (propertyVersion, network, ...).")
    version = body.get("propertyVersion")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        req.fail(400, "'propertyVersion' is required: the version number to activate.")
    if body.get("network") not in NETWORKS:
        req.fail(400, "'network' is required: STAGING or PRODUCTION.")
    emails = body.get("notifyEmails")
    if (
        not isinstance(emails, list)
        or not emails
        or not all(isinstance(e, str) and "@" in e for e in emails)
    ):
        req.fail(400, "'notifyEmails' is required: a non-empty list of email addresses.")
    if body.get("activationType", "ACTIVATE") not in ("ACTIVATE", "DEACTIVATE"):
        req.fail(400, "'activationType' must be ACTIVATE or DEACTIVATE.")
    if not isinstance(body.get("note", ""), str):
        req.fail(400, "'note' must be a string.")
    acks = body.get("acknowledgeWarnings", [])
    if not isinstance(acks, list) or not all(isinstance(a, str) for a in acks):
        req.fail(400, "'acknowledgeWarnings' must be a list of warning messageIds.")
    return body


def _check_version(req: Request, prop: dict[str, Any], body: dict[str, Any]) -> None:
    """400 when the version has validation errors or no hostnames, or unacknowledged warnings."""
    key = version_key(prop["propertyId"], body["propertyVersion"])
    rules = (req.state.get("property_rules", key) or {}).get("rules") or {}
    hostnames = (req.state.get("property_hostnames", key) or {}).get("items") or []
    errors, warnings = papi_rules.validate(rules, f"{req.path}")
    nested = [
        {"type": e["type"], "title": e["title"], "detail": f"{e['detail']} ({e['errorLocation']})"}
        for e in errors
    ]
    if not hostnames:
        nested.append(
            {
                "type": f"{PROBLEMS}/activation/no-hostnames",
                "title": "No hostnames",
                "detail": f"Version {body['propertyVersion']} has no hostnames; add at least one "
                "before activating.",
            }
        )
    if nested:
        req.fail(
            400,
            f"Version {body['propertyVersion']} of {prop['propertyId']} can't be activated until "
            "these errors are fixed.",
            title="Activation blocked by validation errors",
            type=f"{PROBLEMS}/activation/validation-errors",
            errors=nested,
        )
    acknowledged = set(body.get("acknowledgeWarnings") or [])
    missing = [w for w in warnings if w["messageId"] not in acknowledged]
    if missing and not body.get("acknowledgeAllWarnings"):
        req.fail(
            400,
            "Acknowledge these warnings (acknowledgeWarnings with their messageIds, or "
            "acknowledgeAllWarnings: true) to activate.",
            title="Activation warnings not acknowledged",
            type=f"{PROBLEMS}/activation-warnings-not-acknowledged",
            errors=[
                {
                    "type": w["type"],
                    "title": w["title"],
                    "detail": f"{w['messageId']}: {w['detail']}",
                }
                for w in missing
            ],
        )


def create_activation(req: Request) -> Response:
    prop = find_property(req)
    body = _body(req)
    version = body["propertyVersion"]
    find_version(req, prop, version)
    network = body["network"]
    kind = body.get("activationType", "ACTIVATE")
    now = req.now()
    state = network_state(req.state.list("activations"), prop["propertyId"], network, now)
    if state.pending is not None:
        return _problem_422(
            req,
            f"{PROBLEMS}/property_activation_still_pending",
            "property_activation_still_pending",
            [f"Property {prop['propertyId'].removeprefix('prp_')}", f"Version {version}"],
        )
    if kind == "DEACTIVATE":
        if state.active != version:
            where = network.lower()
            return _problem_422(
                req,
                f"{PROBLEMS_V0}/deactivation/not-active-in-{where}",
                f"property_version_not_active_in_{where}",
                [f"Property {prop['propertyId'].removeprefix('prp_')}", f"Version {version}"],
            )
    else:
        _check_version(req, prop, body)
    delays = dict(req.app.settings.operation_delays)
    op_kind = "papi.activation"
    if network == "PRODUCTION" and "papi.activation.production" in delays:
        op_kind = "papi.activation.production"
    note = body.get("note", "")
    operation = req.schedule(op_kind, final="FAILED" if FAIL_MARKER in note else None)
    with req.transaction() as tx:
        activation_id = f"atv_{tx.next_id('activation')}"
        doc = {
            "activationId": activation_id,
            "propertyName": prop["propertyName"],
            "propertyId": prop["propertyId"],
            "propertyVersion": version,
            "network": network,
            "activationType": kind,
            "status": "PENDING",
            "submitDate": req.iso_now(),
            "updateDate": req.iso_now(),
            "note": note,
            "notifyEmails": list(body["notifyEmails"]),
            "accountId": prop["accountId"],
            "contractId": prop["contractId"],
            "groupId": prop["groupId"],
            "operation": operation,
        }
        if kind == "ACTIVATE" and state.active is not None:
            doc["fallbackVersion"] = state.active
        tx.put("activations", activation_id, doc)
    link = (
        f"/papi/v1/properties/{prop['propertyId']}/activations/{activation_id}"
        f"?{context_query(prop)}"
    )
    return respond(req, {"activationLink": link}, 201, {"Location": link})


def cancel_activation(req: Request) -> Response:
    """`DELETE` on a PENDING activation cancels it: it becomes ABORTED and the version's
    status on that network is as before. An activation that is no longer pending: 422."""
    prop = find_property(req)
    activation_id = with_prefix("atv_", req.params["activationId"])
    now = req.now()
    with req.transaction() as tx:
        doc = tx.get("activations", activation_id)
        if doc is None or doc["propertyId"] != prop["propertyId"]:
            req.fail(404, NOT_FOUND)
        status = render_activation(doc, now)["status"]
        if status != "PENDING":
            return _problem_422(
                req,
                f"{PROBLEMS}/activation-not-pending",
                "activation_cannot_be_cancelled",
                [f"Activation {activation_id}", f"Status {status}"],
            )
        doc.pop("operation", None)
        doc.update(status="ABORTED", updateDate=req.iso_now())
        tx.put("activations", activation_id, doc)
    item = render_activation(doc, now)
    return respond(req, {**envelope(prop), "activations": {"items": [item]}})


def register(router: Router) -> None:
    base = "/papi/v1/properties/{propertyId}/activations"
    router.add("GET", base, list_activations)
    router.add("POST", base, create_activation)
    router.add("GET", base + "/{activationId}", get_activation)
    router.add("DELETE", base + "/{activationId}", cancel_activation)
