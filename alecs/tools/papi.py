"""Property Manager tools: contracts, groups, products, properties, versions, rule trees,
hostnames, activations, edge hostnames and CP codes.

Thin by design: each tool validates its arguments, calls `alecs.akamai.papi.PapiClient` and
shapes the answer. Properties may be named by id (`prp_123` or `123`) or by exact name;
contract and group are looked up when a call needs them and they were left out (and the tool
says which to choose when that is ambiguous). PRODUCTION activations and deactivations and
property deletion ask the user first. Activations wait with progress notifications until
ACTIVE or FAILED, obeying PAPI's `Retry-After`; a timeout returns the state and how to check
again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from alecs.akamai._base import JsonValue
from alecs.akamai.papi import (
    Activation,
    Contract,
    CpCode,
    EdgeHostname,
    Group,
    Hostname,
    PapiClient,
    PapiStateError,
    Product,
    Property,
    PropertyVersion,
    RuleChange,
    RuleProblem,
    SearchHit,
    diff_rule_trees,
)
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    Ctx,
    Customer,
    ErrorMap,
    InputError,
    Progress,
    ToolOutput,
    as_list,
    confirmation,
    int_as_text,
    normalize_id,
    poll,
    service,
    tool,
    upper_text,
)

if TYPE_CHECKING:
    pass

T = TypeVar("T")

DEFAULT_POLL_S = {"STAGING": 10.0, "PRODUCTION": 30.0}
MIN_POLL_S = 1.0

# --------------------------------------------------------------------------- argument types


# Length limits go before a BeforeValidator (pydantic then checks them as string/list limits)
# and, for optional arguments, inside the non-null branch (else an explicit null crashes).
PropertyRef = Annotated[
    str,
    Field(min_length=1, max_length=200),
    BeforeValidator(int_as_text),
    Field(
        description="The property: prp_123, 123, or its exact name. Find it with "
        "property-search (by name or hostname) or property-list.",
    ),
]
OptionalVersion = Annotated[
    int | None,
    Field(ge=1, description="Property version number; omit for the latest version."),
]
IdText = Annotated[str, Field(max_length=64)]
ContractArg = Annotated[
    IdText | None,
    BeforeValidator(int_as_text),
    Field(
        description="ctr_... (from contract-list or group-list). Omit to let alecs pick it when "
        "only one fits.",
    ),
]
GroupArg = Annotated[
    IdText | None,
    BeforeValidator(int_as_text),
    Field(description="grp_... (from group-list). Omit to let alecs pick it when only one fits."),
]
NetworkArg = Annotated[
    Literal["STAGING", "PRODUCTION"],
    BeforeValidator(upper_text),
    Field(description="STAGING (test network) or PRODUCTION (the live site)."),
]
Emails = Annotated[
    list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]],
    Field(min_length=1, max_length=20),
    BeforeValidator(as_list),
    Field(description="Who Akamai emails about the activation's progress (at least one address)."),
]
TimeoutArg = Annotated[
    float,
    Field(
        ge=0,
        le=3600,
        description="How long to wait for ACTIVE/FAILED, in seconds (staging usually takes "
        "minutes, production longer). On timeout the current state comes back with how to "
        "check again.",
    ),
]
Limit = Annotated[int, Field(ge=1, le=500, description="At most this many items.")]
Offset = Annotated[int, Field(ge=0, description="Skip this many (paging).")]


# --------------------------------------------------------------------------- helpers


def _papi(ctx: Ctx, customer: str | None, account_switch_key: str | None) -> PapiClient:
    return service(ctx, PapiClient, customer, account_switch_key)


_NUMERIC_ID = re.compile(r"^(?i:prp_)?\d+$")


async def _property_id(papi: PapiClient, value: str) -> str:
    text = value.strip()
    if _NUMERIC_ID.match(text):
        return normalize_id(text, "prp_", field="property_id")
    return await papi.find_property_id(text)


async def _version(papi: PapiClient, property_id: str, version: int | None) -> int:
    if version is not None:
        return version
    latest = await papi.latest_version(property_id)
    if latest is None:  # pragma: no cover - every property has a version
        raise InputError("version", f"{property_id} has no versions")
    return latest


def _hostname(value: str, field: str) -> str:
    """`https://www.example.com/path` -> `www.example.com`."""
    text = value.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].rstrip(".")
    if not re.fullmatch(
        r"(\*\.)?[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+", text
    ):
        raise InputError(field, f"{value!r} is not a hostname", allowed="like www.example.com")
    return text


def _product(value: str) -> str:
    """`prd_Fresca` or `Fresca` -> `prd_Fresca` (product ids may contain underscores)."""
    text = value.strip()
    text = text if text.lower().startswith("prd_") else f"prd_{text}"
    if not re.fullmatch(r"prd_[A-Za-z0-9_\-]+", text):
        raise InputError("product_id", f"{value!r} is not a product id", allowed="prd_Fresca")
    return "prd_" + text[4:]


def _problems(items: list[RuleProblem]) -> list[str]:
    out = []
    for p in items:
        where = f" at {p.error_location}" if p.error_location else ""
        ack = f" [{p.message_id}]" if p.message_id else ""
        out.append(f"{p.title or p.type}: {p.detail}{where}{ack}")
    return out


# --------------------------------------------------------------------------- output models


class ContractList(ToolOutput):
    account_id: str | None = None
    contracts: list[Contract]

    def summary(self) -> str:
        return f"{len(self.contracts)} contract(s): " + ", ".join(
            f"{c.contract_id} ({c.contract_type_name})" for c in self.contracts
        )


class GroupList(ToolOutput):
    groups: list[Group]

    def summary(self) -> str:
        lines = [f"{len(self.groups)} group(s):"]
        lines += [
            f"- {g.group_id} {g.group_name!r} contracts {', '.join(g.contract_ids) or 'none'}"
            for g in self.groups
        ]
        return "\n".join(lines)


class ProductList(ToolOutput):
    contract_id: str
    products: list[Product]

    def summary(self) -> str:
        return f"{len(self.products)} product(s) on {self.contract_id}: " + ", ".join(
            f"{p.product_id} ({p.product_name})" for p in self.products
        )


class PropertyList(ToolOutput):
    properties: list[Property]
    total: int = Field(description="How many matched (before limit/offset).")
    next_offset: int | None = Field(None, description="Pass as offset for the next page.")

    def summary(self) -> str:
        lines = [f"{len(self.properties)} of {self.total} properties:"]
        lines += [
            f"- {p.property_id} {p.property_name}: latest v{p.latest_version}, staging "
            f"{_v(p.staging_version)}, production {_v(p.production_version)}"
            for p in self.properties
        ]
        if self.next_offset is not None:
            lines.append(f"more: offset={self.next_offset}")
        return "\n".join(lines)


def _v(version: int | None) -> str:
    return f"v{version}" if version is not None else "none"


class PropertyDetail(ToolOutput):
    property: Property
    latest: PropertyVersion | None = None
    staging: PropertyVersion | None = Field(None, description="The version active on STAGING.")
    production: PropertyVersion | None = Field(
        None, description="The version active on PRODUCTION."
    )

    def summary(self) -> str:
        p = self.property
        return (
            f"{p.property_id} {p.property_name} ({p.contract_id}, {p.group_id}, "
            f"{p.product_id}): latest v{p.latest_version}, staging {_v(p.staging_version)}, "
            f"production {_v(p.production_version)}"
        )


class PropertySearch(ToolOutput):
    query: dict[str, str]
    hits: list[SearchHit]

    def summary(self) -> str:
        if not self.hits:
            hint = (
                " (the name must match exactly; property-list with name_contains finds "
                "partial names)"
                if "property_name" in self.query
                else " (no property's latest, staging or production version has it)"
            )
            return f"no property version matches {self.query}{hint}"
        lines = [f"{len(self.hits)} matching version(s):"]
        lines += [
            f"- {h.property_id} {h.property_name} v{h.property_version} (staging "
            f"{h.staging_status}, production {h.production_status})"
            for h in self.hits
        ]
        return "\n".join(lines)


class VersionList(ToolOutput):
    property_id: str
    versions: list[PropertyVersion]

    def summary(self) -> str:
        lines = [f"{self.property_id}: {len(self.versions)} version(s), newest first"]
        lines += [
            f"- v{v.property_version} staging {v.staging_status}, production "
            f"{v.production_status}, {v.updated_date} by {v.updated_by_user}: {v.note or ''}"
            for v in self.versions
        ]
        return "\n".join(lines)


class VersionCreated(ToolOutput):
    property_id: str
    version: int = Field(description="The new version number (edit this one).")
    base_version: int

    def summary(self) -> str:
        return (
            f"created {self.property_id} v{self.version} from v{self.base_version}; edit it with "
            "property-rules-update and property-hostname-update"
        )


class RuleOutline(BaseModel):
    path: str = Field(description="Rule path, e.g. 'default/Offload/CSS and JavaScript'.")
    pointer: str = Field(
        description="The rule's JSON Pointer for property-rules-update patches, e.g. "
        "/rules/children/1; its n-th behavior (0-based, in the order listed) is at "
        "<pointer>/behaviors/<n>, its criteria at <pointer>/criteria/<n>."
    )
    criteria: list[str]
    behaviors: list[str]


class RulesOut(ToolOutput):
    property_id: str
    version: int
    etag: str = Field(description="Pass back as `etag` to property-rules-update.")
    rule_format: str | None = None
    errors: list[str] = Field(description="Problems that block activation.")
    warnings: list[str] = Field(description="Problems to fix or acknowledge at activation.")
    outline: list[RuleOutline] = Field(description="Every rule with its criteria and behaviors.")
    rules: dict[str, Any] | None = Field(
        None, description="The full rule tree (or the rule at rule_path) when asked for."
    )

    def summary(self) -> str:
        lines = [
            f"{self.property_id} v{self.version} rule tree ({self.rule_format}), etag "
            f"{self.etag}: {len(self.outline)} rule(s), {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s)"
        ]
        lines += [
            f"- {o.path} ({o.pointer}): {', '.join(o.behaviors) or 'no behaviors'}"
            for o in self.outline
        ]
        lines += [f"error: {e}" for e in self.errors] + [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


class RulesUpdated(ToolOutput):
    property_id: str
    version: int
    mode: Literal["replace", "patch"]
    dry_run: bool
    etag: str = Field(description="The new etag (use it for the next update).")
    previous_etag: str
    rule_format: str | None = None
    errors: list[str] = Field(description="PAPI's validation errors: they block activation.")
    warnings: list[str] = Field(description="PAPI's warnings: fix or acknowledge at activation.")

    def summary(self) -> str:
        what = "checked (dry run, not saved)" if self.dry_run else "saved"
        lines = [
            f"{self.property_id} v{self.version} rule tree {what} ({self.mode}); etag "
            f"{self.previous_etag} -> {self.etag}"
        ]
        lines += [f"error: {e}" for e in self.errors] + [f"warning: {w}" for w in self.warnings]
        if not self.errors and not self.warnings:
            lines.append("no validation errors or warnings")
        return "\n".join(lines)


class VersionDiff(ToolOutput):
    property_id: str
    version_a: int
    version_b: int
    identical: bool
    counts: dict[str, int] = Field(description="Changes by kind: added, removed, changed.")
    changes: list[RuleChange]

    def summary(self) -> str:
        if self.identical:
            return f"{self.property_id}: v{self.version_a} and v{self.version_b} rule trees match"
        lines = [
            f"{self.property_id} v{self.version_a} -> v{self.version_b}: "
            + ", ".join(f"{n} {k}" for k, n in self.counts.items())
        ]
        for c in self.changes:
            line = f"- {c.path}: {c.kind} {c.name} {c.change}"
            if c.change == "changed":
                line += f" ({_delta(c.before, c.after)})"
            lines.append(line)
        return "\n".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _delta(before: Any, after: Any, limit: int = 5) -> str:
    """`{'ttl': '7d'}`, `{'ttl': '1d'}` -> `ttl: '7d' -> '1d'` (the options that differ)."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = list(before) + [k for k in after if k not in before]
        parts = [
            f"{k}: {_short(before.get(k))} -> {_short(after.get(k))}"
            for k in keys
            if before.get(k) != after.get(k)
        ]
        more = f", +{len(parts) - limit} more" if len(parts) > limit else ""
        return "; ".join(parts[:limit]) + more
    return f"{_short(before)} -> {_short(after)}"


