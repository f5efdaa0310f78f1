"""Certificate Provisioning System (CPS v2) client: enrollments, changes and DV challenges.

    cps = CpsClient(transport, "default", account_switch_key=None)
    enrollments = await cps.list_enrollments("1-5SBXC1")            # contract, ctr_ optional
    body = dv_enrollment_body(common_name="www.example.com", sans=[...], admin=..., tech=...,
                              org=...)                                # Let's Encrypt DV SAN
    created = await cps.create_enrollment("1-5SBXC1", body)           # 202: enrollment + change
    change = await cps.get_change(created.enrollment_id, created.change_id)
    if change.offers("lets-encrypt-challenges"):
        domains = await cps.get_dv_challenges(created.enrollment_id, created.change_id)

What it takes care of:

- CPS's vendor media types, per call: `Accept: application/vnd.akamai.cps.enrollments.v11+json`
  for the list, `enrollment.v11` for one enrollment (and as the Content-Type of a new one),
  `enrollment-status.v1` for create and delete answers, `change.v2` for a change's status,
  `dv-challenges.v2` for Let's Encrypt challenges;
- ids taken from locations (`/cps/v2/enrollments/10001/changes/20001`), `pendingChanges`
  in both shapes CPS has used (plain locations, or `{location, changeType}`);
- `dv_enrollment_body`: a complete Let's Encrypt DV SAN enrollment with sensible network
  defaults (enhanced TLS, SNI only, core geography, TLS 1.0/1.1 off, OCSP stapling on);
  hostnames are checked (`normalize_hostname`) and raise `CpsInputError` naming the field.

Errors: CPS's problem documents come up as `alecs.transport.errors.AkamaiApiError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from alecs.akamai._base import AkamaiInputError, ServiceClient, reconcile
from alecs.akamai.plan import PlanChange, WritePlan
from alecs.akamai.plan import request as plan_request

if TYPE_CHECKING:
    import httpx2


BASE = "/cps/v2"
MEDIA = {
    "enrollments": "application/vnd.akamai.cps.enrollments.v11+json",
    "enrollment": "application/vnd.akamai.cps.enrollment.v11+json",
    "enrollment-status": "application/vnd.akamai.cps.enrollment-status.v1+json",
    "change": "application/vnd.akamai.cps.change.v2+json",
    "dv-challenges": "application/vnd.akamai.cps.dv-challenges.v2+json",
}
MAX_NAMES = 100
# CPS reports domain validation with its own spelling; the documentation spells it right.
DOMAIN_VALIDATION = frozenset({"coodinate-domain-validation", "coordinate-domain-validation"})
DEFAULT_CIPHERS = "ak-akamai-2020q1"
DEFAULT_DISALLOWED_TLS = ("TLSv1", "TLSv1_1")

_HOSTNAME = re.compile(r"^([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{0,61}[a-z0-9]$")
_ENROLLMENT_IN = re.compile(r"/enrollments/(\d+)")
_CHANGE_IN = re.compile(r"/changes/(\d+)")


class CpsInputError(AkamaiInputError):
    """Input CPS would refuse (a bad hostname, too many names): names the field.

    Its text is ``"field: problem"`` (without the allowed values).
    """

    def __init__(self, field: str, problem: str, allowed: str | None = None) -> None:
        super().__init__(field, problem, allowed, message=f"{field}: {problem}")


# ---------------------------------------------------------------------------------------------
# Models


class PendingChange(BaseModel):
    change_id: int
    change_type: str | None = None
    location: str


class Enrollment(BaseModel):
    """An enrollment: the certificate's names, settings, contacts and pending changes."""

    enrollment_id: int
    location: str
    contract_id: str | None = Field(None, description="Set when listed by contract.")
    common_name: str
    sans: list[str] = Field(default_factory=list)
    ra: str
    validation_type: str
    certificate_type: str
    change_management: bool = False
    secure_network: str | None = None
    sni_only: bool | None = None
    geography: str | None = None
    signature_algorithm: str | None = None
    network_configuration: dict[str, Any] = Field(default_factory=dict)
    org: dict[str, Any] | None = None
    admin_contact: dict[str, Any] | None = None
    tech_contact: dict[str, Any] | None = None
    assigned_slots: list[int] = Field(default_factory=list)
    staging_slots: list[int] = Field(default_factory=list)
    production_slots: list[int] = Field(default_factory=list)
    pending_changes: list[PendingChange] = Field(default_factory=list)

    @property
    def deployed(self) -> bool:
        return bool(self.production_slots)

    @classmethod
    def from_api(cls, doc: Mapping[str, Any], contract_id: str | None = None) -> Enrollment:
        location = str(doc.get("location") or "")
        raw_id = doc.get("id")
        if raw_id in (None, ""):
            raw_id = enrollment_id_from(location)
        csr = doc.get("csr") or {}
        net = dict(doc.get("networkConfiguration") or {})
        return cls(
            enrollment_id=int(raw_id),
            location=location or f"{BASE}/enrollments/{raw_id}",
            contract_id=contract_id,
            common_name=str(csr.get("cn") or ""),
            sans=list(csr.get("sans") or []),
            ra=str(doc.get("ra") or ""),
            validation_type=str(doc.get("validationType") or ""),
            certificate_type=str(doc.get("certificateType") or ""),
            change_management=bool(doc.get("changeManagement")),
            secure_network=net.get("secureNetwork"),
            sni_only=net.get("sniOnly"),
            geography=net.get("geography"),
            signature_algorithm=doc.get("signatureAlgorithm"),
            network_configuration=net,
            org=doc.get("org"),
            admin_contact=doc.get("adminContact"),
            tech_contact=doc.get("techContact"),
            assigned_slots=list(doc.get("assignedSlots") or []),
            staging_slots=list(doc.get("stagingSlots") or []),
            production_slots=list(doc.get("productionSlots") or []),
            pending_changes=[_pending(p) for p in doc.get("pendingChanges") or []],
        )


