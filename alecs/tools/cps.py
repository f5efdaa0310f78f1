"""Certificate (CPS) tools: enrollments, change status with DV challenges, DV enrollment
creation and removal.

Thin by design: each tool checks its arguments, calls `alecs.akamai.cps.CpsClient` and shapes
the answer. For a Let's Encrypt DV change, `certificate-enrollment-status` says what to publish
for each domain (the HTTP redirect or the DNS TXT record) and, when the domain's zone is in Edge
DNS on the same account, the exact `dns-record-upsert` arguments that answer the challenge.
Contracts may be given as `ctr_1-ABC` or `1-ABC`, and are looked up when the account has one.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from alecs.akamai.cps import (
    DEFAULT_DISALLOWED_TLS,
    ChangeStatus,
    CpsClient,
    DomainValidation,
    Enrollment,
    PendingChange,
    certificate_names,
    dv_enrollment_body,
    normalize_contract,
)
from alecs.akamai.edgedns import EdgeDnsClient, relative_name, zone_for
from alecs.akamai.papi import PapiClient
from alecs.akamai.waiting import cps_change_progress
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    ContractArg,
    Ctx,
    Customer,
    InputError,
    ToolOutput,
    confirmation,
    service,
    tool,
)
from alecs.tools.dryrun import in_dry_run
from alecs.tools.waits import DEFAULT_WAIT_S, NextCall, WaitSeconds, bounded_wait, continue_call
from alecs.transport.errors import AkamaiApiError

CHALLENGE_TTL = 60

# --------------------------------------------------------------------------- argument types

EnrollmentIdArg = Annotated[
    int,
    Field(ge=1, description="The enrollment id (certificate-enrollment-list shows them)."),
]


class ContactInput(BaseModel):
    """A person CPS and the certificate authority may contact."""

    first_name: str = Field(min_length=1, max_length=64)
    last_name: str = Field(min_length=1, max_length=64)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    phone: str = Field(min_length=3, max_length=40)
    title: str | None = Field(None, max_length=64)
    organization_name: str | None = Field(None, max_length=128)
    address_line_one: str | None = Field(None, max_length=128)
    address_line_two: str | None = Field(None, max_length=128)
    city: str | None = Field(None, max_length=64)
    region: str | None = Field(None, max_length=64)
    postal_code: str | None = Field(None, max_length=32)
    country: str | None = Field(None, max_length=64)

    def to_api(self) -> dict[str, Any]:
        return _camel(self.model_dump())


class OrgInput(BaseModel):
    """The organization named in the certificate request."""

    name: str = Field(min_length=1, max_length=128)
    address_line_one: str = Field(min_length=1, max_length=128)
    address_line_two: str | None = Field(None, max_length=128)
    city: str = Field(min_length=1, max_length=64)
    region: str = Field(min_length=1, max_length=64, description="State or province.")
    postal_code: str = Field(min_length=1, max_length=32)
    country: str = Field(pattern=r"^[A-Za-z]{2}$", description="Two-letter code, e.g. US.")
    phone: str = Field(min_length=3, max_length=40)

    def to_api(self) -> dict[str, Any]:
        out = _camel(self.model_dump())
        out["country"] = out["country"].upper()
        return out


def _camel(data: dict[str, Any]) -> dict[str, Any]:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(p.title() for p in rest)

    return {camel(k): v for k, v in data.items() if v is not None}


# --------------------------------------------------------------------------- helpers


def _cps(ctx: Ctx, customer: str | None, account_switch_key: str | None) -> CpsClient:
    return service(ctx, CpsClient, customer, account_switch_key)


async def _contracts(
    ctx: Ctx, contract_id: str | None, customer: str | None, account_switch_key: str | None
) -> list[str]:
    """The contract(s) a call covers: the one given, else every contract of the account."""
    if contract_id:
        return [normalize_contract(contract_id)]
    papi = service(ctx, PapiClient, customer, account_switch_key)
    try:
        contracts = await papi.list_contracts()
    except AkamaiApiError as exc:
        why = f"{exc.status} {exc.title or ''}".strip() + (f": {exc.detail}" if exc.detail else "")
        raise InputError(
            "contract_id",
            f"required: the account's contracts could not be listed ({why})",
            allowed="ctr_1-ABC or 1-ABC",
        ) from None
    if not contracts:
        raise InputError("contract_id", "required: the account lists no contracts")
    return [normalize_contract(c.contract_id) for c in contracts]


class EnrollmentSummary(BaseModel):
    enrollment_id: int
    contract_id: str | None = None
    common_name: str
    sans: list[str]
    validation_type: str
    ra: str
    certificate_type: str
    secure_network: str | None = None
    sni_only: bool | None = None
    deployed: bool = Field(description="A certificate is on the production network.")
    pending_changes: list[PendingChange]


def _summary(e: Enrollment) -> EnrollmentSummary:
    return EnrollmentSummary(
        enrollment_id=e.enrollment_id,
        contract_id=e.contract_id,
        common_name=e.common_name,
        sans=e.sans,
        validation_type=e.validation_type,
        ra=e.ra,
        certificate_type=e.certificate_type,
        secure_network=e.secure_network,
        sni_only=e.sni_only,
        deployed=e.deployed,
        pending_changes=e.pending_changes,
    )


def _enrollment_line(e: EnrollmentSummary | Enrollment) -> str:
    pending = ", ".join(
        f"change {p.change_id} ({p.change_type or 'change'})" for p in e.pending_changes
    )
    state = "deployed" if e.deployed else "not deployed"
    names = len(e.sans) or 1
    return (
        f"{e.enrollment_id} {e.common_name} (+{names - 1} SAN) {e.validation_type.upper()} "
        f"{e.ra}, {e.secure_network}, {state}" + (f"; pending: {pending}" if pending else "")
    )


# --------------------------------------------------------------------------- output models


class EnrollmentList(ToolOutput):
    contract_ids: list[str]
    enrollments: list[EnrollmentSummary]
    total: int

    def summary(self) -> str:
        lines = [f"{self.total} enrollment(s) on {', '.join(self.contract_ids)}:"]
        lines += [f"- {_enrollment_line(e)}" for e in self.enrollments]
        return "\n".join(lines)


class EnrollmentDetail(ToolOutput):
    enrollment: Enrollment
    pending: list[ChangeStatus] = Field(
        default_factory=list, description="Status of each pending change."
    )

    def summary(self) -> str:
        e = self.enrollment
        lines = [_enrollment_line(e), f"names: {', '.join(e.sans)}"]
        for c in self.pending:
            lines.append(f"change {c.change_id}: {c.status} ({c.state}) {c.description or ''}")
        if self.pending:
            lines.append("details: certificate-enrollment-status")
        return "\n".join(lines)


class DnsAnswer(BaseModel):
    """A TXT record that answers the dns-01 challenge of one or more domains."""

    record_name: str = Field(description="e.g. _acme-challenge.www.example.com")
    record_type: Literal["TXT"] = "TXT"
    values: list[str] = Field(description="TXT value(s); one per domain validated by this name.")
    domains: list[str]
    zone: str | None = Field(None, description="The Edge DNS zone holding the name, if any.")
    dns_record_upsert: dict[str, Any] | None = Field(
        None, description="Arguments for dns-record-upsert that publish this record."
    )


class HttpAnswer(BaseModel):
    """The http-01 answer for one domain: a redirect (or the content) at `url`."""

    domain: str
    url: str = Field(description="Where Let's Encrypt looks.")
    redirect_to: str | None = Field(
        None, description="Redirect url here (Akamai serves the answer there)."
    )
    content: str | None = Field(None, description="Or serve exactly this at url.")


class EnrollmentStatus(ToolOutput):
    enrollment_id: int
    common_name: str
    change_id: int | None = Field(None, description="The change reported (null: none pending).")
    change_type: str | None = None
    status: str | None = Field(None, description="CPS's status, e.g. coodinate-domain-validation.")
    state: str | None = Field(None, description="running, awaiting-input, completed, ...")
    description: str | None = None
    error: dict[str, Any] | None = None
    finished: bool = Field(description="The change is complete (or there is none).")
    waiting_for_input: bool = False
    allowed_input: list[str] = Field(default_factory=list)
    domains: list[DomainValidation] = Field(
        default_factory=list, description="DV: each domain's validation and challenges."
    )
    dns_answers: list[DnsAnswer] = Field(default_factory=list)
    http_answers: list[HttpAnswer] = Field(default_factory=list)
    next_step: str
    progress: float = Field(
        default=100.0,
        description="0-100 from CPS's status (generate-csr 10 ... deploy-cert-to-production 80); "
        "100 only when complete.",
    )
    next_call: NextCall | None = Field(
        default=None,
        description="While the change runs on its own: the exact call that continues waiting.",
    )
    notes: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        if self.change_id is None:
            return f"enrollment {self.enrollment_id} ({self.common_name}): {self.next_step}"
        lines = [
            f"enrollment {self.enrollment_id} ({self.common_name}), change {self.change_id} "
            f"({self.change_type or 'change'}): {self.status} [{self.state}] "
            f"{self.description or ''}".rstrip()
        ]
        if self.error:
            lines.append(f"error: {self.error}")
        for d in self.domains:
            lines.append(f"- {d.domain}: {d.status}")
        for a in self.dns_answers:
            where = f" (Edge DNS zone {a.zone})" if a.zone else " (not in Edge DNS)"
            lines.append(f"DNS: TXT {a.record_name} = {', '.join(a.values)}{where}")
            if a.dns_record_upsert:
                lines.append(f"  dns-record-upsert {json.dumps(a.dns_record_upsert)}")
        for h in self.http_answers:
            lines.append(f"HTTP: {h.url} -> redirect to {h.redirect_to}")
        lines.append(self.next_step)
        lines += self.notes
        return "\n".join(lines)


class DvEnrollmentCreated(ToolOutput):
    enrollment_id: int
    change_id: int | None
    contract_id: str
    common_name: str
    sans: list[str]
    status: str | None = None
    state: str | None = None
    next_step: str

    def summary(self) -> str:
        return (
            f"created DV enrollment {self.enrollment_id} for {self.common_name} "
            f"({len(self.sans)} name(s)) on {self.contract_id}; change {self.change_id}: "
            f"{self.status or 'submitted'}\n{self.next_step}"
        )


class EnrollmentRemoved(ToolOutput):
    enrollment_id: int
    common_name: str | None = None
    accepted: bool = Field(
        description="True: CPS takes the deployed certificate off the network first."
    )
    message: str

    def summary(self) -> str:
        return self.message


# --------------------------------------------------------------------------- DV answers


async def _edge_dns_zones(dns: EdgeDnsClient, notes: list[str]) -> list[str]:
    try:
        return await dns.zone_names()
    except AkamaiApiError as exc:
        notes.append(
            f"Edge DNS zones could not be listed ({exc.status} {exc.title or ''}); "
            "publish the TXT records wherever the domains' DNS is hosted."
        )
        return []


async def _answers(
    ctx: Ctx,
    domains: list[DomainValidation],
    customer: str | None,
    account_switch_key: str | None,
    notes: list[str],
) -> tuple[list[DnsAnswer], list[HttpAnswer]]:
    grouped: dict[str, DnsAnswer] = {}
    http: list[HttpAnswer] = []
    for d in domains:
        if d.valid:
            continue
        dns_ch = d.challenge("dns-01")
        if dns_ch is not None and dns_ch.response_body:
            record = (dns_ch.full_path or f"_acme-challenge.{d.domain}").rstrip(".").lower()
            answer = grouped.setdefault(
                record, DnsAnswer(record_name=record, values=[], domains=[])
            )
            if dns_ch.response_body not in answer.values:
                answer.values.append(dns_ch.response_body)
            answer.domains.append(d.domain)
        http_ch = d.challenge("http-01")
        if http_ch is not None and http_ch.full_path:
            http.append(
                HttpAnswer(
                    domain=d.domain,
                    url=http_ch.full_path,
                    redirect_to=http_ch.redirect_full_path,
                    content=http_ch.response_body,
                )
            )
    if grouped:
        dns = service(ctx, EdgeDnsClient, customer, account_switch_key)
        zones = await _edge_dns_zones(dns, notes)
        for answer in grouped.values():
            zone = zone_for(answer.record_name, zones)
            if zone is None:
                continue
            answer.zone = zone
            answer.dns_record_upsert = {
                "zone": zone,
                "name": relative_name(answer.record_name, zone),
                "type": "TXT",
                "ttl": CHALLENGE_TTL,
                "rdata": list(answer.values),
            }
            if customer:
                answer.dns_record_upsert["customer"] = customer
            if account_switch_key:
                answer.dns_record_upsert["account_switch_key"] = account_switch_key
    return list(grouped.values()), http


def _next_step(change: ChangeStatus, domains: list[DomainValidation]) -> str:
    if change.finished:
        return "The change is complete: the certificate is deployed."
    if change.state == "error" or change.error:
        return "The change failed; see error. Fix the cause, or ask Akamai support."
    if change.validating_domains:
        pending = [d.domain for d in domains if not d.valid]
        if not pending and domains:
            return (
                "Every domain is validated; CPS continues by itself. Check again with "
                "certificate-enrollment-status (wait: true to follow it)."
            )
        return (
            f"Prove control of {len(pending) or 'each'} domain(s): publish the DNS TXT record "
            "(dns_answers; for zones in Edge DNS run the dns-record-upsert given) or redirect "
            "the HTTP URL (http_answers). CPS checks periodically; then call "
            "certificate-enrollment-status again (wait: true to follow it to deployment)."
        )
    if change.waiting_for_input:
        needed = ", ".join(i.type for i in change.allowed_input) or "input"
        return f"CPS waits for input: {needed} (see allowed_input)."
    return (
        "CPS is working on it. Check again with certificate-enrollment-status "
        "(wait: true to follow it with progress)."
    )


# --------------------------------------------------------------------------- confirmation


def _ask_delete(enrollment_id: int, cancel_pending_changes: bool) -> str:
    extra = " and cancel its pending changes" if cancel_pending_changes else ""
    return (
        f"Remove CPS enrollment {enrollment_id}{extra}? If its certificate is deployed, Akamai "
        "takes it off the network: HTTPS for its hostnames fails unless another certificate "
        "covers them. This cannot be undone."
    )


# --------------------------------------------------------------------------- tools


@tool(
    "certificate-enrollment-list", toolset="cps", kind="read", title="List certificate enrollments"
)
async def certificate_enrollment_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    common_name: Annotated[
        str | None,
        Field(description="Only enrollments whose names contain this.", max_length=253),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> EnrollmentList:
    """List CPS certificate enrollments of a contract (or of every contract when
    omitted): id, common name and SANs, DV/OV/EV/third-party, network, whether deployed,
    and pending changes. Use to find the enrollment id the other certificate tools need."""
    contracts = await _contracts(ctx, contract_id, customer, account_switch_key)
    cps = _cps(ctx, customer, account_switch_key)
    found: list[EnrollmentSummary] = []
    for contract in contracts:
        found += [_summary(e) for e in await cps.list_enrollments(contract)]
    if common_name:
        needle = common_name.strip().lower()
        found = [e for e in found if any(needle in n for n in [e.common_name, *e.sans])]
    return EnrollmentList(
        contract_ids=[f"ctr_{c}" for c in contracts], enrollments=found, total=len(found)
    )


@tool(
    "certificate-enrollment-get", toolset="cps", kind="read", title="Get a certificate enrollment"
)
async def certificate_enrollment_get(
    ctx: Ctx,
    enrollment_id: EnrollmentIdArg,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> EnrollmentDetail:
    """An enrollment in full: names, validation and certificate type, network settings
    (enhanced/standard TLS, SNI, ciphers, TLS versions), org and contacts, deployment
    slots, and the status of each pending change."""
    cps = _cps(ctx, customer, account_switch_key)
    enrollment = await cps.get_enrollment(enrollment_id)
    pending = [await cps.get_change(enrollment_id, p.change_id) for p in enrollment.pending_changes]
    return EnrollmentDetail(enrollment=enrollment, pending=pending)


@tool(
    "certificate-enrollment-status",
    toolset="cps",
    kind="read",
    title="Certificate change status and DV steps",
)
async def certificate_enrollment_status(
    ctx: Ctx,
    enrollment_id: EnrollmentIdArg,
    change_id: Annotated[
        int | None, Field(ge=1, description="A change; omit for the latest pending one.")
    ] = None,
    wait: Annotated[
        bool,
        Field(
            description="Keep checking (with progress) until the change completes, needs "
            "input only you can give, or the timeout passes."
        ),
    ] = False,
    timeout_s: WaitSeconds = DEFAULT_WAIT_S,
    poll_interval_s: Annotated[
        float, Field(ge=1, le=600, description="Seconds between checks while waiting.")
    ] = 30,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> EnrollmentStatus:
    """Where an enrollment's current change is (CSR, domain validation, deployment,
    complete) and what it waits for. For Let's Encrypt DV it lists each domain's
    validation with the HTTP and DNS challenges: the TXT record to publish (and, for zones
    in Edge DNS, the dns-record-upsert arguments that publish it) or the URL to redirect."""
    cps = _cps(ctx, customer, account_switch_key)
    enrollment = await cps.get_enrollment(enrollment_id)
    change_type = None
    if change_id is None:
        if not enrollment.pending_changes:
            state = "deployed" if enrollment.deployed else "not deployed"
            return EnrollmentStatus(
                enrollment_id=enrollment_id,
                common_name=enrollment.common_name,
                finished=True,
                next_step=f"No pending change; the certificate is {state}.",
            )
        latest = enrollment.pending_changes[-1]
        change_id, change_type = latest.change_id, latest.change_type
    else:
        change_type = next(
            (p.change_type for p in enrollment.pending_changes if p.change_id == change_id),
            None,
        )
    cid = change_id
    change = await cps.get_change(enrollment_id, cid)

    def stops(c: ChangeStatus) -> bool:
        return (
            c.finished
            or c.state in ("error", "cancelled", "suspended")
            or any(i.required_to_proceed for i in c.allowed_input)
        )

    if wait and not change.finished:
        outcome = await bounded_wait(
            ctx,
            lambda: cps.get_change(enrollment_id, cid),
            done=stops,
            progress_of=lambda c: cps_change_progress(c.status),
            describe=lambda c: f"{c.status} ({c.state})",
            timeout_s=timeout_s,
            interval_s=poll_interval_s,
        )
        change = outcome.state
    next_call = None
    if not stops(change):
        next_call = continue_call(
            "certificate-enrollment-status",
            enrollment_id=enrollment_id,
            change_id=cid,
            wait=True,
            customer=customer,
            account_switch_key=account_switch_key,
        )
    domains: list[DomainValidation] = []
    if change.offers("lets-encrypt-challenges"):
        domains = await cps.get_dv_challenges(enrollment_id, cid)
    notes: list[str] = []
    dns_answers, http_answers = await _answers(ctx, domains, customer, account_switch_key, notes)
    return EnrollmentStatus(
        enrollment_id=enrollment_id,
        common_name=enrollment.common_name,
        change_id=cid,
        change_type=change_type,
        status=change.status,
        state=change.state,
        description=change.description,
        error=change.error,
        finished=change.finished,
        waiting_for_input=change.waiting_for_input,
        allowed_input=[i.type for i in change.allowed_input],
        domains=domains,
        dns_answers=dns_answers,
        http_answers=http_answers,
        next_step=_next_step(change, domains),
        next_call=next_call,
        progress=100.0 if change.finished else cps_change_progress(change.status),
        notes=notes,
    )


@tool(
    "certificate-dv-enrollment-create",
    toolset="cps",
    kind="write",
    title="Create a DV SAN certificate",
)
async def certificate_dv_enrollment_create(
    ctx: Ctx,
    common_name: Annotated[
        str, Field(description="The certificate's common name, e.g. www.example.com.")
    ],
    admin_contact: Annotated[ContactInput, Field(description="Your certificate admin.")],
    tech_contact: Annotated[
        ContactInput, Field(description="The technical contact (usually at Akamai).")
    ],
    org: Annotated[OrgInput, Field(description="Your organization.")],
    sans: Annotated[
        list[str] | None,
        Field(
            max_length=99,
            description="More hostnames on the certificate (the common name is added). "
            "No wildcards: Let's Encrypt DV via CPS doesn't issue them.",
        ),
    ] = None,
    contract_id: ContractArg = None,
    secure_network: Annotated[
        Literal["enhanced-tls", "standard-tls"],
        Field(description="enhanced-tls (PCI-capable, recommended) or standard-tls."),
    ] = "enhanced-tls",
    sni_only: Annotated[
        bool, Field(description="Serve only to SNI clients (can't change later).")
    ] = True,
    geography: Annotated[
        Literal["core", "china+core", "russia+core"],
        Field(
            description="Where the certificate is deployed: core (worldwide) or also "
            "China / Russia (needs those contracts)."
        ),
    ] = "core",
    quic_enabled: Annotated[bool, Field(description="Allow HTTP/3 (QUIC).")] = False,
    disallowed_tls_versions: Annotated[
        list[Literal["TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3"]] | None,
        Field(description="TLS versions to refuse (default TLSv1 and TLSv1_1)."),
    ] = None,
    change_management: Annotated[
        bool,
        Field(description="Stop before production deployment until acknowledged in CPS."),
    ] = False,
    allow_duplicate: Annotated[
        bool,
        Field(description="Create even if an enrollment with this common name exists."),
    ] = False,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> DvEnrollmentCreated:
    """Order a Let's Encrypt DV SAN certificate in CPS (a new enrollment). Hostnames are
    checked first; an enrollment with the same common name on the contract is reported
    instead of duplicated. CPS then generates the CSR and asks Let's Encrypt for domain
    challenges: follow with certificate-enrollment-status, which says what to publish.
    Once validated, CPS deploys the certificate to staging and production by itself."""
    cn, names = certificate_names(common_name, sans or [])
    contracts = await _contracts(ctx, contract_id, customer, account_switch_key)
    if len(contracts) > 1:
        raise InputError(
            "contract_id",
            "this account has several contracts; say which one",
            allowed=contracts,
        )
    contract = contracts[0]
    cps = _cps(ctx, customer, account_switch_key)
    if not allow_duplicate:
        for e in await cps.list_enrollments(contract):
            if e.common_name == cn:
                raise InputError(
                    "common_name",
                    f"enrollment {e.enrollment_id} on {contract} already has common name "
                    f"{cn} (see certificate-enrollment-get); set allow_duplicate to create "
                    "another",
                )
    body = dv_enrollment_body(
        common_name=cn,
        sans=names,
        admin_contact=admin_contact.to_api(),
        tech_contact=tech_contact.to_api(),
        org=org.to_api(),
        secure_network=secure_network,
        sni_only=sni_only,
        geography=geography,
        quic_enabled=quic_enabled,
        disallowed_tls_versions=(
            DEFAULT_DISALLOWED_TLS if disallowed_tls_versions is None else disallowed_tls_versions
        ),
        change_management=change_management,
    )
    if in_dry_run():
        return await cps.plan_create_enrollment(contract, body, allow_duplicate=allow_duplicate)
    created = await cps.create_enrollment(contract, body)
    status = None
    if created.change_id is not None:
        status = await cps.get_change(created.enrollment_id, created.change_id)
    return DvEnrollmentCreated(
        enrollment_id=created.enrollment_id,
        change_id=created.change_id,
        contract_id=f"ctr_{contract}",
        common_name=cn,
        sans=names,
        status=status.status if status else None,
        state=status.state if status else None,
        next_step=(
            f"Call certificate-enrollment-status with enrollment_id={created.enrollment_id} "
            "for the Let's Encrypt challenges (ready once the CSR is generated, usually "
            "within minutes)."
        ),
    )


@tool(
    "certificate-enrollment-delete",
    toolset="cps",
    kind="destructive",
    title="Remove a certificate enrollment",
)
async def certificate_enrollment_delete(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_delete)],
    enrollment_id: EnrollmentIdArg,
    cancel_pending_changes: Annotated[
        bool, Field(description="Also cancel pending changes (CPS refuses otherwise).")
    ] = False,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> EnrollmentRemoved:
    """Remove a CPS enrollment. Asks the user first. A deployed certificate is taken off
    the network (HTTPS for its hostnames fails unless another certificate covers them).
    With pending changes, CPS refuses unless cancel_pending_changes is true."""
    cps = _cps(ctx, customer, account_switch_key)
    if in_dry_run():
        return await cps.plan_delete_enrollment(
            enrollment_id, allow_cancel_pending_changes=cancel_pending_changes
        )
    enrollment = await cps.get_enrollment(enrollment_id)
    result = await cps.delete_enrollment(
        enrollment_id, allow_cancel_pending_changes=cancel_pending_changes
    )
    if result.accepted:
        message = (
            f"CPS accepted the removal of enrollment {enrollment_id} "
            f"({enrollment.common_name}); the certificate is being taken off the network."
        )
    else:
        message = f"Removed enrollment {enrollment_id} ({enrollment.common_name})."
    return EnrollmentRemoved(
        enrollment_id=enrollment_id,
        common_name=enrollment.common_name,
        accepted=result.accepted,
        message=message,
    )