class HostnameListOut(ToolOutput):
    property_id: str
    version: int
    etag: str
    hostnames: list[Hostname]

    def summary(self) -> str:
        lines = [f"{self.property_id} v{self.version}: {len(self.hostnames)} hostname(s)"]
        lines += [
            f"- {h.cname_from} -> {h.cname_to} ({h.edge_hostname_id})" for h in self.hostnames
        ]
        return "\n".join(lines)


class HostnameUpdated(HostnameListOut):
    added: list[str] = Field(description="Hostnames new on the version.")
    replaced: list[str] = Field(
        default_factory=list,
        description="Hostnames the version already had, now with the edge hostname and "
        "certificate type given.",
    )
    removed: list[str]

    def summary(self) -> str:
        head = (
            f"{self.property_id} v{self.version}: added {', '.join(self.added) or 'none'}, "
            f"removed {', '.join(self.removed) or 'none'}"
            + (f", re-pointed {', '.join(self.replaced)}" if self.replaced else "")
            + f"; etag {self.etag}"
        )
        return head + "\n" + super().summary()


class PropertyCreated(ToolOutput):
    property_id: str
    property_name: str
    version: int = 1
    contract_id: str
    group_id: str
    product_id: str

    def summary(self) -> str:
        return (
            f"created {self.property_id} {self.property_name!r} (version 1) in {self.group_id}, "
            f"{self.contract_id}; next: property-rules-get / property-rules-update and "
            "property-hostname-update"
        )