class AllowedInput(BaseModel):
    type: str
    info: str | None = None
    update: str | None = None
    required_to_proceed: bool = False


class ChangeStatus(BaseModel):
    """Where a change (new certificate, renewal, ...) is now."""

    enrollment_id: int
    change_id: int
    status: str = Field(description="CPS's status, e.g. coodinate-domain-validation, complete.")
    state: str = Field(description="running, awaiting-input, completed, error, ...")
    description: str | None = None
    error: dict[str, Any] | None = None
    allowed_input: list[AllowedInput] = Field(default_factory=list)
    deployment_schedule: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("completed", "cancelled") or self.status == "complete"

    @property
    def waiting_for_input(self) -> bool:
        return self.state == "awaiting-input"

    @property
    def validating_domains(self) -> bool:
        return self.status in DOMAIN_VALIDATION or self.offers("lets-encrypt-challenges")

    def offers(self, input_type: str) -> bool:
        return any(i.type == input_type for i in self.allowed_input)


class Challenge(BaseModel):
    type: str = Field(description="http-01 or dns-01.")
    status: str | None = None
    token: str | None = None
    response_body: str | None = Field(
        None, description="http-01: the content to serve; dns-01: the TXT record's value."
    )
    full_path: str | None = Field(
        None, description="http-01: the URL Let's Encrypt fetches; dns-01: the TXT record name."
    )
    redirect_full_path: str | None = Field(
        None, description="http-01: where Akamai serves the answer (redirect full_path here)."
    )
    error: str | None = None


class DomainValidation(BaseModel):
    domain: str
    status: str | None = Field(None, description="Pending, Valid, Invalid, Awaiting user, ...")
    validation_status: str | None = None
    error: str | None = None
    expires: str | None = None
    validated_timestamp: str | None = None
    challenges: list[Challenge] = Field(default_factory=list)

    @property
    def valid(self) -> bool:
        return (self.status or "").lower() == "valid"

    def challenge(self, kind: str) -> Challenge | None:
        return next((c for c in self.challenges if c.type == kind), None)


class EnrollmentCreated(BaseModel):
    enrollment_id: int
    change_id: int | None = None
    enrollment_location: str
    change_locations: list[str] = Field(default_factory=list)


class EnrollmentDeleted(BaseModel):
    enrollment_id: int
    accepted: bool = Field(
        description="True when CPS accepted the removal for later (a deployed certificate "
        "is taken off the network first); False when it was removed at once."
    )
    change_locations: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Helpers


def enrollment_id_from(location: str) -> int:
    m = _ENROLLMENT_IN.search(location or "")
    if not m:
        raise ValueError(f"no enrollment id in {location!r}")
    return int(m.group(1))


def change_id_from(location: str) -> int:
    m = _CHANGE_IN.search(location or "")
    if not m:
        raise ValueError(f"no change id in {location!r}")
    return int(m.group(1))


def _pending(item: Any) -> PendingChange:
    if isinstance(item, str):
        return PendingChange(change_id=change_id_from(item), location=item)
    location = str(item.get("location") or "")
    return PendingChange(
        change_id=change_id_from(location), change_type=item.get("changeType"), location=location
    )


