"""CPS (v2) enrollments and changes (registered by `cps.py`; deployments and history are in
`cps_deployments.py`).

Shaped like ../shared/akamai-apis/apis/cps/v2, with CPS's vendor media types on both sides
(`Accept` is checked: any version the spec documents, e.g. enrollments v1 to v11, is answered
under that media type, anything else gets 406; a request body must be one of the documented
`application/vnd.akamai.cps.enrollment.vN+json` versions, else 415):

- `GET /cps/v2/enrollments?contractId=` (enrollments.v11), `POST` (enrollment.v11 in,
  202 enrollment-status.v1 out with `Location`);
- `GET|DELETE /cps/v2/enrollments/{enrollmentId}` (enrollment.v11; delete: 200, or 202 when
  a certificate is deployed; 409 with pending changes unless `allow-cancel-pending-changes`);
- `GET /cps/v2/enrollments/{enrollmentId}/changes/{changeId}` (change.v2);
- `GET .../changes/{changeId}/input/info/lets-encrypt-challenges` (dv-challenges.v2);
- `POST .../changes/{changeId}/input/update/lets-encrypt-challenges-completed`
  (acknowledgement.v1 in, change-id.v1 out);
- `GET /cps/v2/enrollments/{enrollmentId}/dv-history` (dv-history.v1);
- `PUT /cps/v2/enrollments/{enrollmentId}` (enrollment.vN in; a change to the CSR or the
  network configuration starts a `modify-san` / `update-network-configuration` change, 202;
  contacts only: 200, no change; 409 with pending changes unless
  `allow-cancel-pending-changes=true`, which cancels them);
- `DELETE .../changes/{changeId}` cancels a pending change (change-id.v1; 409 once complete);
- `GET|PUT .../changes/{changeId}/deployment-schedule` (deployment-schedule.v1).

A change moves on with the sandbox clock, through the framework's long-running operation
helper (`alecs.sandbox.state.schedule`), with the statuses real CPS reports:

- Let's Encrypt DV: `generate-csr` (running) for one operation delay, then
  `coodinate-domain-validation` (awaiting-input; CPS's own spelling) offering the
  `lets-encrypt-challenges` input, until every domain is validated; then `check-for-cert`,
  `deploy-cert-to-staging`, `deploy-cert-to-production` and `complete` over one more delay.
  A domain validates when a TXT record `_acme-challenge.<domain>` holding its dns-01 value is
  written to one of the account's Edge DNS zones (see `dns_txt_written`, called by the DNS
  sandbox), or, as if its HTTP redirect were in place, `HTTP_AUTO_VALIDATION` delays after
  the change started.
- OV/EV: `generate-csr`, `check-for-cert`, deployments, `complete` over one delay.
- third-party: `generate-csr`, then `wait-upload-third-party` (awaiting-input) for good.

Documents: `cps_enrollments` (key: enrollment id; the enrollment.v11 fields plus `contractId`),
`cps_changes` (key `"enrollmentId/changeId"`: the change's schedule, domains and challenges).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from alecs.sandbox import state as state_module
from alecs.sandbox.framework import ApiProblem, Request, Response, Router
from alecs.sandbox.state import Transaction

BASE = "/cps/v2"
MEDIA = {
    "enrollments": "application/vnd.akamai.cps.enrollments.v11+json",
    "enrollment": "application/vnd.akamai.cps.enrollment.v11+json",
    "enrollment-status": "application/vnd.akamai.cps.enrollment-status.v1+json",
    "change": "application/vnd.akamai.cps.change.v2+json",
    "change-id": "application/vnd.akamai.cps.change-id.v1+json",
    "dv-challenges": "application/vnd.akamai.cps.dv-challenges.v2+json",
    "dv-history": "application/vnd.akamai.cps.dv-history.v1+json",
    "acknowledgement": "application/vnd.akamai.cps.acknowledgement.v1+json",
    "deployments": "application/vnd.akamai.cps.deployments.v7+json",
    "deployment": "application/vnd.akamai.cps.deployment.v7+json",
    "certificate-history": "application/vnd.akamai.cps.certificate-history.v2+json",
    "change-history": "application/vnd.akamai.cps.change-history.v5+json",
    "deployment-schedule": "application/vnd.akamai.cps.deployment-schedule.v1+json",
}
# Versions of each media type the spec documents (cps/v2/headers); any of them is accepted in
# `Accept` and answered with the same document under that media type (the fields the sandbox
# serves are common to them), and enrollments may be sent as any enrollment version.
MEDIA_VERSIONS = {
    "enrollments": range(1, 12),
    "enrollment": range(1, 12),
    "enrollment-status": range(1, 2),
    "change": range(1, 6),
    "change-id": range(1, 2),
    "dv-challenges": range(1, 3),
    "dv-history": range(1, 2),
    "acknowledgement": range(1, 2),
    "deployments": range(1, 8),
    "deployment": range(1, 8),
    "certificate-history": range(1, 3),
    "change-history": range(1, 6),
    "deployment-schedule": range(1, 2),
}
_VENDOR_MEDIA = re.compile(r"^application/vnd\.akamai\.cps\.([a-z-]+)\.v(\d+)\+json$")
ENROLLMENT_FIELDS = (
    "id",
    "location",
    "ra",
    "validationType",
    "certificateType",
    "certificateChainType",
    "signatureAlgorithm",
    "changeManagement",
    "orgId",
    "enableMultiStackedCertificates",
    "autoRenewalStartTime",
    "maxAllowedSanNames",
    "maxAllowedWildcardSanNames",
    "assignedSlots",
    "productionSlots",
    "stagingSlots",
    "networkConfiguration",
    "csr",
    "org",
    "adminContact",
    "techContact",
    "thirdParty",
    "pendingChanges",
)
REQUIRED_FIELDS = (
    "certificateType",
    "changeManagement",
    "csr",
    "enableMultiStackedCertificates",
    "networkConfiguration",
    "ra",
    "validationType",
)
WRITABLE_FIELDS = frozenset(ENROLLMENT_FIELDS) - {"id", "location", "pendingChanges"}
MAX_SANS = 100
HTTP_AUTO_VALIDATION = 10  # operation delays after the start, an HTTP-01 challenge validates
DV_STATES = ("generate-csr", "coodinate-domain-validation")
DEPLOY_STATES = (
    "check-for-cert",
    "deploy-cert-to-staging",
    "deploy-cert-to-production",
    "complete",
)
STATUS = {  # status -> (state, description)
    "generate-csr": ("running", "Generating a certificate signing request (CSR)."),
    "coodinate-domain-validation": ("awaiting-input", "Coordinating domain name validation."),
    "check-for-cert": (
        "running",
        "Checking with your certificate authority for your signed certificate.",
    ),
    "deploy-cert-to-staging": ("running", "Deploying your certificate to the staging network."),
    "deploy-cert-to-production": (
        "running",
        "Deploying your certificate to the production network.",
    ),
    "complete": ("completed", "All of your requested changes are complete."),
    "wait-upload-third-party": (
        "awaiting-input",
        "Waiting for you to upload and submit your third party certificate and trust chain.",
    ),
}
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]*[a-z0-9]$")


def register(router: Router) -> None:
    router.add("GET", f"{BASE}/enrollments", list_enrollments)
    router.add("POST", f"{BASE}/enrollments", create_enrollment)
    router.add("GET", f"{BASE}/enrollments/{{enrollmentId}}", get_enrollment)
    router.add("DELETE", f"{BASE}/enrollments/{{enrollmentId}}", delete_enrollment)
    change = f"{BASE}/enrollments/{{enrollmentId}}/changes/{{changeId}}"
    router.add("GET", change, get_change)
    router.add("GET", change + "/input/info/{allowedInputTypeParam}", get_change_input)
    router.add("POST", change + "/input/update/{allowedInputTypeParam}", update_change_input)
    router.add("GET", f"{BASE}/enrollments/{{enrollmentId}}/dv-history", get_dv_history)
    router.add("PUT", f"{BASE}/enrollments/{{enrollmentId}}", update_enrollment)
    router.add("DELETE", change, cancel_change)
    router.add("GET", change + "/deployment-schedule", get_deployment_schedule)
    router.add("PUT", change + "/deployment-schedule", put_deployment_schedule)


# ---------------------------------------------------------------------------------------------
# Media types and problems


def _accept(req: Request, kind: str) -> str:
    """The media type to answer with; 406 when the client accepts only something else."""
    media = MEDIA[kind]
    accept = (req.header("accept") or "").strip()
    offered = [p.split(";")[0].strip().lower() for p in accept.split(",") if p.strip()]
    if not offered or any(o in ("*/*", "application/*", media) for o in offered):
        return media
    for o in offered:
        version = _media_version(o, kind)
        if version is not None:
            return o
    versions = MEDIA_VERSIONS[kind]
    raise ApiProblem(
        406,
        f"This resource is served as application/vnd.akamai.cps.{kind}.vN+json with N from "
        f"{versions.start} to {versions.stop - 1}; the request accepts only {accept}.",
        title="Not Acceptable",
    )


def _media_version(media_type: str, kind: str) -> int | None:
    """N when `media_type` is a version of `kind` the spec documents, else None."""
    m = _VENDOR_MEDIA.match(media_type)
    if m is None or m.group(1) != kind or int(m.group(2)) not in MEDIA_VERSIONS[kind]:
        return None
    return int(m.group(2))


def _respond(req: Request, kind: str, body: Any, status: int = 200, **headers: str) -> Response:
    return Response(body, status, dict(headers), _accept(req, kind))


def _content_type(req: Request, kind: str) -> None:
    ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
    if _media_version(ctype, kind) is None:
        versions = MEDIA_VERSIONS[kind]
        raise ApiProblem(
            415,
            f"Send the body as Content-Type: {MEDIA[kind]} (or another version from "
            f"v{versions.start} to v{versions.stop - 1}; got {ctype or 'none'}).",
            title="Unsupported Media Type",
        )


def _not_found(what: str) -> ApiProblem:
    return ApiProblem(404, f"{what} was not found.", title="Not Found")


def _bad(detail: str, field: str | None = None) -> ApiProblem:
    extra: dict[str, Any] = {}
    if field:
        extra["errors"] = [{"field": field, "detail": detail}]
    return ApiProblem(400, detail, title="Bad Request", **extra)


# ---------------------------------------------------------------------------------------------
# Derived state


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _change_location(enrollment_id: int, change_id: int) -> str:
    return f"{BASE}/enrollments/{enrollment_id}/changes/{change_id}"


def _validated_at(change: dict[str, Any]) -> dict[str, float]:
    """When each domain of a DV change validates (maybe in the future)."""
    op = change["operation"]
    csr_at = state_module.operation_finished_at(op)
    auto_at = op["startedAt"] + HTTP_AUTO_VALIDATION * op["delayS"]
    seen = change.get("dnsSeenAt") or {}
    return {d: max(csr_at, min(seen.get(d, auto_at), auto_at)) for d in change["domains"]}


def change_status(change: dict[str, Any], now: float) -> str:
    """The status (`generate-csr`, ..., `complete`) of a stored change at time `now`."""
    op = change["operation"]
    if change["validationType"] != "dv":
        return state_module.operation_state(op, now)
    if not state_module.operation_done(op, now):
        return state_module.operation_state(op, now)
    validated = max(_validated_at(change).values())
    if now < validated:
        return "coodinate-domain-validation"
    deploy = state_module.schedule(validated, op["delayS"], states=DEPLOY_STATES)
    return state_module.operation_state(deploy, now)


def _finished(change: dict[str, Any], now: float) -> bool:
    return change_status(change, now) == "complete"


def _changes_of(source: Any, enrollment_id: int) -> list[dict[str, Any]]:
    changes = [c for c in source.list("cps_changes") if c["enrollmentId"] == enrollment_id]
    return sorted(changes, key=lambda c: c["changeId"])


def enrollment_view(doc: dict[str, Any], changes: list[dict[str, Any]], now: float) -> dict:
    out = {k: doc[k] for k in ENROLLMENT_FIELDS if k in doc}
    out["id"] = str(doc["id"])
    out["location"] = f"{BASE}/enrollments/{doc['id']}"
    pending = [c for c in changes if not _finished(c, now)]
    out["pendingChanges"] = [
        {"location": _change_location(c["enrollmentId"], c["changeId"]), "changeType": c["type"]}
        for c in pending
    ]
    if any(_finished(c, now) for c in changes):
        slots = list(doc.get("assignedSlots") or [])
        out["stagingSlots"] = slots
        out["productionSlots"] = slots
    return out


def _enrollment(req: Request, tx: Transaction | None = None) -> dict[str, Any]:
    raw = req.params["enrollmentId"]
    if not raw.isdigit():
        raise _not_found(f"Enrollment {raw}")
    doc = (tx or req.state).get("cps_enrollments", str(int(raw)))
    if doc is None:
        raise _not_found(f"Enrollment {raw}")
    return doc


def _change(req: Request, enrollment: dict[str, Any]) -> dict[str, Any]:
    raw = req.params["changeId"]
    change = req.state.get("cps_changes", f"{enrollment['id']}/{raw}") if raw.isdigit() else None
    if change is None:
        raise _not_found(f"Change {raw} of enrollment {enrollment['id']}")
    return change


# ---------------------------------------------------------------------------------------------
# Enrollments


def _contract(req: Request) -> str:
    contract = (req.arg("contractId", required=True) or "").strip().removeprefix("ctr_")
    if req.state.get("contracts", f"ctr_{contract}") is None:
        raise ApiProblem(403, f"You don't have access to contract {contract}.", title="Forbidden")
    return contract


def list_enrollments(req: Request) -> Response:
    contract = _contract(req)
    now = req.now()
    docs = sorted(
        (d for d in req.state.list("cps_enrollments") if d.get("contractId") == contract),
        key=lambda d: int(d["id"]),
    )
    body = {
        "enrollments": [enrollment_view(d, _changes_of(req.state, int(d["id"])), now) for d in docs]
    }
    return _respond(req, "enrollments", body)


def get_enrollment(req: Request) -> Response:
    doc = _enrollment(req)
    view = enrollment_view(doc, _changes_of(req.state, int(doc["id"])), req.now())
    return _respond(req, "enrollment", view)


def _hostname(value: Any, field: str) -> str:
    text = str(value or "").strip().lower()
    if not _HOST.match(text) or len(text) > 253:
        raise _bad(f"'{value}' is not a valid hostname.", field)
    return text


def _validate_enrollment(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _bad("The request body must be an enrollment object.")
    missing = [f for f in REQUIRED_FIELDS if body.get(f) is None]
    if missing:
        raise _bad(f"Missing required field(s): {', '.join(missing)}.", missing[0])
    unknown = sorted(set(body) - WRITABLE_FIELDS)
    if unknown:
        raise _bad(f"Unrecognized field(s): {', '.join(unknown)}.", unknown[0])
    enums = {
        "ra": ("symantec", "lets-encrypt", "third-party"),
        "validationType": ("dv", "ev", "ov", "third-party"),
        "certificateType": ("san", "single", "wildcard", "wildcard-san", "third-party"),
    }
    for field, allowed in enums.items():
        if body[field] not in allowed:
            raise _bad(f"'{field}' must be one of {', '.join(allowed)}.", field)
    if body["ra"] == "lets-encrypt" and (
        body["validationType"] != "dv" or body["certificateType"] != "san"
    ):
        raise _bad("Let's Encrypt certificates are DV SAN certificates.", "validationType")
    if body["validationType"] == "dv" and body["ra"] != "lets-encrypt":
        raise _bad("DV certificates are issued by Let's Encrypt (ra: lets-encrypt).", "ra")
    net = body["networkConfiguration"]
    if not isinstance(net, dict):
        raise _bad("'networkConfiguration' must be an object.", "networkConfiguration")
    for field in ("geography", "quicEnabled", "secureNetwork", "sniOnly"):
        if net.get(field) is None:
            raise _bad(
                f"networkConfiguration.{field} is required.", f"networkConfiguration.{field}"
            )
    if net["geography"] not in ("core", "china+core", "russia+core"):
        raise _bad("networkConfiguration.geography must be core, china+core or russia+core.")
    if net["secureNetwork"] not in ("enhanced-tls", "standard-tls"):
        raise _bad("networkConfiguration.secureNetwork must be enhanced-tls or standard-tls.")
    csr = body["csr"]
    if not isinstance(csr, dict) or not csr.get("cn"):
        raise _bad("csr.cn (the common name) is required.", "csr.cn")
    cn = _hostname(csr["cn"], "csr.cn")
    sans = [_hostname(s, f"csr.sans[{i}]") for i, s in enumerate(csr.get("sans") or [])]
    names = list(dict.fromkeys([cn, *sans]))
    if len(names) > MAX_SANS:
        raise _bad(
            f"At most {MAX_SANS} names fit on one certificate; got {len(names)}.", "csr.sans"
        )
    if body["ra"] == "lets-encrypt" and any(n.startswith("*.") for n in names):
        raise _bad("Let's Encrypt DV certificates from CPS can't hold wildcard names.", "csr.sans")
    if body["validationType"] != "third-party" and body.get("orgId") is None:
        for field in ("org", "adminContact", "techContact"):
            if not isinstance(body.get(field), dict):
                raise _bad(f"'{field}' is required.", field)
        for field in ("adminContact", "techContact"):
            for member in ("firstName", "lastName", "email", "phone"):
                if not body[field].get(member):
                    raise _bad(f"{field}.{member} is required.", f"{field}.{member}")
    out = dict(body)
    out["csr"] = {**csr, "cn": cn, "sans": names}
    return out


def _token() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def _challenges(domains: list[str]) -> dict[str, Any]:
    out = {}
    for domain in domains:
        http_token, dns_token = _token(), _token()
        thumbprint = _token()
        key_auth = f"{dns_token}.{thumbprint}".encode()
        dns_value = base64.urlsafe_b64encode(hashlib.sha256(key_auth).digest()).rstrip(b"=")
        out[domain] = {
            "http": {"token": http_token, "responseBody": f"{http_token}.{thumbprint}"},
            "dns": {"token": dns_token, "responseBody": dns_value.decode()},
        }
    return out


def create_enrollment(req: Request) -> Response:
    contract = _contract(req)
    _content_type(req, "enrollment")
    media = _accept(req, "enrollment-status")
    body = _validate_enrollment(req.json())
    with req.transaction() as tx:
        eid = tx.next_id("enrollment")
        cid = tx.next_id("change")
        slot = eid % 10000
        doc = {
            "certificateChainType": "default",
            "signatureAlgorithm": "SHA-256",
            "autoRenewalStartTime": None,
            "maxAllowedSanNames": MAX_SANS,
            "maxAllowedWildcardSanNames": MAX_SANS,
            **body,
            "id": eid,
            "contractId": contract,
            "assignedSlots": [slot],
            "stagingSlots": [],
            "productionSlots": [],
        }
        tx.put("cps_enrollments", str(eid), doc)
        vtype = body["validationType"]
        if vtype == "dv":
            states: tuple[str, ...] = DV_STATES
        elif vtype == "third-party":
            states = ("generate-csr", "wait-upload-third-party")
        else:
            states = ("generate-csr", *DEPLOY_STATES)
        domains = body["csr"]["sans"]
        change = {
            "enrollmentId": eid,
            "changeId": cid,
            "type": "new-certificate",
            "validationType": vtype,
            "domains": domains,
            "operation": req.schedule("cps.change", states=states),
            "challenges": _challenges(domains) if vtype == "dv" else {},
            "dnsSeenAt": {},
            "deploymentSchedule": {
                "notBefore": req.arg("deploy-not-before"),
                "notAfter": req.arg("deploy-not-after"),
            },
        }
        tx.put("cps_changes", f"{eid}/{cid}", change)
    location = f"{BASE}/enrollments/{eid}"
    status = {"enrollment": location, "changes": [_change_location(eid, cid)]}
    return Response(status, 202, {"Location": location}, media)


def delete_enrollment(req: Request) -> Response:
    media = _accept(req, "enrollment-status")
    allow_cancel = (req.arg("allow-cancel-pending-changes") or "false").lower() == "true"
    now = req.now()
    with req.transaction() as tx:
        doc = _enrollment(req, tx)
        eid = int(doc["id"])
        changes = _changes_of(tx, eid)
        pending = [c for c in changes if not _finished(c, now)]
        if pending and not allow_cancel:
            raise ApiProblem(
                409,
                f"Enrollment {eid} has pending changes "
                f"({', '.join(str(c['changeId']) for c in pending)}); set "
                "allow-cancel-pending-changes=true to cancel them and remove the enrollment.",
                title="Conflict",
            )
        deployed = bool(doc.get("productionSlots")) or any(_finished(c, now) for c in changes)
        for c in changes:
            tx.delete("cps_changes", f"{eid}/{c['changeId']}")
        tx.delete("cps_enrollments", str(eid))
    location = f"{BASE}/enrollments/{eid}"
    return Response({"enrollment": location, "changes": []}, 202 if deployed else 200, {}, media)


# ---------------------------------------------------------------------------------------------
# Changes


def _allowed_input(change: dict[str, Any], status: str) -> list[dict[str, Any]]:
    loc = _change_location(change["enrollmentId"], change["changeId"])
    if status == "coodinate-domain-validation":
        return [
            {
                "info": f"{loc}/input/info/lets-encrypt-challenges",
                "requiredToProceed": False,
                "type": "lets-encrypt-challenges",
                "update": f"{loc}/input/update/lets-encrypt-challenges-completed",
            }
        ]
    if status == "wait-upload-third-party":
        return [
            {
                "info": f"{loc}/input/info/third-party-csr",
                "requiredToProceed": True,
                "type": "third-party-certificate",
                "update": f"{loc}/input/update/third-party-cert-and-trust-chain",
            }
        ]
    return []


def get_change(req: Request) -> Response:
    media = _accept(req, "change")
    change = _change(req, _enrollment(req))
    status = change_status(change, req.now())
    state, description = STATUS.get(status, ("running", status))
    body = {
        "statusInfo": {
            "status": status,
            "state": state,
            "description": description,
            "error": None,
            "deploymentSchedule": dict(change.get("deploymentSchedule") or {}),
        },
        "allowedInput": _allowed_input(change, status),
    }
    return Response(body, 200, {}, media)


def _domain_entries(change: dict[str, Any], now: float) -> list[dict[str, Any]]:
    op = change["operation"]
    started = op["startedAt"]
    request_ts = _iso(state_module.operation_finished_at(op))
    validated = _validated_at(change)
    seen = change.get("dnsSeenAt") or {}
    auto_at = started + HTTP_AUTO_VALIDATION * op["delayS"]
    out = []
    for domain in change["domains"]:
        ch = change["challenges"][domain]
        valid = now >= validated[domain]
        http_valid = valid and now >= auto_at
        dns_valid = valid and domain in seen and seen[domain] <= now
        entry: dict[str, Any] = {
            "domain": domain,
            "status": "Valid" if valid else "Pending",
            "error": None if valid else "The domain is not validated yet.",
            "expires": _iso(started + 7 * 86400),
            "requestTimestamp": request_ts,
            "validationStatus": "VALIDATED" if valid else "PENDING",
            "challenges": [
                {
                    "type": "http-01",
                    "status": "Valid" if http_valid else "Pending",
                    "error": None,
                    "token": ch["http"]["token"],
                    "responseBody": ch["http"]["responseBody"],
                    "fullPath": f"http://{domain}/.well-known/acme-challenge/{ch['http']['token']}",
                    "redirectFullPath": (
                        f"http://dcv.akamai.com/.well-known/acme-challenge/{ch['http']['token']}"
                    ),
                    "validationRecords": [],
                },
                {
                    "type": "dns-01",
                    "status": "Valid" if dns_valid else "Pending",
                    "error": None,
                    "token": ch["dns"]["token"],
                    "responseBody": ch["dns"]["responseBody"],
                    "fullPath": f"_acme-challenge.{domain}.",
                    "redirectFullPath": "",
                    "validationRecords": (
                        [{"hostname": f"_acme-challenge.{domain}", "port": "53"}]
                        if dns_valid
                        else []
                    ),
                },
            ],
        }
        if valid:
            entry["validatedTimestamp"] = _iso(validated[domain])
        out.append(entry)
    return out


def get_change_input(req: Request) -> Response:
    enrollment = _enrollment(req)
    change = _change(req, enrollment)
    kind = req.params["allowedInputTypeParam"]
    now = req.now()
    status = change_status(change, now)
    if kind == "lets-encrypt-challenges" and change["validationType"] == "dv":
        media = _accept(req, "dv-challenges")
        if status == "generate-csr" or status == "complete":
            raise _not_found(
                f"Input lets-encrypt-challenges of change {change['changeId']} "
                f"(the change is at {status})"
            )
        return Response({"dv": _domain_entries(change, now)}, 200, {}, media)
    raise _not_found(f"Input {kind} of change {change['changeId']}")


def update_change_input(req: Request) -> Response:
    enrollment = _enrollment(req)
    change = _change(req, enrollment)
    kind = req.params["allowedInputTypeParam"]
    if kind != "lets-encrypt-challenges-completed" or change["validationType"] != "dv":
        raise _not_found(f"Input {kind} of change {change['changeId']}")
    _content_type(req, "acknowledgement")
    media = _accept(req, "change-id")
    body = req.json()
    if not isinstance(body, dict) or body.get("acknowledgement") not in ("acknowledge", "deny"):
        raise _bad("'acknowledgement' must be acknowledge or deny.", "acknowledgement")
    if change_status(change, req.now()) != "coodinate-domain-validation":
        raise ApiProblem(409, "The change is not waiting for domain validation.", title="Conflict")
    location = _change_location(change["enrollmentId"], change["changeId"])
    return Response({"change": location}, 200, {}, media)


def get_dv_history(req: Request) -> Response:
    media = _accept(req, "dv-history")
    enrollment = _enrollment(req)
    now = req.now()
    history: dict[str, list[dict[str, Any]]] = {}
    for change in _changes_of(req.state, int(enrollment["id"])):
        if change["validationType"] != "dv":
            continue
        if change_status(change, now) == "generate-csr":
            continue
        for entry in _domain_entries(change, now):
            item = {k: v for k, v in entry.items() if v is not None}
            item["validationRecords"] = []
            history.setdefault(entry["domain"], []).append(item)
    results = [{"domain": d, "domainHistory": h} for d, h in history.items()]
    return Response({"results": results}, 200, {}, media)


# ---------------------------------------------------------------------------------------------
# The DNS sandbox's hook


def _txt_values(rdata: list[str]) -> set[str]:
    values: set[str] = set()
    for value in rdata:
        chunks = re.findall(r'"((?:[^"\\]|\\.)*)"', value)
        values.add("".join(chunks) if chunks else value.strip())
    return values


def dns_txt_written(tx: Transaction, fqdn: str, rdata: list[str], now: float) -> None:
    """A TXT record set was written to an Edge DNS zone of this account: a DV change whose
    dns-01 value for the domain is in it counts that domain as seen (validated)."""
    prefix = "_acme-challenge."
    name = fqdn.lower().rstrip(".")
    if not name.startswith(prefix):
        return
    domain = name[len(prefix) :]
    values = _txt_values(rdata)
    for change in tx.list("cps_changes"):
        challenge = (change.get("challenges") or {}).get(domain)
        if challenge is None or domain in (change.get("dnsSeenAt") or {}):
            continue
        if challenge["dns"]["responseBody"] in values:
            change.setdefault("dnsSeenAt", {})[domain] = now
            tx.put("cps_changes", f"{change['enrollmentId']}/{change['changeId']}", change)


# ---------------------------------------------------------------------------------------------
# Updates, cancellations, deployment schedules, deployments and history

CERT_AFFECTING = ("csr", "networkConfiguration", "ra", "validationType", "certificateType")


def update_enrollment(req: Request) -> Response:
    _content_type(req, "enrollment")
    media = _accept(req, "enrollment-status")
    body = _validate_enrollment(req.json())
    allow_cancel = (req.arg("allow-cancel-pending-changes") or "false").lower() == "true"
    now = req.now()
    with req.transaction() as tx:
        doc = _enrollment(req, tx)
        eid = int(doc["id"])
        if body["ra"] != doc["ra"] or body["validationType"] != doc["validationType"]:
            raise _bad("'ra' and 'validationType' of an enrollment can't change.", "ra")
        affecting = any(body.get(f) != doc.get(f) for f in CERT_AFFECTING)
        pending = [c for c in _changes_of(tx, eid) if not _finished(c, now)]
        if affecting and pending and not allow_cancel:
            raise ApiProblem(
                409,
                f"Enrollment {eid} has pending changes "
                f"({', '.join(str(c['changeId']) for c in pending)}); set "
                "allow-cancel-pending-changes=true to cancel them.",
                title="Conflict",
            )
        if body.get("csr") != doc.get("csr"):
            change_type = "modify-san"
        elif body.get("networkConfiguration") != doc.get("networkConfiguration"):
            change_type = "update-network-configuration"
        else:
            change_type = "renew"
        doc.update(body)
        tx.put("cps_enrollments", str(eid), doc)
        changes: list[str] = []
        if affecting:
            for c in pending:
                _cancel(tx, c, req.iso_now())
            cid = tx.next_id("change")
            vtype = body["validationType"]
            states: tuple[str, ...] = (
                DV_STATES
                if vtype == "dv"
                else ("generate-csr", "wait-upload-third-party")
                if vtype == "third-party"
                else ("generate-csr", *DEPLOY_STATES)
            )
            domains = body["csr"]["sans"]
            tx.put(
                "cps_changes",
                f"{eid}/{cid}",
                {
                    "enrollmentId": eid,
                    "changeId": cid,
                    "type": change_type,
                    "validationType": vtype,
                    "domains": domains,
                    "operation": req.schedule("cps.change", states=states),
                    "challenges": _challenges(domains) if vtype == "dv" else {},
                    "dnsSeenAt": {},
                    "deploymentSchedule": {"notBefore": None, "notAfter": None},
                    "createdOn": req.iso_now(),
                },
            )
            changes.append(_change_location(eid, cid))
    location = f"{BASE}/enrollments/{eid}"
    body_out = {"enrollment": location, "changes": changes}
    return Response(body_out, 202 if changes else 200, {"Location": location}, media)


def _cancel(tx: Transaction, change: dict[str, Any], when: str) -> None:
    """Move a change to the enrollment's cancelled history."""
    key = f"{change['enrollmentId']}/{change['changeId']}"
    tx.delete("cps_changes", key)
    tx.put("cps_cancelled_changes", key, {**change, "cancelledOn": when})