class PropertyDeleted(ToolOutput):
    property_id: str
    message: str

    def summary(self) -> str:
        return f"{self.property_id}: {self.message}"


class ActivationOutcome(ToolOutput):
    activation_id: str
    property_id: str
    version: int | None
    network: str
    activation_type: str
    status: str = Field(description="PENDING, ACTIVE, FAILED, ...")
    finished: bool = Field(description="True once ACTIVE/FAILED (the final state).")
    waited_s: float
    polls: int
    next_step: str
    activation: Activation

    def summary(self) -> str:
        return (
            f"{self.activation_type} {self.property_id} v{self.version} on {self.network}: "
            f"{self.status} ({self.activation_id}). {self.next_step}"
        )


class ActivationList(ToolOutput):
    property_id: str
    activations: list[Activation]

    def summary(self) -> str:
        lines = [f"{self.property_id}: {len(self.activations)} activation(s), newest first"]
        lines += [
            f"- {a.activation_id} {a.activation_type} v{a.property_version} {a.network} "
            f"{a.status} {a.submit_date}"
            for a in self.activations
        ]
        return "\n".join(lines)


class EdgeHostnameList(ToolOutput):
    contract_id: str
    group_id: str
    edge_hostnames: list[EdgeHostname]
    total: int = Field(0, description="How many matched (before limit/offset).")
    next_offset: int | None = Field(None, description="Pass as offset for the next page.")

    def summary(self) -> str:
        lines = [
            f"{len(self.edge_hostnames)} of {self.total} edge hostname(s) on {self.contract_id}:"
        ]
        lines += [
            f"- {e.edge_hostname_id} {e.edge_hostname_domain}"
            + (f" ({e.status})" if e.status else "")
            for e in self.edge_hostnames
        ]
        if self.next_offset is not None:
            lines.append(f"more: offset={self.next_offset}")
        return "\n".join(lines)


class EdgeHostnameCreated(ToolOutput):
    edge_hostname_id: str
    edge_hostname_domain: str
    status: str | None = None
    contract_id: str
    group_id: str

    def summary(self) -> str:
        return (
            f"created {self.edge_hostname_id} {self.edge_hostname_domain}"
            + (f" ({self.status})" if self.status else "")
            + "; point property hostnames at it with property-hostname-update"
        )


class CpcodeList(ToolOutput):
    contract_id: str
    group_ids: list[str]
    cpcodes: list[CpCode]
    total: int = Field(0, description="How many matched (before limit/offset).")
    next_offset: int | None = Field(None, description="Pass as offset for the next page.")

    def summary(self) -> str:
        lines = [f"{len(self.cpcodes)} of {self.total} CP code(s) on {self.contract_id}:"]
        lines += [f"- {c.cpcode_id} {c.cpcode_name}" for c in self.cpcodes]
        if self.next_offset is not None:
            lines.append(f"more: offset={self.next_offset}")
        return "\n".join(lines)


def _page(items: list[T], limit: int, offset: int) -> tuple[list[T], int | None]:
    """One page of `items` and the offset of the next one (None on the last page)."""
    more = offset + limit < len(items)
    return items[offset : offset + limit], (offset + limit if more else None)


class CpcodeCreated(ToolOutput):
    cpcode_id: str
    cpcode: int = Field(description="The number to use in a cpCode behavior's value.id.")
    cpcode_name: str
    contract_id: str
    group_id: str

    def summary(self) -> str:
        return f"created CP code {self.cpcode} ({self.cpcode_id}) {self.cpcode_name!r}"


# --------------------------------------------------------------------------- input models


class HostnameAdd(BaseModel):
    """A hostname to serve with the property, and the edge hostname it CNAMEs to."""

    hostname: str = Field(description="The site's hostname, e.g. www.example.com.", max_length=253)
    edge_hostname: Annotated[str, Field(max_length=253), BeforeValidator(int_as_text)] = Field(
        description="Edge hostname domain (www.example.com.edgekey.net) or id (ehn_123); see "
        "edge-hostname-list, or create one with edge-hostname-create."
    )
    cert_provisioning_type: Literal["CPS_MANAGED", "DEFAULT"] = Field(
        "CPS_MANAGED",
        description="CPS_MANAGED (certificate from a CPS enrollment) or DEFAULT (Akamai-managed "
        "domain-validated certificate).",
    )


class JsonPatchOp(BaseModel):
    """One RFC 6902 operation on the rule tree document (paths start with /rules)."""

    model_config = ConfigDict(populate_by_name=True)

    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    path: str = Field(
        pattern=r"^/rules(/.*)?$",
        description="JSON Pointer into the rule tree, e.g. /rules/behaviors/0/options/ttl or "
        "/rules/children/- (append).",
    )
    value: JsonValue = Field(None, description="For add, replace and test.")
    from_: str | None = Field(None, alias="from", description="For move and copy.")

    def wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.op in ("add", "replace", "test"):
            out["value"] = self.value
        if self.op in ("move", "copy"):
            out["from"] = self.from_
        return out


# --------------------------------------------------------------------------- confirmation


def _ask_activate(network: str, property_id: str, version: int | None) -> str | None:
    if network != "PRODUCTION":
        return None
    which = f"version {version}" if version is not None else "the latest version"
    return (
        f"Activate {which} of property {property_id} on PRODUCTION? This changes the live "
        "site's delivery configuration."
    )


def _ask_deactivate(network: str, property_id: str) -> str | None:
    if network != "PRODUCTION":
        return None
    return (
        f"Deactivate property {property_id} on PRODUCTION? Its hostnames stop being served by "
        "this configuration on the live network."
    )


def _ask_delete(property_id: str) -> str:
    return f"Delete property {property_id} and all its versions? This cannot be undone."


# --------------------------------------------------------------------------- activation wait


def _poll_interval(network: str) -> Callable[[Activation], float]:
    def interval(activation: Activation) -> float:
        hint = activation.retry_after_s
        return max(MIN_POLL_S, hint if hint is not None else DEFAULT_POLL_S[network])

    return interval