def normalize_contract(value: str) -> str:
    """`ctr_1-5SBXC1` or `1-5SBXC1` -> `1-5SBXC1` (CPS takes contracts without the prefix)."""
    text = str(value).strip()
    text = text[4:] if text.lower().startswith("ctr_") else text
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-_.]*", text or "-"):
        raise CpsInputError("contract_id", f"{value!r} is not a contract id", "ctr_1-ABC or 1-ABC")
    return text


def normalize_hostname(value: str, field: str, *, wildcard: bool = False) -> str:
    """`https://WWW.Example.com/x` -> `www.example.com`; raises CpsInputError naming `field`."""
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", str(value).strip(), flags=re.I)
    text = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].lower().rstrip(".")
    bare = text[2:] if text.startswith("*.") else text
    if text.startswith("*.") and not wildcard:
        raise CpsInputError(
            field,
            f"{value!r} is a wildcard; Let's Encrypt DV certificates from CPS can't hold "
            "wildcard names",
            "hostnames like www.example.com (use an OV/EV or third-party enrollment for wildcards)",
        )
    if len(bare) > 253 or not _HOSTNAME.match(bare):
        raise CpsInputError(field, f"{value!r} is not a hostname", "like www.example.com")
    return text


def certificate_names(common_name: str, sans: Iterable[str]) -> tuple[str, list[str]]:
    """The checked common name and SAN list (CN first, no duplicates, at most 100)."""
    cn = normalize_hostname(common_name, "common_name")
    names = [cn]
    for i, san in enumerate(sans):
        name = normalize_hostname(san, f"sans[{i}]")
        if name not in names:
            names.append(name)
    if len(names) > MAX_NAMES:
        raise CpsInputError(
            "sans", f"{len(names)} names; one certificate holds at most {MAX_NAMES}"
        )
    return cn, names