def cancel_change(req: Request) -> Response:
    media = _accept(req, "change-id")
    enrollment = _enrollment(req)
    change = _change(req, enrollment)
    if _finished(change, req.now()):
        raise ApiProblem(
            409,
            f"Change {change['changeId']} is complete and can't be cancelled.",
            title="Conflict",
        )
    with req.transaction() as tx:
        _cancel(tx, change, req.iso_now())
    location = _change_location(change["enrollmentId"], change["changeId"])
    return Response({"change": location}, 200, {}, media)


def get_deployment_schedule(req: Request) -> Response:
    media = _accept(req, "deployment-schedule")
    change = _change(req, _enrollment(req))
    schedule = change.get("deploymentSchedule") or {}
    body = {"notBefore": schedule.get("notBefore"), "notAfter": schedule.get("notAfter")}
    return Response(body, 200, {}, media)


def _iso_or_none(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"'{field}' must be an ISO 8601 date-time or null.", field)
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(
            f"'{field}' must be an ISO 8601 date-time like 2024-05-19T16:00:00Z.", field
        ) from None
    return value


def put_deployment_schedule(req: Request) -> Response:
    _content_type(req, "deployment-schedule")
    media = _accept(req, "change-id")
    body = req.json()
    if not isinstance(body, dict) or set(body) - {"notBefore", "notAfter"}:
        raise _bad("The body must be {'notBefore': ..., 'notAfter': ...}.")
    schedule = {
        "notBefore": _iso_or_none(body.get("notBefore"), "notBefore"),
        "notAfter": _iso_or_none(body.get("notAfter"), "notAfter"),
    }
    enrollment = _enrollment(req)
    change = _change(req, enrollment)
    if _finished(change, req.now()):
        raise ApiProblem(409, f"Change {change['changeId']} is complete.", title="Conflict")
    with req.transaction() as tx:
        change["deploymentSchedule"] = schedule
        tx.put("cps_changes", f"{change['enrollmentId']}/{change['changeId']}", change)
    location = _change_location(change["enrollmentId"], change["changeId"])
    return Response({"change": location}, 200, {}, media)