async def _wait(
    ctx: Ctx,
    papi: PapiClient,
    property_id: str,
    activation_id: str,
    *,
    network: str,
    timeout_s: float,
    wait: bool,
) -> ActivationOutcome:
    progress = Progress(ctx, total=100)
    if wait:
        outcome = await poll(
            lambda: papi.get_activation(property_id, activation_id),
            done=lambda a: a.finished,
            timeout_s=timeout_s,
            interval_s=_poll_interval(network),
            progress=progress,
            describe=lambda a: f"{a.status} on {a.network} ({a.activation_id})",
        )
        activation, finished = outcome.state, outcome.finished
        waited, polls = round(outcome.waited_s, 3), outcome.polls
    else:
        activation = await papi.get_activation(property_id, activation_id)
        finished, waited, polls = activation.finished, 0.0, 1
    check = (
        f"property-activation-get property_id={property_id} activation_id={activation_id} wait=true"
    )
    if activation.status == "ACTIVE" and activation.activation_type == "DEACTIVATE":
        next_step = f"Deactivated on {network}."
    elif activation.status == "ACTIVE":
        next_step = f"v{activation.property_version} is live on {network}."
        if network == "STAGING":
            next_step += " Test it on staging, then activate on PRODUCTION."
    elif finished:
        cause = activation.failure_cause or {}
        next_step = (
            f"The activation ended {activation.status}"
            + (f": {cause.get('detail') or cause}" if cause else "")
            + ". Fix the cause and activate again."
        )
    else:
        hint = (
            f" PAPI expects a change in about {activation.retry_after_s:g} s."
            if activation.retry_after_s
            else ""
        )
        next_step = (
            f"Still {activation.status} after {waited:g} s; this is not a failure.{hint} Check "
            f"again with {check}."
        )
    return ActivationOutcome(
        activation_id=activation.activation_id,
        property_id=property_id,
        version=activation.property_version,
        network=activation.network,
        activation_type=activation.activation_type,
        status=activation.status,
        finished=finished,
        waited_s=waited,
        polls=polls,
        next_step=next_step,
        activation=activation,
    )


# --------------------------------------------------------------------------- rule tree outline


def _outline(
    rule: dict[str, Any], path: str, out: list[RuleOutline], pointer: str = "/rules"
) -> None:
    out.append(
        RuleOutline(
            path=path,
            pointer=pointer,
            criteria=[str(c.get("name")) for c in rule.get("criteria") or []],
            behaviors=[str(b.get("name")) for b in rule.get("behaviors") or []],
        )
    )
    seen: dict[str, int] = {}
    for index, child in enumerate(rule.get("children") or []):
        name = str(child.get("name", "?"))
        seen[name] = seen.get(name, 0) + 1
        suffix = f"[{seen[name]}]" if seen[name] > 1 else ""
        _outline(child, f"{path}/{name}{suffix}", out, f"{pointer}/children/{index}")


def _find_rule(rule: dict[str, Any], path: str) -> dict[str, Any] | None:
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or parts[0] != rule.get("name", "default"):
        return None
    node = rule
    for part in parts[1:]:
        m = re.fullmatch(r"(.*)\[(\d+)\]", part)
        name, nth = (m.group(1), int(m.group(2))) if m else (part, 1)
        matches = [c for c in node.get("children") or [] if c.get("name") == name]
        if len(matches) < nth:
            return None
        node = matches[nth - 1]
    return node


# --------------------------------------------------------------------------- the tools


# Known beforehand to fail (e.g. deleting an active property): say why, send nothing.
TOOL_ERRORS: ErrorMap = {PapiStateError: lambda exc: ToolError(str(exc))}
"""How this module's own exceptions become tool errors (see alecs.tools.registry)."""


# -- prerequisites -------------------------------------------------------------------------


@tool("contract-list", toolset="papi", kind="read", title="List contracts")
async def contract_list(
    ctx: Ctx, customer: Customer = None, account_switch_key: AccountSwitchKey = None
) -> ContractList:
    """List the account's contracts (ctr_...).

    Use first when a contract_id is needed (creating properties, edge hostnames, CP codes,
    listing products). group-list shows which groups use each contract.
    """
    papi = _papi(ctx, customer, account_switch_key)
    contracts = await papi.list_contracts()
    return ContractList(account_id=await papi.account_id(), contracts=contracts)


@tool("group-list", toolset="papi", kind="read", title="List groups")
async def group_list(
    ctx: Ctx, customer: Customer = None, account_switch_key: AccountSwitchKey = None
) -> GroupList:
    """List the account's groups (grp_...) with their parent and the contracts each uses.

    Use first when a group_id is needed. Most Property Manager calls take a contract_id and
    group_id that go together: pick a group and one of its contract_ids.
    """
    papi = _papi(ctx, customer, account_switch_key)
    return GroupList(groups=await papi.list_groups())


@tool("product-list", toolset="papi", kind="read", title="List products")
async def product_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ProductList:
    """List the products (prd_..., e.g. prd_Fresca for Ion) a contract can use.

    Needed for property-create, edge-hostname-create and cpcode-create. contract_id comes
    from contract-list; it may be omitted when the account has one contract.
    """
    papi = _papi(ctx, customer, account_switch_key)
    cid, _ = await papi.resolve_contract_group(contract_id, None, any_group=True)
    return ProductList(contract_id=cid, products=await papi.list_products(cid))


# -- properties ----------------------------------------------------------------------------


@tool("property-list", toolset="papi", kind="read", title="List properties")
async def property_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    name_contains: Annotated[
        str | None, Field(description="Only names containing this text.", max_length=200)
    ] = None,
    limit: Limit = 50,
    offset: Annotated[int, Field(ge=0, description="Skip this many (paging).")] = 0,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PropertyList:
    """List properties (delivery configurations) with their latest, staging and production
    versions.

    Give contract_id and group_id (from group-list) for one group, one of them to narrow,
    or neither to list across every group and contract the account sees (slower on large
    accounts). To find one property by name or hostname, property-search is faster.
    Results are sorted by name and paged with limit/offset.
    """
    papi = _papi(ctx, customer, account_switch_key)
    props = await papi.list_properties(contract_id, group_id)
    if name_contains:
        needle = name_contains.lower()
        props = [p for p in props if needle in p.property_name.lower()]
    props.sort(key=lambda p: p.property_name.lower())
    page = props[offset : offset + limit]
    more = offset + limit < len(props)
    return PropertyList(
        properties=page, total=len(props), next_offset=offset + limit if more else None
    )