def dv_enrollment_body(
    *,
    common_name: str,
    sans: Sequence[str] = (),
    admin_contact: Mapping[str, Any],
    tech_contact: Mapping[str, Any],
    org: Mapping[str, Any],
    secure_network: str = "enhanced-tls",
    sni_only: bool = True,
    geography: str = "core",
    quic_enabled: bool = False,
    must_have_ciphers: str = DEFAULT_CIPHERS,
    preferred_ciphers: str = DEFAULT_CIPHERS,
    disallowed_tls_versions: Sequence[str] = DEFAULT_DISALLOWED_TLS,
    ocsp_stapling: str = "on",
    clone_dns_names: bool = True,
    change_management: bool = False,
    csr_location: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """A Let's Encrypt DV SAN enrollment (enrollment.v11). Contacts and org use CPS's
    camelCase member names (`firstName`, `addressLineOne`, ...)."""
    cn, names = certificate_names(common_name, sans)
    csr: dict[str, Any] = {"cn": cn, "sans": names}
    location = dict(csr_location or {})
    for key, value in (
        ("c", location.get("c") or org.get("country")),
        ("st", location.get("st") or org.get("region")),
        ("l", location.get("l") or org.get("city")),
        ("o", location.get("o") or org.get("name")),
        ("ou", location.get("ou")),
    ):
        if value:
            csr[key] = value
    return {
        "ra": "lets-encrypt",
        "validationType": "dv",
        "certificateType": "san",
        "certificateChainType": "default",
        "signatureAlgorithm": "SHA-256",
        "changeManagement": change_management,
        "enableMultiStackedCertificates": False,
        "csr": csr,
        "networkConfiguration": {
            "geography": geography,
            "secureNetwork": secure_network,
            "sniOnly": sni_only,
            "quicEnabled": quic_enabled,
            "mustHaveCiphers": must_have_ciphers,
            "preferredCiphers": preferred_ciphers,
            "disallowedTlsVersions": list(disallowed_tls_versions),
            "ocspStapling": ocsp_stapling,
            "dnsNameSettings": {"cloneDnsNames": clone_dns_names, "dnsNames": names},
        },
        "org": dict(org),
        "adminContact": dict(admin_contact),
        "techContact": dict(tech_contact),
    }


# ---------------------------------------------------------------------------------------------
# The client


class CpsClient(ServiceClient):
    """CPS for one .edgerc section (and optionally another account)."""

    base_path = BASE
    api_family = "cps"

    async def _call_media(
        self,
        method: str,
        path: str,
        *,
        accept: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content_type: str | None = None,
    ) -> httpx2.Response:
        """A call with CPS's versioned media types (`MEDIA` keys) for Accept and Content-Type."""
        headers = {"Accept": MEDIA[accept]}
        if content_type is not None:
            headers["Content-Type"] = MEDIA[content_type]
        return await self._call(method, path, params=params, json=json, headers=headers)

    async def list_enrollments(self, contract_id: str) -> list[Enrollment]:
        contract = normalize_contract(contract_id)
        resp = await self._call_media(
            "GET", "/enrollments", accept="enrollments", params={"contractId": contract}
        )
        return [
            Enrollment.from_api(e, contract_id=f"ctr_{contract}")
            for e in resp.json().get("enrollments", [])
        ]

    async def get_enrollment(self, enrollment_id: int) -> Enrollment:
        resp = await self._call_media(
            "GET", f"/enrollments/{int(enrollment_id)}", accept="enrollment"
        )
        return Enrollment.from_api(resp.json())

    async def create_enrollment(
        self,
        contract_id: str,
        body: Mapping[str, Any],
        *,
        deploy_not_before: str | None = None,
        deploy_not_after: str | None = None,
    ) -> EnrollmentCreated:
        params: dict[str, Any] = {"contractId": normalize_contract(contract_id)}
        if deploy_not_before:
            params["deploy-not-before"] = deploy_not_before
        if deploy_not_after:
            params["deploy-not-after"] = deploy_not_after

        async def write() -> EnrollmentCreated:
            resp = await self._call_media(
                "POST",
                "/enrollments",
                accept="enrollment-status",
                content_type="enrollment",
                params=params,
                json=dict(body),
            )
            doc = resp.json() if resp.content else {}
            location = str(doc.get("enrollment") or resp.headers.get("location") or "")
            changes = [str(c) for c in doc.get("changes") or []]
            return EnrollmentCreated(
                enrollment_id=enrollment_id_from(location),
                change_id=change_id_from(changes[-1]) if changes else None,
                enrollment_location=location,
                change_locations=changes,
            )

        csr = body.get("csr")
        common_name = str(csr.get("cn", "")).lower() if isinstance(csr, Mapping) else ""

        async def check() -> tuple[bool | None, EnrollmentCreated | None]:
            # Found by common name (one enrollment per certificate name).
            if not common_name:
                return None, None
            found = [
                e
                for e in await self.list_enrollments(contract_id)
                if e.common_name.lower() == common_name
            ]
            if len(found) != 1:
                return (False, None) if not found else (None, None)
            enrollment = found[0]
            changes = [c.location for c in enrollment.pending_changes]
            return True, EnrollmentCreated(
                enrollment_id=enrollment.enrollment_id,
                change_id=enrollment.pending_changes[-1].change_id if changes else None,
                enrollment_location=enrollment.location,
                change_locations=changes,
            )

        return await reconcile(
            write,
            check,
            what=f"enrollment for {common_name or 'a certificate'}",
            how_to_check=f"certificate-enrollment-list for contract {contract_id}",
        )

    async def delete_enrollment(
        self, enrollment_id: int, *, allow_cancel_pending_changes: bool = False
    ) -> EnrollmentDeleted:
        params = {"allow-cancel-pending-changes": "true"} if allow_cancel_pending_changes else {}
        resp = await self._call_media(
            "DELETE",
            f"/enrollments/{int(enrollment_id)}",
            accept="enrollment-status",
            params=params,
        )
        doc = resp.json() if resp.content else {}
        return EnrollmentDeleted(
            enrollment_id=int(enrollment_id),
            accepted=resp.status_code == 202,
            change_locations=[str(c) for c in doc.get("changes") or []],
        )

    async def get_change(self, enrollment_id: int, change_id: int) -> ChangeStatus:
        resp = await self._call_media(
            "GET", f"/enrollments/{int(enrollment_id)}/changes/{int(change_id)}", accept="change"
        )
        doc = resp.json()
        info = doc.get("statusInfo") or {}
        return ChangeStatus(
            enrollment_id=int(enrollment_id),
            change_id=int(change_id),
            status=str(info.get("status") or ""),
            state=str(info.get("state") or ""),
            description=info.get("description"),
            error=info.get("error") or None,
            deployment_schedule=info.get("deploymentSchedule"),
            allowed_input=[
                AllowedInput(
                    type=str(i.get("type") or ""),
                    info=i.get("info"),
                    update=i.get("update"),
                    required_to_proceed=bool(i.get("requiredToProceed")),
                )
                for i in doc.get("allowedInput") or []
            ],
        )

    async def get_dv_challenges(self, enrollment_id: int, change_id: int) -> list[DomainValidation]:
        """Let's Encrypt's challenges for each domain of a DV change (dv-challenges.v2)."""
        path = (
            f"/enrollments/{int(enrollment_id)}/changes/{int(change_id)}"
            "/input/info/lets-encrypt-challenges"
        )
        doc = (await self._call_media("GET", path, accept="dv-challenges")).json()
        out = []
        for entry in doc.get("dv") or []:
            out.append(
                DomainValidation(
                    domain=str(entry.get("domain") or ""),
                    status=entry.get("status"),
                    validation_status=entry.get("validationStatus"),
                    error=entry.get("error"),
                    expires=entry.get("expires"),
                    validated_timestamp=entry.get("validatedTimestamp"),
                    challenges=[
                        Challenge(
                            type=str(c.get("type") or ""),
                            status=c.get("status"),
                            token=c.get("token"),
                            response_body=c.get("responseBody"),
                            full_path=c.get("fullPath"),
                            redirect_full_path=c.get("redirectFullPath") or None,
                            error=c.get("error"),
                        )
                        for c in entry.get("challenges") or []
                    ],
                )
            )
        return out

    # -- dry-run plans (read only: see alecs/akamai/plan.py) ------------------------------------

    async def plan_create_enrollment(
        self, contract_id: str, body: Mapping[str, Any], *, allow_duplicate: bool = False
    ) -> WritePlan:
        """The enrollment that would be ordered, and the enrollments with its common name."""
        contract = normalize_contract(contract_id)
        csr = dict(body.get("csr") or {})
        cn = str(csr.get("cn") or "")
        existing = [
            e.enrollment_id for e in await self.list_enrollments(contract) if e.common_name == cn
        ]
        errors = (
            [f"enrollment {existing[0]} on {contract} already has common name {cn}"]
            if existing and not allow_duplicate
            else []
        )
        net = dict(body.get("networkConfiguration") or {})
        after = {
            "common_name": cn,
            "sans": list(csr.get("sans") or []),
            "validation_type": body.get("validationType"),
            "ra": body.get("ra"),
            "secure_network": net.get("secureNetwork"),
            "sni_only": net.get("sniOnly"),
            "geography": net.get("geography"),
        }
        return WritePlan(
            operation=f"order a {body.get('validationType', '').upper()} certificate for {cn} "
            f"({len(after['sans'])} names) on contract {contract}",
            target={"contract_id": contract, "common_name": cn},
            changes=[PlanChange(action="create", target=f"enrollment for {cn}", after=after)],
            requests=[plan_request("POST", f"{self.base_path}/enrollments", dict(body))],
            details={"already_exists": bool(existing), "existing_ids": existing},
            errors=errors,
            warnings=[f"enrollments with common name {cn} exist: {existing}"]
            if existing and allow_duplicate
            else [],
            would_change=not errors,
        )

    async def plan_delete_enrollment(
        self, enrollment_id: int, *, allow_cancel_pending_changes: bool = False
    ) -> WritePlan:
        """The enrollment that would be removed; refused with pending changes unless allowed."""
        enrollment = await self.get_enrollment(enrollment_id)
        errors = []
        pending = [p.change_id for p in enrollment.pending_changes]
        if pending and not allow_cancel_pending_changes:
            errors.append(
                f"enrollment {enrollment_id} has pending changes {pending}: CPS refuses unless "
                "they are cancelled (cancel_pending_changes)"
            )
        warnings = (
            [
                f"the certificate is deployed (production slots {enrollment.production_slots}): "
                "HTTPS for its hostnames fails unless another certificate covers them"
            ]
            if enrollment.deployed
            else []
        )
        return WritePlan(
            operation=f"remove enrollment {enrollment_id} ({enrollment.common_name})",
            target={"enrollment_id": int(enrollment_id), "common_name": enrollment.common_name},
            changes=[
                PlanChange(
                    action="delete",
                    target=f"enrollment {enrollment_id}",
                    before={
                        "common_name": enrollment.common_name,
                        "sans": enrollment.sans,
                        "deployed": enrollment.deployed,
                    },
                )
            ],
            requests=[plan_request("DELETE", f"{self.base_path}/enrollments/{int(enrollment_id)}")],
            details={
                "pending_changes": pending,
                "cancels_pending_changes": bool(pending) and allow_cancel_pending_changes,
                "deployed": enrollment.deployed,
            },
            errors=errors,
            warnings=warnings,
            would_change=not errors,
        )
