"""CPS (v2) deployments and history (registered by `cps.py`).

- `GET /cps/v2/enrollments/{enrollmentId}/deployments`, `.../deployments/production`,
  `.../deployments/staging` (deployments.v7 / deployment.v7: the certificate of the last
  completed change; 404 when nothing is deployed);
- `GET .../history/certificates` (certificate-history.v2), `.../history/changes`
  (change-history.v5; cancelled changes included).

Certificates are made-up PEM blocks derived from the enrollment and change ids (stable across
requests), expiring 90 days after the change completed.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from alecs.sandbox import state as state_module
from alecs.sandbox.cps_enrollments import (
    BASE,
    DEPLOY_STATES,
    _accept,
    _changes_of,
    _enrollment,
    _finished,
    _iso,
    _not_found,
    _validated_at,
)
from alecs.sandbox.framework import Request, Response, Router

# networkConfiguration members a deployment shows (deployment.v7)
_DEPLOYED_NETWORK_FIELDS = (
    "disallowedTlsVersions",
    "geography",
    "mustHaveCiphers",
    "ocspStapling",
    "preferredCiphers",
    "quicEnabled",
    "secureNetwork",
    "sniOnly",
)


def _pem(kind: str, seed: str) -> str:
    body = base64.b64encode(hashlib.sha512(seed.encode()).digest() * 4).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def _certificate(doc: dict[str, Any], issued_at: float, serial: str) -> dict[str, Any]:
    return {
        "certificate": _pem("CERTIFICATE", f"{doc['id']}/{serial}"),
        "expiry": _iso(issued_at + 90 * 86400),
        "keyAlgorithm": "RSA",
        "signatureAlgorithm": doc.get("signatureAlgorithm") or "SHA-256",
        "trustChain": _pem("CERTIFICATE", f"chain/{doc.get('ra')}"),
    }


def _completed_at(change: dict[str, Any]) -> float:
    """When a change completed (it must be complete)."""
    op = change["operation"]
    if change["validationType"] != "dv":
        return state_module.operation_finished_at(op)
    validated = max(_validated_at(change).values())
    deploy = state_module.schedule(validated, op["delayS"], states=DEPLOY_STATES)
    return state_module.operation_finished_at(deploy)


def _deployment(req: Request, doc: dict[str, Any]) -> dict[str, Any] | None:
    """The deployed certificate: the last completed change's, or the seeded one."""
    now = req.now()
    done = [c for c in _changes_of(req.state, int(doc["id"])) if _finished(c, now)]
    if done:
        issued_at, serial = _completed_at(done[-1]), str(done[-1]["changeId"])
    elif doc.get("productionSlots"):
        issued_at, serial = now - 30 * 86400, "seed"
    else:
        return None
    configured = doc.get("networkConfiguration") or {}
    net = {k: configured[k] for k in _DEPLOYED_NETWORK_FIELDS if k in configured}
    net["dnsNames"] = list((doc.get("csr") or {}).get("sans") or [])
    return {
        "ocspStapled": False,
        "ocspUris": [],
        "networkConfiguration": net,
        "primaryCertificate": _certificate(doc, issued_at, serial),
        "multiStackedCertificates": [],
    }


def list_deployments(req: Request) -> Response:
    media = _accept(req, "deployments")
    deployment = _deployment(req, _enrollment(req))
    body = {"production": deployment, "staging": deployment} if deployment else {}
    return Response(body, 200, {}, media)


def _network_deployment(req: Request) -> Response:
    media = _accept(req, "deployment")
    doc = _enrollment(req)
    deployment = _deployment(req, doc)
    if deployment is None:
        raise _not_found(f"A deployed certificate of enrollment {doc['id']}")
    return Response(deployment, 200, {}, media)


def get_production_deployment(req: Request) -> Response:
    return _network_deployment(req)


def get_staging_deployment(req: Request) -> Response:
    return _network_deployment(req)


def certificate_history(req: Request) -> Response:
    media = _accept(req, "certificate-history")
    doc = _enrollment(req)
    now = req.now()
    done = [c for c in _changes_of(req.state, int(doc["id"])) if _finished(c, now)]
    issued = [(_completed_at(c), str(c["changeId"])) for c in done]
    if not issued and doc.get("productionSlots"):
        issued = [(now - 30 * 86400, "seed")]
    certificates = []
    for n, (issued_at, serial) in enumerate(reversed(issued)):
        status = "active" if n == 0 else "inactive"
        certificates.append(
            {
                "deploymentStatus": status,
                "stagingStatus": status,
                # the schema's names (its example file still says "core")
                "geography": _HISTORY_GEOGRAPHY.get(
                    (doc.get("networkConfiguration") or {}).get("geography", "core"),
                    "standard-worldwide",
                ),
                "ra": doc.get("ra"),
                "type": doc.get("certificateType"),
                "slots": list(doc.get("assignedSlots") or []) if n == 0 else [],
                "primaryCertificate": {
                    k: v
                    for k, v in _certificate(doc, issued_at, serial).items()
                    if k != "signatureAlgorithm"
                },
                "multiStackedCertificates": [],
            }
        )
    return Response({"certificates": certificates}, 200, {}, media)


_HISTORY_GEOGRAPHY = {
    "core": "standard-worldwide",
    "china+core": "worldwide",
    "russia+core": "worldwide-russia",
}


_ACTIONS = {
    "new-certificate": "New Certificate",
    "modify-san": "Modify SAN",
    "update-network-configuration": "Update Network Configuration",
    "renew": "Renew Certificate",
}


def change_history(req: Request) -> Response:
    media = _accept(req, "change-history")
    doc = _enrollment(req)
    eid = int(doc["id"])
    now = req.now()
    entries = []
    for c in _changes_of(req.state, eid):
        finished = _finished(c, now)
        entries.append((c, "completed" if finished else "incomplete", None))
    for c in req.state.list("cps_cancelled_changes"):
        if c["enrollmentId"] == eid:
            entries.append((c, "cancelled", c.get("cancelledOn")))
    changes = []
    for c, status, cancelled_on in sorted(entries, key=lambda e: -e[0]["changeId"]):
        created = c.get("createdOn") or _iso(c["operation"]["startedAt"])
        updated = cancelled_on or (_iso(_completed_at(c)) if status == "completed" else created)
        changes.append(
            {
                "action": c["type"],
                "actionDescription": _ACTIONS.get(c["type"], c["type"]),
                "createdBy": "sandbox",
                "createdOn": created,
                "lastUpdated": updated,
                "ra": doc.get("ra"),
                "status": status,
                "primaryCertificate": {
                    "certificate": _pem("CERTIFICATE", f"{eid}/{c['changeId']}")
                    if status == "completed"
                    else None,
                    "csr": _pem("CERTIFICATE REQUEST", f"csr/{eid}/{c['changeId']}"),
                    "keyAlgorithm": "RSA",
                    "trustChain": None,
                },
                "multiStackedCertificates": [],
            }
        )
    return Response({"changes": changes}, 200, {}, media)


def register(router: Router) -> None:
    deployments = f"{BASE}/enrollments/{{enrollmentId}}/deployments"
    router.add("GET", deployments, list_deployments)
    router.add("GET", deployments + "/production", get_production_deployment)
    router.add("GET", deployments + "/staging", get_staging_deployment)
    history = f"{BASE}/enrollments/{{enrollmentId}}/history"
    router.add("GET", history + "/certificates", certificate_history)
    router.add("GET", history + "/changes", change_history)