@tool("property-get", toolset="papi", kind="read", title="Get a property")
async def property_get(
    ctx: Ctx,
    property_id: PropertyRef,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PropertyDetail:
    """A property with its contract, group, product, and the details of its latest
    version and of the versions active on STAGING and PRODUCTION (status, etag, rule
    format, note).

    Use before editing (to know which version to base a new one on) or activating.
    """
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    prop = await papi.get_property(pid)
    fetched: dict[int, PropertyVersion] = {}
    for number in (prop.latest_version, prop.staging_version, prop.production_version):
        if number is not None and number not in fetched:
            fetched[number] = await papi.get_version(pid, number)
    return PropertyDetail(
        property=prop,
        latest=fetched.get(prop.latest_version),
        staging=fetched.get(prop.staging_version) if prop.staging_version else None,
        production=fetched.get(prop.production_version) if prop.production_version else None,
    )


@tool("property-search", toolset="papi", kind="read", title="Find properties by name or hostname")
async def property_search(
    ctx: Ctx,
    property_name: Annotated[
        str | None, Field(description="Exact property name.", max_length=200)
    ] = None,
    hostname: Annotated[
        str | None,
        Field(description="A hostname the property serves, e.g. www.example.com.", max_length=253),
    ] = None,
    edge_hostname: Annotated[
        str | None,
        Field(description="An edge hostname, e.g. www.example.com.edgekey.net.", max_length=253),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PropertySearch:
    """Find which property serves a hostname, or a property by its exact name.

    Give exactly one of property_name, hostname or edge_hostname. Returns the matching
    versions (latest and active ones) with property_id, contract_id and group_id, which the
    other property tools take.
    """
    given = {
        k: v
        for k, v in (
            ("property_name", property_name),
            ("hostname", hostname),
            ("edge_hostname", edge_hostname),
        )
        if v
    }
    if len(given) != 1:
        raise InputError(
            "property_name",
            f"give exactly one search criterion, got {len(given)}",
            allowed="property_name, hostname or edge_hostname",
        )
    papi = _papi(ctx, customer, account_switch_key)
    if hostname:
        hostname = _hostname(hostname, "hostname")
    if edge_hostname:
        edge_hostname = _hostname(edge_hostname, "edge_hostname")
    hits = await papi.search(
        property_name=property_name.strip() if property_name else None,
        hostname=hostname,
        edge_hostname=edge_hostname,
    )
    query = {k: str(v) for k, v in (("property_name", property_name), ("hostname", hostname),
             ("edge_hostname", edge_hostname)) if v}  # fmt: skip
    return PropertySearch(query=query, hits=hits)


@tool("property-create", toolset="papi", kind="write", title="Create a property")
async def property_create(
    ctx: Ctx,
    property_name: Annotated[
        str,
        Field(
            description="Name for the property, e.g. www.example.com (letters, digits, "
            "dots, hyphens, underscores).",
            pattern=r"^[A-Za-z0-9_.\-]{1,85}$",
        ),
    ],
    product_id: Annotated[
        str, Field(description="prd_... from product-list, e.g. prd_Fresca.", max_length=64)
    ],
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    rule_format: Annotated[
        str | None,
        Field(description="Rule format, e.g. v2024-10-21; default 'latest'.", max_length=32),
    ] = None,
    clone_from: Annotated[
        str | None,
        Field(description="Copy the rule tree of this property (id or name).", max_length=200),
    ] = None,
    clone_version: Annotated[
        int | None, Field(ge=1, description="Version of clone_from to copy; default latest.")
    ] = None,
    copy_hostnames: Annotated[
        bool, Field(description="With clone_from: also copy its hostnames.")
    ] = False,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> PropertyCreated:
    """Create a new property (version 1), from the product's template or as a clone.

    Needs a product_id (product-list) and a group and contract (group-list; omitted ones
    are looked up when only one fits). Next: edit version 1's rules (property-rules-get,
    property-rules-update), add hostnames (property-hostname-update), then activate on
    STAGING (property-activate).
    """
    papi = _papi(ctx, customer, account_switch_key)
    cid, gid = await papi.resolve_contract_group(contract_id, group_id)
    product = _product(product_id)
    source = None
    if clone_from:
        source = await _property_id(papi, clone_from)
        clone_version = await _version(papi, source, clone_version)
    pid = await papi.create_property(
        property_name,
        product,
        cid,
        gid,
        rule_format=rule_format,
        clone_from=source,
        clone_version=clone_version,
        copy_hostnames=copy_hostnames,
    )
    return PropertyCreated(
        property_id=pid,
        property_name=property_name,
        contract_id=cid,
        group_id=gid,
        product_id=product,
    )


@tool("property-delete", toolset="papi", kind="destructive", title="Delete a property")
async def property_delete(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_delete)],
    property_id: PropertyRef,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> PropertyDeleted:
    """Delete a property and all its versions. Asks the user to confirm first.

    Only works for a property active on neither network: deactivate it first with
    property-deactivate. This cannot be undone.
    """
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    message = await papi.delete_property(pid)
    return PropertyDeleted(property_id=pid, message=message)


# -- versions ------------------------------------------------------------------------------


@tool("property-version-list", toolset="papi", kind="read", title="List property versions")
async def property_version_list(
    ctx: Ctx,
    property_id: PropertyRef,
    limit: Limit = 20,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> VersionList:
    """List a property's versions, newest first, with staging/production status, author,
    date, note and etag. Use to pick a base version or versions to compare."""
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    return VersionList(property_id=pid, versions=await papi.list_versions(pid, limit=limit))


@tool("property-version-create", toolset="papi", kind="write", title="Create a property version")
async def property_version_create(
    ctx: Ctx,
    property_id: PropertyRef,
    base_version: Annotated[
        int | None,
        Field(ge=1, description="Version to copy (rules and hostnames); default the latest."),
    ] = None,
    base_version_etag: Annotated[
        str | None,
        Field(
            description="Etag of the base version (property-version-list): the copy fails "
            "if that version changed since.",
            max_length=128,
        ),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> VersionCreated:
    """Create a new editable version of a property, copied from a base version.

    Active versions can't be edited: make a new version from the active (or latest) one,
    edit it, then activate it. Returns the new version number.
    """
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    base = await _version(papi, pid, base_version)
    number = await papi.create_version(pid, base, base_version_etag)
    return VersionCreated(property_id=pid, version=number, base_version=base)


# -- rule trees ----------------------------------------------------------------------------


@tool("property-rules-get", toolset="papi", kind="read", title="Get a property version's rule tree")
async def property_rules_get(
    ctx: Ctx,
    property_id: PropertyRef,
    version: OptionalVersion = None,
    full: Annotated[
        bool, Field(description="Return the whole rule tree JSON, not only the outline.")
    ] = False,
    rule_path: Annotated[
        str | None,
        Field(
            description="Return only this rule in full, e.g. 'default/Offload' (paths are "
            "in the outline).",
            max_length=1000,
        ),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> RulesOut:
    """Get a version's rule tree: its etag (needed to update it), rule format, PAPI's
    validation errors and warnings, and an outline of every rule with its criteria and
    behaviors.

    Rule trees can be large: by default only the outline comes back; ask for full=true for
    the whole JSON, or rule_path for one rule. Edit with property-rules-update.
    """
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    number = await _version(papi, pid, version)
    tree = await papi.get_rules(pid, number)
    outline: list[RuleOutline] = []
    _outline(tree.rules, str(tree.rules.get("name", "default")), outline)
    body: dict[str, Any] | None = tree.rules if full else None
    if rule_path:
        body = _find_rule(tree.rules, rule_path)
        if body is None:
            raise InputError(
                "rule_path",
                f"no rule {rule_path!r} in {pid} v{number}",
                allowed=[o.path for o in outline][:50],
            )
    return RulesOut(
        property_id=pid,
        version=number,
        etag=tree.etag,
        rule_format=tree.rule_format,
        errors=_problems(tree.errors),
        warnings=_problems(tree.warnings),
        outline=outline,
        rules=body,
    )


@tool(
    "property-rules-update",
    toolset="papi",
    kind="write",
    title="Update a property version's rule tree",
    destructive=True,
)
async def property_rules_update(
    ctx: Ctx,
    property_id: PropertyRef,
    version: Annotated[int, Field(ge=1, description="The (editable, never activated) version.")],
    etag: Annotated[
        str,
        Field(
            description="The rule tree's etag from property-rules-get (or the last update): "
            "the update fails with 412 if someone changed the tree since.",
            min_length=1,
            max_length=128,
        ),
    ],
    rules: Annotated[
        dict[str, Any] | None,
        Field(
            description="Full replacement: the top-level 'default' rule object (name, "
            "options, criteria, behaviors, children). A {'rules': {...}} wrapper is accepted."
        ),
    ] = None,
    patch: Annotated[
        list[JsonPatchOp] | None,
        Field(description="Instead of rules: JSON Patch operations (RFC 6902).", max_length=500),
    ] = None,
    rule_format: Annotated[
        str | None,
        Field(
            description="Switch the version to this rule format (e.g. v2024-10-21).",
            max_length=32,
        ),
    ] = None,
    dry_run: Annotated[
        bool, Field(description="Validate only: PAPI checks the tree but saves nothing.")
    ] = False,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> RulesUpdated:
    """Change a version's rule tree: a full replacement (rules) or a JSON Patch (patch),
    guarded by the etag.

    Get the tree and its etag with property-rules-get first. Versions that have been
    activated are frozen: create a new one with property-version-create. Returns the new
    etag and PAPI's validation errors (they block activation) and warnings (acknowledged at
    activation). An unknown behavior or malformed tree is refused with PAPI's message.
    """
    if (rules is None) == (patch is None):
        raise InputError(
            "rules",
            "give either rules (full replacement) or patch (JSON Patch), not both and not neither",
            allowed="rules or patch",
        )
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    clean_etag = etag.strip().strip('"')
    if rules is not None:
        tree_rules = rules["rules"] if isinstance(rules.get("rules"), dict) else rules
        tree = await papi.update_rules(
            pid, version, tree_rules, etag=clean_etag, rule_format=rule_format, dry_run=dry_run
        )
        mode: Literal["replace", "patch"] = "replace"
    else:
        if rule_format:
            raise InputError("rule_format", "a rule format change needs a full replacement (rules)")
        ops = [op.wire() for op in patch or []]
        if not ops:
            raise InputError("patch", "no operations", allowed="one or more JSON Patch ops")
        tree = await papi.patch_rules(pid, version, ops, etag=clean_etag, dry_run=dry_run)
        mode = "patch"
    return RulesUpdated(
        property_id=pid,
        version=version,
        mode=mode,
        dry_run=dry_run,
        etag=tree.etag,
        previous_etag=clean_etag,
        rule_format=tree.rule_format,
        errors=_problems(tree.errors),
        warnings=_problems(tree.warnings),
    )


@tool(
    "property-version-diff", toolset="papi", kind="read", title="Compare two versions' rule trees"
)
async def property_version_diff(
    ctx: Ctx,
    property_id: PropertyRef,
    version_a: Annotated[
        int | None,
        Field(
            ge=1,
            description="The 'before' version; default the one active on PRODUCTION, else "
            "on STAGING, else the version before version_b.",
        ),
    ] = None,
    version_b: Annotated[
        int | None, Field(ge=1, description="The 'after' version; default the latest.")
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> VersionDiff:
    """What changed between two versions' rule trees: rules, behaviors and criteria added,
    removed or changed (with before/after options), by rule path.

    Typical use: review a new version against what is live before activating it.
    """
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    b = await _version(papi, pid, version_b)
    a = version_a
    if a is None:
        prop = await papi.get_property(pid)
        a = prop.production_version or prop.staging_version or max(1, b - 1)
    before = await papi.get_rules(pid, a, validate=False)
    after = await papi.get_rules(pid, b, validate=False)
    changes = diff_rule_trees(before.rules, after.rules)
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.change] = counts.get(change.change, 0) + 1
    return VersionDiff(
        property_id=pid,
        version_a=a,
        version_b=b,
        identical=not changes,
        counts=counts,
        changes=changes,
    )


# -- hostnames -----------------------------------------------------------------------------


@tool(
    "property-hostname-list",
    toolset="papi",
    kind="read",
    title="List a property version's hostnames",
)
async def property_hostname_list(
    ctx: Ctx,
    property_id: PropertyRef,
    version: OptionalVersion = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> HostnameListOut:
    """The hostnames a property version serves, each with the edge hostname it CNAMEs to
    (cname_from -> cname_to) and the certificate type."""
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    number = await _version(papi, pid, version)
    hosts = await papi.get_hostnames(pid, number)
    return HostnameListOut(
        property_id=pid, version=number, etag=hosts.etag, hostnames=hosts.hostnames
    )


@tool(
    "property-hostname-update",
    toolset="papi",
    kind="write",
    title="Add or remove hostnames of a version",
    destructive=True,
)
async def property_hostname_update(
    ctx: Ctx,
    property_id: PropertyRef,
    version: Annotated[int, Field(ge=1, description="The (editable) version to change.")],
    add: Annotated[
        list[HostnameAdd] | None, Field(description="Hostnames to add.", max_length=100)
    ] = None,
    remove: Annotated[
        Annotated[list[Annotated[str, Field(max_length=253)]], Field(max_length=100)] | None,
        BeforeValidator(as_list),
        Field(description="Hostnames of this version to remove, e.g. ['old.example.com']."),
    ] = None,
    etag: Annotated[
        str | None,
        Field(
            description="Hostnames etag from property-hostname-list; omit to apply the "
            "change to the current hostnames.",
            max_length=128,
        ),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> HostnameUpdated:
    """Add hostnames to (and/or remove them from) a property version.

    Each added hostname names the edge hostname it will CNAME to (edge-hostname-list, or
    create one with edge-hostname-create); adding one the version already has re-points
    it. Removing a hostname the version doesn't have is refused before anything changes
    (property-hostname-list shows them). Activated versions can't change: create a new
    version first (property-version-create). Takes effect when the version is activated.
    """
    if not add and not remove:
        raise InputError("add", "nothing to change", allowed="add and/or remove")
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    items: list[dict[str, Any]] = []
    for n, h in enumerate(add or []):
        item: dict[str, Any] = {
            "cnameType": "EDGE_HOSTNAME",
            "cnameFrom": _hostname(h.hostname, f"add[{n}].hostname"),
            "certProvisioningType": h.cert_provisioning_type,
        }
        edge = h.edge_hostname.strip()
        if re.fullmatch(r"(?i)(ehn_)?\d+", edge):
            item["edgeHostnameId"] = normalize_id(edge, "ehn_", field=f"add[{n}].edge_hostname")
        else:
            item["cnameTo"] = _hostname(edge, f"add[{n}].edge_hostname")
        items.append(item)
    removed = [_hostname(r, "remove") for r in remove or []]
    current = await papi.get_hostnames(pid, version)
    present = {h.cname_from.lower() for h in current.hostnames}
    absent = [r for r in removed if r not in present]
    if absent:
        raise InputError(
            "remove",
            f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not a hostname of "
            f"{pid} v{version}; nothing was changed",
            allowed=sorted(present) or "none: the version has no hostnames",
        )
    hosts = await papi.patch_hostnames(
        pid,
        version,
        add=items,
        remove=removed,
        etag=etag.strip().strip('"') if etag else current.etag,
    )
    names = [i["cnameFrom"] for i in items]
    return HostnameUpdated(
        property_id=pid,
        version=version,
        etag=hosts.etag,
        hostnames=hosts.hostnames,
        added=[n for n in names if n not in present],
        replaced=[n for n in names if n in present],
        removed=removed,
    )


# -- activations ---------------------------------------------------------------------------


@tool(
    "property-activate",
    toolset="papi",
    kind="write",
    title="Activate a property version",
    destructive=True,
)
async def property_activate(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_activate)],
    property_id: PropertyRef,
    notify_emails: Emails,
    network: NetworkArg = "STAGING",
    version: OptionalVersion = None,
    note: Annotated[
        str | None, Field(description="Why (shown in the activation history).", max_length=500)
    ] = None,
    acknowledge_all_warnings: Annotated[
        bool,
        Field(description="Acknowledge every rule warning (Akamai's recommended setting)."),
    ] = True,
    acknowledge_warnings: Annotated[
        list[str] | None,
        Field(description="With acknowledge_all_warnings false: warning messageIds (msg_...)."),
    ] = None,
    use_fast_fallback: Annotated[
        bool,
        Field(description="Fall back to the previous version (within an hour of activating)."),
    ] = False,
    wait: Annotated[
        bool, Field(description="Wait for ACTIVE/FAILED with progress notifications.")
    ] = True,
    timeout_s: TimeoutArg = 600,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ActivationOutcome:
    """Activate a property version on STAGING or PRODUCTION and wait until it is live.

    Activate on STAGING first and test; PRODUCTION changes the live site, so the user is
    asked to confirm. Needs the property (property-search/property-list) and who to notify;
    the version defaults to the latest. Waits with progress notifications until ACTIVE or
    FAILED, checking as often as PAPI's Retry-After suggests; when timeout_s passes first
    the result says the current state and how to check again (not a failure). Refused by
    PAPI while another activation of the property on that network is pending, or while
    the version has rule errors.
    """
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    number = await _version(papi, pid, version)
    activation_id = await papi.activate(
        pid,
        number,
        network,
        notify_emails=notify_emails,
        note=note,
        acknowledge_all_warnings=acknowledge_all_warnings,
        acknowledge_warnings=acknowledge_warnings,
        use_fast_fallback=use_fast_fallback,
    )
    await Progress(ctx, total=100)(0, f"submitted {activation_id} on {network}")
    return await _wait(
        ctx, papi, pid, activation_id, network=network, timeout_s=timeout_s, wait=wait
    )


@tool(
    "property-deactivate",
    toolset="papi",
    kind="write",
    title="Deactivate a property",
    destructive=True,
)
async def property_deactivate(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_deactivate)],
    property_id: PropertyRef,
    notify_emails: Emails,
    network: NetworkArg = "STAGING",
    note: Annotated[str | None, Field(description="Why.", max_length=500)] = None,
    wait: Annotated[bool, Field(description="Wait until the deactivation completes.")] = True,
    timeout_s: TimeoutArg = 600,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ActivationOutcome:
    """Stop serving a property on STAGING or PRODUCTION (deactivates the active version).

    PRODUCTION asks the user to confirm. Needed before property-delete. Waits with progress
    notifications like property-activate.
    """
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    prop = await papi.get_property(pid)
    active = prop.staging_version if network == "STAGING" else prop.production_version
    if active is None:
        raise InputError("network", f"{pid} is not active on {network}; nothing to deactivate")
    activation_id = await papi.activate(
        pid, active, network, notify_emails=notify_emails, note=note, deactivate=True
    )
    await Progress(ctx, total=100)(0, f"submitted {activation_id} on {network}")
    return await _wait(
        ctx, papi, pid, activation_id, network=network, timeout_s=timeout_s, wait=wait
    )


@tool(
    "property-activation-list", toolset="papi", kind="read", title="List a property's activations"
)
async def property_activation_list(
    ctx: Ctx,
    property_id: PropertyRef,
    network: Annotated[
        Literal["STAGING", "PRODUCTION"] | None,
        BeforeValidator(upper_text),
        Field(description="Only this network."),
    ] = None,
    limit: Limit = 20,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ActivationList:
    """The property's activation history (activations and deactivations on both networks),
    newest first, with status, version, note and who was notified."""
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    items = await papi.list_activations(pid)
    if network:
        items = [a for a in items if a.network == network]
    return ActivationList(property_id=pid, activations=items[:limit])


@tool("property-activation-get", toolset="papi", kind="read", title="Check an activation")
async def property_activation_get(
    ctx: Ctx,
    property_id: PropertyRef,
    activation_id: Annotated[
        IdText,
        BeforeValidator(int_as_text),
        Field(description="atv_... (from property-activate or the list)."),
    ],
    wait: Annotated[
        bool, Field(description="Keep waiting (with progress) until ACTIVE/FAILED.")
    ] = False,
    timeout_s: TimeoutArg = 300,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ActivationOutcome:
    """The state of one activation (PENDING, ACTIVE, FAILED, ...); with wait=true, wait
    for it to finish with progress notifications. Use after property-activate timed out."""
    papi = _papi(ctx, customer, account_switch_key)
    pid = await _property_id(papi, property_id)
    aid = normalize_id(activation_id, "atv_", field="activation_id")
    first = await papi.get_activation(pid, aid)
    return await _wait(ctx, papi, pid, aid, network=first.network, timeout_s=timeout_s, wait=wait)


# -- edge hostnames ------------------------------------------------------------------------


@tool("edge-hostname-list", toolset="papi", kind="read", title="List edge hostnames")
async def edge_hostname_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    name_contains: Annotated[
        str | None, Field(description="Only domains containing this text.", max_length=253)
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> EdgeHostnameList:
    """List a contract's edge hostnames (ehn_..., e.g. www.example.com.edgekey.net): the
    targets property hostnames CNAME to. Use before property-hostname-update. Large
    accounts have thousands: filter with name_contains, page with limit/offset."""
    papi = _papi(ctx, customer, account_switch_key)
    cid, gid = await papi.resolve_contract_group(contract_id, group_id, any_group=True)
    items = await papi.list_edge_hostnames(cid, gid)
    if name_contains:
        needle = name_contains.strip().lower()
        items = [e for e in items if needle in e.edge_hostname_domain.lower()]
    page, next_offset = _page(items, limit, offset)
    return EdgeHostnameList(
        contract_id=cid,
        group_id=gid,
        edge_hostnames=page,
        total=len(items),
        next_offset=next_offset,
    )


@tool("edge-hostname-create", toolset="papi", kind="write", title="Create an edge hostname")
async def edge_hostname_create(
    ctx: Ctx,
    domain_prefix: Annotated[
        str, Field(description="Usually the site's hostname, e.g. www.example.com.")
    ],
    product_id: Annotated[str, Field(description="prd_... (product-list).", max_length=64)],
    domain_suffix: Annotated[
        Literal["edgekey.net", "edgesuite.net", "akamaized.net"],
        Field(
            description="edgekey.net: Enhanced TLS (needs cert_enrollment_id); "
            "edgesuite.net: standard TLS or plain HTTP; akamaized.net: shared certificate."
        ),
    ] = "edgekey.net",
    secure_network: Annotated[
        Literal["ENHANCED_TLS", "STANDARD_TLS", "SHARED_CERT"] | None,
        Field(description="Default from the suffix (edgesuite.net: not secure)."),
    ] = None,
    ip_version_behavior: Annotated[
        Literal["IPV4", "IPV6_COMPLIANCE"],
        Field(description="IPV6_COMPLIANCE serves IPv4 and IPv6."),
    ] = "IPV6_COMPLIANCE",
    cert_enrollment_id: Annotated[
        int | None,
        Field(
            ge=1,
            description="CPS enrollment id whose certificate covers the hostname; required "
            "for edgekey.net / ENHANCED_TLS (certificate-enrollment-list).",
        ),
    ] = None,
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> EdgeHostnameCreated:
    """Create an edge hostname (<domain_prefix>.<domain_suffix>) to point property
    hostnames at. New edge hostnames are PENDING for a while; they can already be used in
    property-hostname-update."""
    papi = _papi(ctx, customer, account_switch_key)
    prefix = _hostname(domain_prefix, "domain_prefix")
    network = secure_network or {
        "edgekey.net": "ENHANCED_TLS",
        "akamaized.net": "SHARED_CERT",
    }.get(domain_suffix)
    if network == "ENHANCED_TLS" and cert_enrollment_id is None:
        raise InputError(
            "cert_enrollment_id",
            "required for an Enhanced TLS (edgekey.net) edge hostname: the CPS enrollment "
            "whose certificate covers it",
            allowed="an enrollment_id from certificate-enrollment-list, or domain_suffix "
            "edgesuite.net / akamaized.net",
        )
    cid, gid = await papi.resolve_contract_group(contract_id, group_id, any_group=True)
    product = _product(product_id)
    ehn = await papi.create_edge_hostname(
        cid,
        gid,
        product_id=product,
        domain_prefix=prefix,
        domain_suffix=domain_suffix,
        ip_version_behavior=ip_version_behavior,
        secure_network=network,
        cert_enrollment_id=cert_enrollment_id,
    )
    created = await papi.get_edge_hostname(ehn, cid, gid)
    return EdgeHostnameCreated(
        edge_hostname_id=ehn,
        edge_hostname_domain=created.edge_hostname_domain,
        status=created.status,
        contract_id=cid,
        group_id=gid,
    )


# -- CP codes ------------------------------------------------------------------------------


@tool("cpcode-list", toolset="papi", kind="read", title="List CP codes")
async def cpcode_list(
    ctx: Ctx,
    contract_id: ContractArg = None,
    group_id: Annotated[
        IdText | None,
        BeforeValidator(int_as_text),
        Field(description="grp_...; omit to list the contract's CP codes in every group."),
    ] = None,
    name_contains: Annotated[
        str | None, Field(description="Only names containing this text.", max_length=200)
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> CpcodeList:
    """List CP codes (reporting and purge buckets; cpc_123 is CP code 123 in a cpCode
    behavior). contract_id may be omitted when the account has one contract. Filter with
    name_contains, page with limit/offset."""
    papi = _papi(ctx, customer, account_switch_key)
    if group_id:
        cid, gid = await papi.resolve_contract_group(contract_id, group_id)
        groups = [gid]
    else:
        cid, _ = await papi.resolve_contract_group(contract_id, None, any_group=True)
        groups = [g.group_id for g in await papi.list_groups() if cid in g.contract_ids]
    seen: dict[str, CpCode] = {}
    for gid in groups:
        for code in await papi.list_cpcodes(cid, gid):
            seen.setdefault(code.cpcode_id, code)
    codes = list(seen.values())
    if name_contains:
        codes = [c for c in codes if name_contains.lower() in c.cpcode_name.lower()]
    page, next_offset = _page(codes, limit, offset)
    return CpcodeList(
        contract_id=cid,
        group_ids=groups,
        cpcodes=page,
        total=len(codes),
        next_offset=next_offset,
    )


@tool("cpcode-create", toolset="papi", kind="write", title="Create a CP code")
async def cpcode_create(
    ctx: Ctx,
    cpcode_name: Annotated[
        str,
        Field(
            description="Name, e.g. 'www.example.com images' (no commas, underscores, "
            "quotes, ^ # %).",
            min_length=1,
            max_length=100,
        ),
    ],
    product_id: Annotated[str, Field(description="prd_... (product-list).", max_length=64)],
    contract_id: ContractArg = None,
    group_id: GroupArg = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> CpcodeCreated:
    """Create a CP code for reporting and purging. Use its number in a cpCode behavior
    (property-rules-update)."""
    papi = _papi(ctx, customer, account_switch_key)
    cid, gid = await papi.resolve_contract_group(contract_id, group_id)
    product = _product(product_id)
    cpcode_id = await papi.create_cpcode(cpcode_name.strip(), product, cid, gid)
    return CpcodeCreated(
        cpcode_id=cpcode_id,
        cpcode=int(cpcode_id.removeprefix("cpc_")),
        cpcode_name=cpcode_name.strip(),
        contract_id=cid,
        group_id=gid,
    )
