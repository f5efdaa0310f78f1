"""Property Manager API (PAPI v1) client: typed calls over `Transport.request`.

    papi = PapiClient(transport, "default", account_switch_key=None)
    contract_id, group_id = await papi.resolve_contract_group(None, "grp_100002")
    property_id = await papi.create_property("www.example.com", "prd_Fresca", contract_id, group_id)
    rules = await papi.get_rules(property_id, 1)
    rules = await papi.update_rules(property_id, 1, new_rules, etag=rules.etag)

What it takes care of (and what the tools above it need not know):

- paths under `/papi/v1`, the `PAPI-Use-Prefixes: true` header, `contractId`/`groupId` query
  parameters, IDs taken from `Location` headers (or the `...Link` member of the body);
- etags: rule trees and hostnames are written with `If-Match: "<etag>"`; a stale etag comes
  back from PAPI as 412 and is raised as `AkamaiApiError` (status 412);
- JSON Patch on rule trees (`application/json-patch+json`), a chosen rule format
  (`application/vnd.akamai.papirules.<format>+json`);
- pagination of version lists (`offset` is the page number, `limit` the page size);
- looking up the contract and group a call needs when the caller omitted them
  (`resolve_contract_group`), and listing properties across every group and contract;
- `diff_rule_trees`: behaviors and criteria added, removed or changed, by rule path.

Errors: PAPI's problem documents come up as `alecs.transport.errors.AkamaiApiError`; a lookup
that cannot decide (two contracts, an unknown group) raises `PapiLookupError` naming the field
and the choices; a call that would fail for a known reason raises `PapiStateError`.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from alecs.akamai._base import (
    AkamaiInputError,
    AkamaiModel,
    JsonValue,
    ServiceClient,
    contains,
    reconcile,
)
from alecs.akamai.plan import PlanChange, WritePlan
from alecs.akamai.plan import request as plan_request
from alecs.akamai.waiting import PAPI_PENDING
from alecs.transport.errors import AkamaiApiError

if TYPE_CHECKING:
    import httpx2

    from alecs.transport import Transport

BASE = "/papi/v1"
NETWORKS = ("STAGING", "PRODUCTION")
FINAL_STATUSES = frozenset({"ACTIVE", "FAILED", "ABORTED", "DEACTIVATED", "INACTIVE"})
VERSION_PAGE = 100
SCHEMA_CACHE_SIZE = 4
_SCHEMA_CACHE: dict[tuple[str, str | None, str, str], dict[str, Any]] = {}
MAX_PARALLEL = 4
Network = Literal["STAGING", "PRODUCTION"]


class PapiLookupError(AkamaiInputError):
    """A contract, group or property could not be chosen for the caller: names the field.

    ``allowed`` is the list of choices (None when there are none); ``problem`` is the sentence
    without its closing full stop, the exception's text keeps it.
    """

    def __init__(self, field: str, problem: str, choices: Iterable[str] = ()) -> None:
        self.choices = list(choices)
        text = problem + (f" Choices: {', '.join(self.choices)}" if self.choices else "")
        super().__init__(field, problem.rstrip("."), self.choices or None, message=text)


class PapiStateError(RuntimeError):
    """The call would fail for a reason known beforehand (e.g. deleting an active property)."""


# ---------------------------------------------------------------------------------------------
# Models (PAPI's camelCase names in, snake_case out)


class PapiModel(AkamaiModel):
    """Reads PAPI's camelCase members (`propertyId`) into snake_case fields (`property_id`).

    Only top-level names are converted; nested PAPI objects (a rule tree, `fallbackInfo`) stay
    as PAPI sent them. Output and JSON schema use the snake_case names.
    """


class Contract(PapiModel):
    contract_id: str
    contract_type_name: str | None = None


class Group(PapiModel):
    group_id: str
    group_name: str
    parent_group_id: str | None = None
    contract_ids: list[str] = Field(default_factory=list)


class Product(PapiModel):
    product_id: str
    product_name: str


class CpCode(PapiModel):
    cpcode_id: str
    cpcode_name: str
    created_date: str | None = None
    product_ids: list[str] = Field(default_factory=list)


class Property(PapiModel):
    property_id: str
    property_name: str
    account_id: str | None = None
    contract_id: str
    group_id: str
    asset_id: str | None = None
    product_id: str | None = None
    latest_version: int
    staging_version: int | None = None
    production_version: int | None = None
    note: str | None = None
    rule_format: str | None = None


class PropertyVersion(PapiModel):
    property_version: int
    updated_by_user: str | None = None
    updated_date: str | None = None
    production_status: str
    staging_status: str
    etag: str | None = None
    product_id: str | None = None
    rule_format: str | None = None
    note: str | None = None


class RuleProblem(PapiModel):
    """One entry of a rule tree's `errors` or `warnings`."""

    type: str | None = None
    title: str | None = None
    detail: str | None = None
    error_location: str | None = None
    message_id: str | None = None
    behavior_name: str | None = None


class RuleTree(PapiModel):
    property_id: str
    property_version: int
    account_id: str | None = None
    contract_id: str | None = None
    group_id: str | None = None
    etag: str
    rule_format: str | None = None
    rules: dict[str, Any]
    errors: list[RuleProblem] = Field(default_factory=list)
    warnings: list[RuleProblem] = Field(default_factory=list)


class Hostname(PapiModel):
    cname_from: str
    cname_to: str | None = None
    cname_type: str = "EDGE_HOSTNAME"
    edge_hostname_id: str | None = None
    cert_provisioning_type: str | None = None
    cert_status: dict[str, Any] | None = None


class VersionHostnames(PapiModel):
    property_id: str
    property_version: int
    etag: str
    hostnames: list[Hostname]


class Activation(PapiModel):
    activation_id: str
    property_id: str
    property_name: str | None = None
    property_version: int | None = None
    network: str
    activation_type: str = "ACTIVATE"
    status: str
    submit_date: str | None = None
    update_date: str | None = None
    note: str | None = None
    notify_emails: list[str] = Field(default_factory=list)
    fallback_info: dict[str, Any] | None = None
    failure_cause: dict[str, Any] | None = None
    retry_after_s: float | None = Field(
        default=None, description="PAPI's Retry-After hint while PENDING (seconds)."
    )

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES


class ActivationSubmitted(BaseModel):
    """What `activate_or_attach` did: a new activation, or the identical pending one."""

    activation_id: str
    attached: bool = Field(
        description="True when an identical activation was already pending and is followed."
    )


class ActivationPendingError(PapiStateError):
    """Another activation (other version or kind) is pending on the network: names it."""

    def __init__(self, pending: Activation, error: AkamaiApiError) -> None:
        self.pending = pending
        self.error = error
        super().__init__(
            f"{pending.activation_type} of v{pending.property_version} of "
            f"{pending.property_id} on {pending.network} is still {pending.status} "
            f"({pending.activation_id}); PAPI allows one pending activation per network"
        )


class EdgeHostname(PapiModel):
    edge_hostname_id: str
    edge_hostname_domain: str
    product_id: str | None = None
    domain_prefix: str | None = None
    domain_suffix: str | None = None
    secure: bool = False
    ip_version_behavior: str | None = None
    status: str | None = None
    use_cases: list[dict[str, Any]] | None = None


class SearchHit(PapiModel):
    property_id: str
    property_name: str
    property_version: int
    contract_id: str | None = None
    group_id: str | None = None
    account_id: str | None = None
    asset_id: str | None = None
    staging_status: str | None = None
    production_status: str | None = None
    updated_by_user: str | None = None
    updated_date: str | None = None


FeatureKind = Literal["behaviors", "criteria"]


class AvailableFeature(PapiModel):
    name: str
    schema_link: str | None = None


class AvailableFeatures(PapiModel):
    """`available-behaviors` / `available-criteria` of a property version."""

    kind: FeatureKind
    contract_id: str | None = None
    group_id: str | None = None
    product_id: str | None = None
    rule_format: str | None = None
    items: list[AvailableFeature] = Field(default_factory=list)

    def find(self, name: str) -> AvailableFeature | None:
        """The feature named `name` (exact, else case-insensitive), or None."""
        exact = next((f for f in self.items if f.name == name), None)
        return exact or next((f for f in self.items if f.name.lower() == name.lower()), None)


def _unset(value: Any) -> bool:
    return value is None


class OptionSpec(BaseModel):
    """One option of a behavior or criterion, as a rule format schema describes it (members
    the schema does not set are left out of the output)."""

    name: str
    type: str | None = Field(
        None, description="JSON type; arrays as 'array of <type>'.", exclude_if=_unset
    )
    required: bool = False
    enum: list[JsonValue] | None = Field(None, exclude_if=_unset)
    default: JsonValue = Field(None, exclude_if=_unset)
    pattern: str | None = Field(None, exclude_if=_unset)
    minimum: float | None = Field(None, exclude_if=_unset)
    maximum: float | None = Field(None, exclude_if=_unset)
    max_length: int | None = Field(None, exclude_if=_unset)
    description: str | None = Field(None, exclude_if=_unset)


class RuleChange(BaseModel):
    """One difference between two rule trees."""

    path: str = Field(description="Rule path, e.g. 'default/Offload/CSS and JavaScript'.")
    kind: Literal["rule", "behavior", "criterion", "setting"]
    name: str = Field(description="Rule, behavior or criterion name, or the rule setting.")
    change: Literal["added", "removed", "changed"]
    before: JsonValue = None
    after: JsonValue = None


# ---------------------------------------------------------------------------------------------
# Helpers

_ID_IN_LINK = {
    "property": re.compile(r"/properties/(prp_[^/?#]+|\d+)"),
    "version": re.compile(r"/versions/(\d+)"),
    "activation": re.compile(r"/activations/(atv_[^/?#]+|\d+)"),
    "edgehostname": re.compile(r"/edgehostnames/(ehn_[^/?#]+|\d+)"),
    "cpcode": re.compile(r"/cpcodes/(cpc_[^/?#]+|\d+)"),
}


def id_from_link(link: str, kind: str) -> str:
    """`/papi/v1/properties/prp_1/versions/2?...` -> `2` (kind "version")."""
    m = _ID_IN_LINK[kind].search(link or "")
    if not m:
        raise ValueError(f"no {kind} id in link {link!r}")
    return m.group(1)


def _link(response: httpx2.Response, member: str) -> str:
    location = response.headers.get("location")
    if location:
        return location
    try:
        return str(response.json().get(member, ""))
    except ValueError:
        return ""


def with_prefix(prefix: str, value: str | int) -> str:
    text = str(value).strip()
    return text if text.lower().startswith(prefix) else prefix + text


VERSION_WORDS = ("latest", "staging", "production")


def parse_version(value: int | str | None) -> int | str:
    """`3`, `"3"`, `"v3"` -> 3; `None`/`"latest"` -> `"latest"`; `"staging"`/`"production"`
    (any case) -> `"STAGING"`/`"PRODUCTION"`. Anything else raises PapiLookupError."""
    if value is None:
        return "latest"
    if isinstance(value, bool):
        raise PapiLookupError(
            "version", f"{value!r} is not a version", ["a number", *VERSION_WORDS]
        )
    if isinstance(value, int):
        if value < 1:
            raise PapiLookupError("version", f"{value} is not a version number (1 or more)")
        return value
    text = str(value).strip().lower()
    if text == "latest":
        return "latest"
    if text in ("staging", "production"):
        return text.upper()
    digits = text[1:] if text.startswith("v") else text
    if digits.isascii() and digits.isdigit() and int(digits) >= 1:
        return int(digits)
    raise PapiLookupError(
        "version", f"{value!r} is not a version", ["a number like 3", *VERSION_WORDS]
    )


def _quoted(etag: str) -> str:
    etag = etag.strip()
    return etag if etag.startswith('"') else f'"{etag}"'


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _items(doc: Any, *members: str) -> list[Any]:
    for member in members:
        doc = doc.get(member, {}) if isinstance(doc, dict) else {}
    return list(doc.get("items", [])) if isinstance(doc, dict) else []


# ---------------------------------------------------------------------------------------------
# The client


class PapiClient(ServiceClient):
    """Property Manager for one .edgerc section (and optionally another account)."""

    base_path = BASE
    api_family = "papi"
    default_headers: ClassVar[Mapping[str, str]] = {"PAPI-Use-Prefixes": "true"}

    def __init__(
        self, transport: Transport, section: str, account_switch_key: str | None = None
    ) -> None:
        super().__init__(transport, section, account_switch_key)
        self._groups: list[Group] | None = None

    # -- prerequisites -------------------------------------------------------------------------

    async def list_contracts(self) -> list[Contract]:
        resp = await self._call("GET", "/contracts")
        return [Contract.model_validate(i) for i in _items(resp.json(), "contracts")]

    async def list_groups(self) -> list[Group]:
        if self._groups is None:
            resp = await self._call("GET", "/groups")
            self._groups = [Group.model_validate(i) for i in _items(resp.json(), "groups")]
        return list(self._groups)

    async def account_id(self) -> str | None:
        resp = await self._call("GET", "/contracts")
        return resp.json().get("accountId")

    async def list_products(self, contract_id: str) -> list[Product]:
        resp = await self._call("GET", "/products", params={"contractId": contract_id})
        return [Product.model_validate(i) for i in _items(resp.json(), "products")]

    async def contract_ids(self) -> list[str]:
        """Every contract the account's groups use (sorted)."""
        return sorted({c for g in await self.list_groups() for c in g.contract_ids})

    async def products_by_contract(
        self, contract_id: str | None = None
    ) -> dict[str, list[Product]]:
        """Products per contract: of `contract_id`, or of every contract when it is omitted."""
        contracts = [with_prefix("ctr_", contract_id)] if contract_id else await self.contract_ids()
        limiter = asyncio.Semaphore(MAX_PARALLEL)

        async def one(cid: str) -> list[Product]:
            async with limiter:
                return await self.list_products(cid)

        found = await asyncio.gather(*(one(c) for c in contracts))
        return dict(zip(contracts, found, strict=True))

    async def contract_for_product(self, product_id: str) -> str:
        """The one contract that offers `product_id`; PapiLookupError listing the contracts
        when several do (or naming the products when none does)."""
        pid = with_prefix("prd_", product_id)
        by_contract = await self.products_by_contract()
        offering = [
            c for c, products in by_contract.items() if any(p.product_id == pid for p in products)
        ]
        if len(offering) == 1:
            return offering[0]
        if not offering:
            known = sorted({p.product_id for ps in by_contract.values() for p in ps})
            raise PapiLookupError("product_id", f"No contract of this account offers {pid}.", known)
        raise PapiLookupError(
            "contract_id", f"Several contracts offer {pid}; say which one.", offering
        )

    async def list_edge_hostnames_all(
        self, contract_id: str | None = None, group_id: str | None = None
    ) -> list[EdgeHostname]:
        """Edge hostnames of one contract and group, or of every pair matching what was given
        (each edge hostname once)."""
        if contract_id and group_id:
            return await self.list_edge_hostnames(
                with_prefix("ctr_", contract_id), with_prefix("grp_", group_id)
            )
        cid = with_prefix("ctr_", contract_id) if contract_id else None
        gid = with_prefix("grp_", group_id) if group_id else None
        groups = await self.list_groups()
        pairs: list[tuple[str, str]] = []
        seen_contracts: set[str] = set()
        for g in groups:
            if gid is not None and g.group_id != gid:
                continue
            for c in g.contract_ids:
                if (cid is None or c == cid) and (gid is not None or c not in seen_contracts):
                    pairs.append((c, g.group_id))
                    seen_contracts.add(c)
        if gid and not pairs:
            raise PapiLookupError(
                "group_id", f"{gid} is not a group of this account.", _group_choices(groups)
            )
        limiter = asyncio.Semaphore(MAX_PARALLEL)

        async def one(c: str, g: str) -> list[EdgeHostname]:
            async with limiter:
                return await self.list_edge_hostnames(c, g)

        found = await asyncio.gather(*(one(c, g) for c, g in pairs))
        out: dict[str, EdgeHostname] = {}
        for items in found:
            for e in items:
                out.setdefault(e.edge_hostname_id, e)
        return list(out.values())

    async def list_cpcodes(self, contract_id: str, group_id: str) -> list[CpCode]:
        resp = await self._call(
            "GET", "/cpcodes", params={"contractId": contract_id, "groupId": group_id}
        )
        return [CpCode.model_validate(i) for i in _items(resp.json(), "cpcodes")]

    async def list_contract_cpcodes(
        self, contract_id: str, group_ids: list[str] | None = None
    ) -> tuple[list[CpCode], list[str]]:
        """A contract's CP codes over ``group_ids`` (default: every group using the contract).

        PAPI lists CP codes per contract and group, so this asks group after group and keeps
        the first of each CP code shared by several groups. Returns the CP codes and the
        groups asked.
        """
        if group_ids is None:
            group_ids = [
                g.group_id for g in await self.list_groups() if contract_id in g.contract_ids
            ]
        seen: dict[str, CpCode] = {}
        for gid in group_ids:
            for code in await self.list_cpcodes(contract_id, gid):
                seen.setdefault(code.cpcode_id, code)
        return list(seen.values()), list(group_ids)

    async def create_cpcode(
        self, name: str, product_id: str, contract_id: str, group_id: str
    ) -> str:
        """Create a CP code; returns its id (`cpc_...`).

        When the response is lost, the CP code is looked up by name before answering (found:
        its id is returned, so a retry does not duplicate it).
        """

        async def write() -> str:
            resp = await self._call(
                "POST",
                "/cpcodes",
                params={"contractId": contract_id, "groupId": group_id},
                json={"productId": product_id, "cpcodeName": name},
            )
            return id_from_link(_link(resp, "cpcodeLink"), "cpcode")

        async def check() -> tuple[bool | None, str | None]:
            found = [
                c for c in await self.list_cpcodes(contract_id, group_id) if c.cpcode_name == name
            ]
            return (True, found[-1].cpcode_id) if found else (False, None)

        return await reconcile(
            write,
            check,
            what=f"CP code {name!r}",
            how_to_check=f"cpcode-list for contract {contract_id} and group {group_id}",
        )

    async def resolve_contract_group(
        self, contract_id: str | None, group_id: str | None, *, any_group: bool = False
    ) -> tuple[str, str]:
        """The (contractId, groupId) a call needs, looked up when one or both are omitted.

        A group decides its contract when it has only one. A contract decides its group when
        one group uses it, or (with `any_group`, for calls where the group does not matter)
        the top-most group that does. Anything ambiguous raises `PapiLookupError` listing the
        choices.
        """
        if contract_id and group_id:
            return with_prefix("ctr_", contract_id), with_prefix("grp_", group_id)
        groups = await self.list_groups()
        if group_id:
            gid = with_prefix("grp_", group_id)
            group = next((g for g in groups if g.group_id == gid), None)
            if group is None:
                raise PapiLookupError(
                    "group_id", f"{gid} is not a group of this account.", _group_choices(groups)
                )
            if len(group.contract_ids) == 1:
                return group.contract_ids[0], gid
            raise PapiLookupError(
                "contract_id",
                f"Group {gid} uses several contracts; say which one.",
                group.contract_ids,
            )
        contracts = sorted({c for g in groups for c in g.contract_ids})
        if contract_id:
            cid = with_prefix("ctr_", contract_id)
        elif len(contracts) == 1:
            cid = contracts[0]
        else:
            raise PapiLookupError(
                "contract_id", "This account has several contracts; say which one.", contracts
            )
        using = [g for g in groups if cid in g.contract_ids]
        if not using:
            raise PapiLookupError(
                "contract_id", f"No group of this account uses contract {cid}.", contracts
            )
        if len(using) == 1:
            return cid, using[0].group_id
        if any_group:
            ids = {g.group_id for g in using}
            top = [g for g in using if g.parent_group_id not in ids]
            return cid, top[0].group_id
        raise PapiLookupError(
            "group_id", f"Several groups use contract {cid}; say which one.", _group_choices(using)
        )

    # -- properties ----------------------------------------------------------------------------

    async def list_properties(
        self, contract_id: str | None = None, group_id: str | None = None
    ) -> list[Property]:
        """Properties of one contract and group, or of every pair matching what was given."""
        if contract_id and group_id:
            pairs = [(with_prefix("ctr_", contract_id), with_prefix("grp_", group_id))]
        else:
            cid = with_prefix("ctr_", contract_id) if contract_id else None
            gid = with_prefix("grp_", group_id) if group_id else None
            groups = await self.list_groups()
            pairs = [
                (c, g.group_id)
                for g in groups
                if gid is None or g.group_id == gid
                for c in g.contract_ids
                if cid is None or c == cid
            ]
            if gid and not pairs:
                raise PapiLookupError(
                    "group_id", f"{gid} is not a group of this account.", _group_choices(groups)
                )
        limiter = asyncio.Semaphore(MAX_PARALLEL)

        async def one(c: str, g: str) -> list[Property]:
            async with limiter:
                resp = await self._call(
                    "GET", "/properties", params={"contractId": c, "groupId": g}
                )
            return [Property.model_validate(i) for i in _items(resp.json(), "properties")]

        seen: dict[str, Property] = {}
        for batch in await asyncio.gather(*(one(c, g) for c, g in pairs)):
            for prop in batch:
                seen.setdefault(prop.property_id, prop)
        return list(seen.values())

    async def get_property(
        self, property_id: str, contract_id: str | None = None, group_id: str | None = None
    ) -> Property:
        resp = await self._call(
            "GET",
            f"/properties/{with_prefix('prp_', property_id)}",
            params=_params(contractId=contract_id, groupId=group_id),
        )
        items = _items(resp.json(), "properties")
        if not items:
            raise PapiLookupError("property_id", f"Property {property_id} was not found.")
        return Property.model_validate(items[0])

    async def find_property_id(self, name: str) -> str:
        """The id of the property named `name` (exact name, as PAPI's search matches it)."""
        hits = await self.search(property_name=name)
        ids = sorted({h.property_id for h in hits})
        if not ids:
            raise PapiLookupError(
                "property_id",
                f"No property is named {name!r}. Use property-search by hostname, or "
                "property-list to browse.",
            )
        if len(ids) > 1:
            raise PapiLookupError("property_id", f"Several properties are named {name!r}.", ids)
        return ids[0]

    async def create_property(
        self,
        name: str,
        product_id: str,
        contract_id: str,
        group_id: str,
        *,
        rule_format: str | None = None,
        clone_from: str | None = None,
        clone_version: int | None = None,
        clone_etag: str | None = None,
        copy_hostnames: bool = False,
    ) -> str:
        """Create (or clone) a property; returns its id. Version 1 exists right away."""
        body: dict[str, Any] = {"productId": with_prefix("prd_", product_id), "propertyName": name}
        if rule_format:
            body["ruleFormat"] = rule_format
        if clone_from:
            clone: dict[str, Any] = {
                "propertyId": with_prefix("prp_", clone_from),
                "version": clone_version or 1,
                "copyHostnames": copy_hostnames,
            }
            if clone_etag:
                clone["cloneFromVersionEtag"] = clone_etag
            body["cloneFrom"] = clone

        async def write() -> str:
            resp = await self._call(
                "POST",
                "/properties",
                params={"contractId": contract_id, "groupId": group_id},
                json=body,
            )
            return id_from_link(_link(resp, "propertyLink"), "property")

        async def check() -> tuple[bool | None, str | None]:
            hits = await self.search(property_name=name)
            ids = sorted({h.property_id for h in hits})
            if len(ids) == 1:
                return True, ids[0]
            return (False, None) if not ids else (None, None)

        return await reconcile(
            write,
            check,
            what=f"property {name!r}",
            how_to_check=f"property-search with property_name={name!r}",
        )

    async def delete_property(self, property_id: str) -> str:
        """Delete a property that is active nowhere; returns PAPI's message."""
        prop = await self.get_property(property_id)
        active = [
            f"{network} (v{version})"
            for network, version in (
                ("STAGING", prop.staging_version),
                ("PRODUCTION", prop.production_version),
            )
            if version is not None
        ]
        if active:
            raise PapiStateError(
                f"{prop.property_id} is active on {', '.join(active)}; PAPI only deletes a "
                "property that is active nowhere. Deactivate it on each network first "
                "(property-deactivate)."
            )

        async def write() -> str:
            resp = await self._call(
                "DELETE",
                f"/properties/{prop.property_id}",
                params={"contractId": prop.contract_id, "groupId": prop.group_id},
            )
            return str(resp.json().get("message", "Deleted."))

        async def check() -> tuple[bool | None, str | None]:
            try:
                await self.get_property(prop.property_id, prop.contract_id, prop.group_id)
            except PapiLookupError:
                return True, "Deleted."
            except AkamaiApiError as exc:
                if exc.status in (403, 404):
                    return True, "Deleted."
                raise
            return False, None

        return await reconcile(
            write,
            check,
            what=f"delete of {prop.property_id}",
            how_to_check=f"property-get for {prop.property_id}",
        )

    async def search(
        self,
        *,
        property_name: str | None = None,
        hostname: str | None = None,
        edge_hostname: str | None = None,
    ) -> list[SearchHit]:
        """`POST /search/find-by-value` with exactly one criterion."""
        given = _params(propertyName=property_name, hostname=hostname, edgeHostname=edge_hostname)
        if len(given) != 1:
            raise ValueError("search by exactly one of property_name, hostname, edge_hostname")
        # A read sent as POST: safe to retry like a GET.
        resp = await self._call("POST", "/search/find-by-value", json=given, idempotent=True)
        return [SearchHit.model_validate(i) for i in _items(resp.json(), "versions")]

    # -- versions ------------------------------------------------------------------------------

    async def list_versions(
        self, property_id: str, *, limit: int | None = None, page_size: int = VERSION_PAGE
    ) -> list[PropertyVersion]:
        """Versions, newest first, following PAPI's pages until `limit` (or all of them)."""
        pid = with_prefix("prp_", property_id)
        out: list[PropertyVersion] = []
        page = 0
        while True:
            resp = await self._call(
                "GET", f"/properties/{pid}/versions", params={"offset": page, "limit": page_size}
            )
            items = [PropertyVersion.model_validate(i) for i in _items(resp.json(), "versions")]
            out.extend(items)
            if len(items) < page_size or (limit is not None and len(out) >= limit):
                break
            page += 1
        out.sort(key=lambda v: v.property_version, reverse=True)
        return out[:limit] if limit is not None else out

    async def get_version(self, property_id: str, version: int) -> PropertyVersion:
        pid = with_prefix("prp_", property_id)
        resp = await self._call("GET", f"/properties/{pid}/versions/{int(version)}")
        items = _items(resp.json(), "versions")
        if not items:
            raise PapiLookupError("version", f"Version {version} of {pid} was not found.")
        return PropertyVersion.model_validate(items[0])

    async def latest_version(
        self, property_id: str, activated_on: Network | None = None
    ) -> int | None:
        """The latest version number, or the one active on a network (None when none is)."""
        pid = with_prefix("prp_", property_id)
        try:
            resp = await self._call(
                "GET",
                f"/properties/{pid}/versions/latest",
                params=_params(activatedOn=activated_on),
            )
        except AkamaiApiError as exc:
            if activated_on is not None and exc.status == 404:
                return None
            raise
        if resp.status_code in (301, 302, 303, 307):
            return int(id_from_link(_link(resp, "versionLink"), "version"))
        items = _items(resp.json(), "versions")  # some PAPI versions answer 200 with the version
        if items:
            return int(items[0]["propertyVersion"])
        return int(id_from_link(_link(resp, "versionLink"), "version"))

    async def resolve_version(self, property_id: str, version: int | str | None) -> int:
        """A version number from `version`: a number (`3`, `"v3"`), `latest` (or None), or
        `staging`/`production` (the version active there; PapiLookupError when none is)."""
        pid = with_prefix("prp_", property_id)
        selector = parse_version(version)
        if isinstance(selector, int):
            return selector
        network: Network | None = None if selector == "latest" else selector  # type: ignore[assignment]
        number = await self.latest_version(pid, activated_on=network)
        if number is None:
            raise PapiLookupError(
                "version",
                f"No version of {pid} is active on {network}; give a version number, latest, "
                f"or the other network.",
            )
        return number

    @staticmethod
    def base_version(version: int) -> int | None:
        """The version a diff of `version` compares with by default: the one before it (None
        for version 1). PAPI does not record which version a version was copied from; new
        versions are made from the latest by default (property-version-create), so the one
        before is their base."""
        return int(version) - 1 if int(version) > 1 else None

    async def create_version(
        self, property_id: str, base_version: int, base_etag: str | None = None
    ) -> int:
        """A new version copied from `base_version` (rules and hostnames); returns its number."""
        body: dict[str, Any] = {"createFromVersion": int(base_version)}
        if base_etag:
            body["createFromVersionEtag"] = base_etag
        pid = with_prefix("prp_", property_id)

        async def write() -> int:
            resp = await self._call("POST", f"/properties/{pid}/versions", json=body)
            return int(id_from_link(_link(resp, "versionLink"), "version"))

        async def check() -> tuple[bool | None, int | None]:
            # A new version is a copy of its base: the latest version, newer than the base and
            # holding the base's rules, is the one the lost response would have named.
            latest = await self.latest_version(pid)
            if latest is None or latest <= int(base_version):
                return False, None
            new, base = await self.get_rules(pid, latest), await self.get_rules(pid, base_version)
            return (True, latest) if new.rules == base.rules else (None, None)

        return await reconcile(
            write,
            check,
            what=f"new version of {pid}",
            how_to_check=f"property-version-list for {pid}",
        )

    # -- rule trees ----------------------------------------------------------------------------

    async def get_rules(self, property_id: str, version: int, *, validate: bool = True) -> RuleTree:
        pid = with_prefix("prp_", property_id)
        resp = await self._call(
            "GET",
            f"/properties/{pid}/versions/{int(version)}/rules",
            params={"validateRules": "true" if validate else "false"},
        )
        return _rule_tree(resp)

    async def update_rules(
        self,
        property_id: str,
        version: int,
        rules: Mapping[str, Any],
        *,
        etag: str,
        rule_format: str | None = None,
        dry_run: bool = False,
        validate: bool = True,
    ) -> RuleTree:
        """Replace the rule tree (`rules` is the `default` rule) if `etag` is still current."""
        pid = with_prefix("prp_", property_id)
        ctype = (
            f"application/vnd.akamai.papirules.{rule_format}+json"
            if rule_format
            else "application/json"
        )

        async def write() -> RuleTree:
            resp = await self._call(
                "PUT",
                f"/properties/{pid}/versions/{int(version)}/rules",
                params=_params(
                    validateRules="true" if validate else "false",
                    dryRun="true" if dry_run else None,
                ),
                content=jsonlib.dumps({"rules": dict(rules)}).encode(),
                headers={"Content-Type": ctype, "If-Match": _quoted(etag)},
            )
            return _rule_tree(resp)

        async def check() -> tuple[bool | None, RuleTree | None]:
            # Guarded by the etag: re-read. A new etag holding our rules means ours was applied
            # (sending it again would only get a 412); the old etag means it was not.
            current = await self.get_rules(pid, version, validate=validate)
            if current.etag.strip('"') == etag.strip('"'):
                return False, None
            if contains(dict(rules), current.rules):
                return True, current
            return None, None  # changed, but not to what we sent: someone else edited it

        if dry_run:
            return await write()
        return await reconcile(
            write,
            check,
            what=f"rule tree of {pid} v{int(version)}",
            how_to_check=f"property-rules-get for {pid} version {int(version)} (compare the etag)",
        )

    async def patch_rules(
        self,
        property_id: str,
        version: int,
        operations: list[Mapping[str, Any]],
        *,
        etag: str,
        dry_run: bool = False,
        validate: bool = True,
    ) -> RuleTree:
        """Apply JSON Patch operations (paths like `/rules/behaviors/0/options/ttl`)."""
        pid = with_prefix("prp_", property_id)

        async def write() -> RuleTree:
            resp = await self._call(
                "PATCH",
                f"/properties/{pid}/versions/{int(version)}/rules",
                params=_params(
                    validateRules="true" if validate else "false",
                    dryRun="true" if dry_run else None,
                ),
                content=jsonlib.dumps([dict(op) for op in operations]).encode(),
                headers={"Content-Type": "application/json-patch+json", "If-Match": _quoted(etag)},
            )
            return _rule_tree(resp)

        async def check() -> tuple[bool | None, RuleTree | None]:
            # The etag guards the patch: unchanged means not applied; changed means ours or
            # someone else's edit, which a re-read alone cannot tell apart.
            current = await self.get_rules(pid, version, validate=validate)
            return (False, None) if current.etag.strip('"') == etag.strip('"') else (None, None)

        if dry_run:
            return await write()
        return await reconcile(
            write,
            check,
            what=f"rule patch of {pid} v{int(version)}",
            how_to_check=f"property-rules-get for {pid} version {int(version)} (compare the etag)",
        )

    # -- rule formats, schemas, available behaviors and criteria --------------------------------

    async def list_rule_formats(self) -> list[str]:
        """PAPI's rule formats as it lists them (`latest` and the dated, frozen formats)."""
        resp = await self._call("GET", "/rule-formats")
        return [str(f) for f in _items(resp.json(), "ruleFormats")]

    async def available_features(
        self, property_id: str, version: int, kind: FeatureKind
    ) -> AvailableFeatures:
        """The behaviors (or criteria) a property version may use, with the product and rule
        format they belong to and each one's `schemaLink` into the rule format schema."""
        pid = with_prefix("prp_", property_id)
        resp = await self._call(
            "GET", f"/properties/{pid}/versions/{int(version)}/available-{kind}"
        )
        doc = resp.json()
        return AvailableFeatures.model_validate({**doc, "kind": kind, "items": _items(doc, kind)})

    async def rule_format_schema(self, product_id: str, rule_format: str) -> dict[str, Any]:
        """The JSON schema of a product's rule format (large: megabytes on Akamai).

        Dated formats never change, so their schema is kept (a few per client class);
        `latest` is asked for every time.
        """
        product = with_prefix("prd_", product_id)
        key = (self.section, self.account_switch_key, product, rule_format)
        cached = _SCHEMA_CACHE.get(key)
        if cached is not None:
            return cached
        resp = await self._call("GET", f"/schemas/products/{_seg(product)}/{_seg(rule_format)}")
        schema = resp.json()
        if not isinstance(schema, dict):
            raise PapiStateError(f"the rule format schema of {product} {rule_format} is not JSON")
        if rule_format != "latest":
            while len(_SCHEMA_CACHE) >= SCHEMA_CACHE_SIZE:
                _SCHEMA_CACHE.pop(next(iter(_SCHEMA_CACHE)))
            _SCHEMA_CACHE[key] = schema
        return schema

    # -- version hostnames ---------------------------------------------------------------------

    async def get_hostnames(self, property_id: str, version: int) -> VersionHostnames:
        pid = with_prefix("prp_", property_id)
        resp = await self._call("GET", f"/properties/{pid}/versions/{int(version)}/hostnames")
        return _hostnames(resp)

    async def set_hostnames(
        self, property_id: str, version: int, hostnames: list[Mapping[str, Any]], *, etag: str
    ) -> VersionHostnames:
        """Replace the version's hostnames (items: cnameFrom + edgeHostnameId or cnameTo)."""
        pid = with_prefix("prp_", property_id)
        resp = await self._call(
            "PUT",
            f"/properties/{pid}/versions/{int(version)}/hostnames",
            json=[dict(h) for h in hostnames],
            headers={"If-Match": _quoted(etag)},
        )
        return _hostnames(resp)

    async def patch_hostnames(
        self,
        property_id: str,
        version: int,
        *,
        add: list[Mapping[str, Any]] | None = None,
        remove: list[str] | None = None,
        etag: str | None = None,
    ) -> VersionHostnames:
        """Add and remove hostnames. Without `etag`, the current one is read first."""
        pid = with_prefix("prp_", property_id)
        if etag is None:
            etag = (await self.get_hostnames(pid, version)).etag
        body: dict[str, Any] = {}
        if add:
            body["add"] = [dict(h) for h in add]
        if remove:
            body["remove"] = list(remove)
        resp = await self._call(
            "PATCH",
            f"/properties/{pid}/versions/{int(version)}/hostnames",
            json=body,
            headers={"If-Match": _quoted(etag)},
        )
        return _hostnames(resp)

    # -- activations ---------------------------------------------------------------------------

    async def activate(
        self,
        property_id: str,
        version: int,
        network: Network,
        *,
        notify_emails: list[str],
        note: str | None = None,
        acknowledge_all_warnings: bool = True,
        acknowledge_warnings: list[str] | None = None,
        use_fast_fallback: bool = False,
        deactivate: bool = False,
    ) -> str:
        """Submit an activation (or, with `deactivate`, a deactivation); returns its id."""
        body: dict[str, Any] = {
            "propertyVersion": int(version),
            "network": network,
            "notifyEmails": list(notify_emails),
            "acknowledgeAllWarnings": acknowledge_all_warnings,
            "activationType": "DEACTIVATE" if deactivate else "ACTIVATE",
        }
        if note:
            body["note"] = note
        if acknowledge_warnings:
            body["acknowledgeWarnings"] = list(acknowledge_warnings)
        if use_fast_fallback:
            body["useFastFallback"] = True
        pid = with_prefix("prp_", property_id)
        kind = body["activationType"]

        async def write() -> str:
            resp = await self._call("POST", f"/properties/{pid}/activations", json=body)
            return id_from_link(_link(resp, "activationLink"), "activation")

        async def check() -> tuple[bool | None, str | None]:
            # PAPI allows one pending activation per property and network: the newest one of
            # this version, network and kind that did not fail is the one submitted.
            latest = next(
                (a for a in await self.list_activations(pid) if a.network == network), None
            )
            if latest is None or latest.property_version != int(version):
                return False, None
            if latest.activation_type != kind or latest.status in ("FAILED", "ABORTED"):
                return None, None
            return True, latest.activation_id

        return await reconcile(
            write,
            check,
            what=f"{kind.lower()} of {pid} v{int(version)} on {network}",
            how_to_check=f"property-activation-list for {pid} on {network}",
        )

    async def get_activation(self, property_id: str, activation_id: str) -> Activation:
        """One activation; `retry_after_s` carries PAPI's hint while it is PENDING."""
        pid = with_prefix("prp_", property_id)
        aid = with_prefix("atv_", activation_id)
        resp = await self._call("GET", f"/properties/{pid}/activations/{aid}")
        items = _items(resp.json(), "activations")
        if not items:
            raise PapiLookupError("activation_id", f"Activation {aid} of {pid} was not found.")
        activation = Activation.model_validate(items[0])
        retry = resp.headers.get("retry-after")
        if retry:
            try:
                activation.retry_after_s = max(0.0, float(retry))
            except ValueError:
                activation.retry_after_s = None
        return activation

    async def list_activations(self, property_id: str) -> list[Activation]:
        """Every activation and deactivation of the property, newest first."""
        pid = with_prefix("prp_", property_id)
        resp = await self._call("GET", f"/properties/{pid}/activations")
        items = [Activation.model_validate(i) for i in _items(resp.json(), "activations")]
        items.sort(key=lambda a: (a.submit_date or "", _number(a.activation_id)), reverse=True)
        return items

    async def pending_activation(
        self, property_id: str, network: str, *, activation_type: str | None = None
    ) -> Activation | None:
        """The activation of the property still in flight on `network` (PAPI allows one), or
        None; with `activation_type` (ACTIVATE/DEACTIVATE) only one of that kind."""
        for activation in await self.list_activations(property_id):
            if activation.network != network or activation.status not in PAPI_PENDING:
                continue
            if activation_type is None or activation.activation_type == activation_type:
                return activation
        return None

    async def activate_or_attach(
        self,
        property_id: str,
        version: int,
        network: Network,
        *,
        notify_emails: list[str],
        deactivate: bool = False,
        **options: Any,
    ) -> ActivationSubmitted:
        """Submit an activation, or attach to the identical one already pending.

        PAPI refuses a second activation on a network while one is pending (422). When the
        pending one is the same version and kind, its id is returned (``attached=True``), so
        calling again after a client timeout continues the same activation. A different
        pending activation raises `ActivationPendingError` naming it.
        """
        kind = "DEACTIVATE" if deactivate else "ACTIVATE"
        try:
            activation_id = await self.activate(
                property_id,
                version,
                network,
                notify_emails=notify_emails,
                deactivate=deactivate,
                **options,
            )
        except AkamaiApiError as exc:
            if exc.status not in (409, 422):
                raise
            pending = await self.pending_activation(property_id, network)
            if pending is None:
                raise
            same = pending.activation_type == kind and (
                deactivate or pending.property_version == int(version)
            )
            if not same:
                raise ActivationPendingError(pending, exc) from exc
            return ActivationSubmitted(activation_id=pending.activation_id, attached=True)
        return ActivationSubmitted(activation_id=activation_id, attached=False)

    async def cancel_activation(self, property_id: str, activation_id: str) -> Activation:
        """Cancel a pending activation (`DELETE .../activations/{id}`): PAPI answers with the
        activation, ABORTED. One already live cannot be cancelled (PAPI's error is raised)."""
        pid = with_prefix("prp_", property_id)
        aid = with_prefix("atv_", activation_id)
        resp = await self._call("DELETE", f"/properties/{pid}/activations/{aid}")
        items = _items(resp.json(), "activations") if resp.content else []
        if items:
            return Activation.model_validate(items[0])
        return await self.get_activation(pid, aid)

    # -- edge hostnames ------------------------------------------------------------------------

    async def list_edge_hostnames(self, contract_id: str, group_id: str) -> list[EdgeHostname]:
        resp = await self._call(
            "GET", "/edgehostnames", params={"contractId": contract_id, "groupId": group_id}
        )
        return [EdgeHostname.model_validate(i) for i in _items(resp.json(), "edgeHostnames")]

    async def get_edge_hostname(
        self, edge_hostname_id: str, contract_id: str, group_id: str
    ) -> EdgeHostname:
        ehn = with_prefix("ehn_", edge_hostname_id)
        resp = await self._call(
            "GET",
            f"/edgehostnames/{ehn}",
            params={"contractId": contract_id, "groupId": group_id},
        )
        items = _items(resp.json(), "edgeHostnames")
        if not items:
            raise PapiLookupError("edge_hostname_id", f"Edge hostname {ehn} was not found.")
        return EdgeHostname.model_validate(items[0])

    async def create_edge_hostname(
        self,
        contract_id: str,
        group_id: str,
        *,
        product_id: str,
        domain_prefix: str,
        domain_suffix: str,
        ip_version_behavior: str,
        secure_network: str | None = None,
        cert_enrollment_id: int | None = None,
    ) -> str:
        """Create an edge hostname (`<prefix>.<suffix>`); returns its id."""
        body: dict[str, Any] = {
            "productId": with_prefix("prd_", product_id),
            "domainPrefix": domain_prefix,
            "domainSuffix": domain_suffix,
            "ipVersionBehavior": ip_version_behavior,
        }
        if secure_network:
            body["secureNetwork"] = secure_network
        if cert_enrollment_id is not None:
            body["certEnrollmentId"] = int(cert_enrollment_id)

        async def write() -> str:
            resp = await self._call(
                "POST",
                "/edgehostnames",
                params={"contractId": contract_id, "groupId": group_id},
                json=body,
            )
            return id_from_link(_link(resp, "edgeHostnameLink"), "edgehostname")

        domain = f"{domain_prefix}.{domain_suffix}".lower()

        async def check() -> tuple[bool | None, str | None]:
            for ehn in await self.list_edge_hostnames(contract_id, group_id):
                if ehn.edge_hostname_domain.lower() == domain:
                    return True, ehn.edge_hostname_id
            return False, None

        return await reconcile(
            write,
            check,
            what=f"edge hostname {domain}",
            how_to_check=f"edge-hostname-list for contract {contract_id} (look for {domain})",
        )

    # -- dry-run plans (read only: see alecs/akamai/plan.py) ------------------------------------

    async def _editable_problems(self, pid: str, version: int) -> list[str]:
        """Why PAPI would refuse to edit `version` (activated or pending somewhere), if so."""
        info = await self.get_version(pid, version)
        return [
            f"{pid} v{version} is {status} on {network}: activated versions can't change; "
            "create a new version first (property-version-create)"
            for network, status in (
                ("STAGING", info.staging_status),
                ("PRODUCTION", info.production_status),
            )
            if status in ("ACTIVE", "PENDING")
        ]

    async def plan_patch_hostnames(
        self,
        property_id: str,
        version: int,
        *,
        add: list[Mapping[str, Any]] | None = None,
        remove: list[str] | None = None,
        etag: str | None = None,
    ) -> WritePlan:
        """Hostnames added, removed and re-pointed, with the edge hostnames they CNAME to."""
        pid = with_prefix("prp_", property_id)
        current = await self.get_hostnames(pid, version)
        by_name = {h.cname_from.lower(): h for h in current.hostnames}
        edge_names: dict[str, str] = {}
        ids = [str(i["edgeHostnameId"]) for i in add or [] if i.get("edgeHostnameId")]
        if ids:
            prop = await self.get_property(pid)
            for ehn in dict.fromkeys(ids):
                try:
                    edge = await self.get_edge_hostname(ehn, prop.contract_id, prop.group_id)
                    edge_names[ehn] = edge.edge_hostname_domain
                except (AkamaiApiError, PapiLookupError):
                    edge_names[ehn] = ""
        changes: list[PlanChange] = []
        errors = await self._editable_problems(pid, version)
        for item in add or []:
            name = str(item["cnameFrom"]).lower()
            ehn = str(item.get("edgeHostnameId") or "")
            target = str(item.get("cnameTo") or edge_names.get(ehn) or ehn)
            if ehn and not edge_names.get(ehn):
                errors.append(f"edge hostname {ehn} was not found in the property's contract")
            old = by_name.get(name)
            if old is None:
                changes.append(PlanChange(action="add", target=name, after=target))
            elif (old.cname_to or old.edge_hostname_id or "").lower() in (
                target.lower(),
                ehn.lower(),
            ):
                changes.append(
                    PlanChange(action="unchanged", target=name, before=old.cname_to, after=target)
                )
            else:
                changes.append(
                    PlanChange(action="repoint", target=name, before=old.cname_to, after=target)
                )
        for name in remove or []:
            old = by_name.get(name.lower())
            if old is None:
                errors.append(f"{name} is not a hostname of {pid} v{version}")
            else:
                changes.append(PlanChange(action="remove", target=name, before=old.cname_to))
        if etag is not None and etag.strip().strip('"') != current.etag:
            errors.append(
                f"etag {etag!r} is stale (the hostnames are now at {current.etag!r}): PAPI would "
                "answer 412; read them again with property-hostname-list"
            )
        body: dict[str, Any] = {}
        if add:
            body["add"] = [dict(h) for h in add]
        if remove:
            body["remove"] = list(remove)
        count = {a: sum(1 for c in changes if c.action == a) for a in ("add", "remove", "repoint")}
        after = len(current.hostnames) + count["add"] - count["remove"]
        would = any(c.action != "unchanged" for c in changes)
        return WritePlan(
            operation=f"add {count['add']}, remove {count['remove']} and re-point "
            f"{count['repoint']} hostnames of {pid} v{version}",
            target={"property_id": pid, "version": int(version)},
            changes=changes,
            requests=[
                plan_request(
                    "PATCH",
                    f"{self.base_path}/properties/{pid}/versions/{int(version)}/hostnames",
                    body,
                )
            ]
            if would
            else [],
            details={
                "etag": current.etag,
                "hostnames_before": len(current.hostnames),
                "hostnames_after": after,
                "takes_effect": "when this version is activated",
            },
            errors=errors,
            would_change=would and not errors,
        )

    async def plan_activate(
        self,
        property_id: str,
        version: int | None,
        network: Network,
        *,
        deactivate: bool = False,
        max_rule_changes: int = 50,
    ) -> WritePlan:
        """The version that would go live (or stop) on `network`: a rule diff against the
        version active there now, PAPI's validation errors and warnings for the version, and
        a pending activation that would make PAPI refuse."""
        pid = with_prefix("prp_", property_id)
        prop = await self.get_property(pid)
        active = prop.staging_version if network == "STAGING" else prop.production_version
        errors: list[str] = []
        warnings: list[str] = []
        if deactivate:
            number = active
            if number is None:
                errors.append(f"{pid} is not active on {network}; nothing to deactivate")
        else:
            number = int(version) if version is not None else prop.latest_version
        pending = [
            a for a in await self.list_activations(pid) if a.network == network and not a.finished
        ]
        attach = None
        if pending:
            first = pending[0]
            kind = "DEACTIVATE" if deactivate else "ACTIVATE"
            same = first.activation_type == kind and (
                deactivate or first.property_version == number
            )
            details_pending = {"pending_activation": first.activation_id}
            if same:
                attach = first
                warnings.append(
                    f"{first.activation_id} ({kind} v{first.property_version}) is already "
                    f"{first.status} on {network}: a real call follows it instead of submitting "
                    "another (PAPI accepts one at a time)"
                )
            else:
                errors.append(
                    f"{first.activation_type} of v{first.property_version} ({first.activation_id}) "
                    f"is still {first.status} on {network}: PAPI accepts one at a time"
                )
        else:
            details_pending = {}
        details: dict[str, Any] = {
            "version": number,
            "active_version": active,
            "network": network,
            "activation_type": "DEACTIVATE" if deactivate else "ACTIVATE",
            **details_pending,
        }
        changes: list[PlanChange] = []
        if number is not None and not deactivate:
            tree = await self.get_rules(pid, number, validate=True)
            errors += [_problem_text(p) for p in tree.errors]
            warnings += [_problem_text(p) for p in tree.warnings]
            details["rule_errors"] = [p.model_dump(exclude_none=True) for p in tree.errors]
            details["rule_warnings"] = [p.model_dump(exclude_none=True) for p in tree.warnings]
            if active is not None and active != number:
                base = await self.get_rules(pid, active, validate=False)
                diff = diff_rule_trees(base.rules, tree.rules)
                counts = Counter(f"{c.kind}s {c.change}" for c in diff)
                details["rule_diff_against"] = active
                details["rule_diff_summary"] = dict(sorted(counts.items()))
                details["rule_changes"] = [
                    c.model_dump(mode="json") for c in diff[:max_rule_changes]
                ]
                details["rule_changes_total"] = len(diff)
            elif active == number:
                warnings.append(f"v{number} is already active on {network}")
            changes.append(
                PlanChange(
                    action="activate",
                    target=f"{pid} on {network}",
                    before=None if active is None else f"v{active}",
                    after=f"v{number}",
                )
            )
        elif number is not None:
            changes.append(
                PlanChange(action="deactivate", target=f"{pid} on {network}", before=f"v{number}")
            )
        verb = "deactivate" if deactivate else "activate"
        return WritePlan(
            operation=f"{verb} {pid} ({prop.property_name})"
            + (f" v{number}" if number is not None else "")
            + f" on {network}",
            target={"property_id": pid, "property_name": prop.property_name, "network": network},
            changes=changes,
            requests=[plan_request("POST", f"{self.base_path}/properties/{pid}/activations")]
            if not errors and attach is None
            else [],
            details=details,
            errors=errors,
            warnings=warnings,
            would_change=not errors and number is not None and attach is None,
        )

    async def plan_cancel_activation(self, property_id: str, activation_id: str) -> WritePlan:
        """The pending activation that would be cancelled; refused once it is live or done."""
        pid = with_prefix("prp_", property_id)
        activation = await self.get_activation(pid, activation_id)
        errors = (
            [
                f"{activation.activation_id} is {activation.status}: only a pending activation "
                "can be cancelled"
            ]
            if activation.finished
            else []
        )
        return WritePlan(
            operation=f"cancel {activation.activation_type} {activation.activation_id} of {pid} "
            f"v{activation.property_version} on {activation.network}",
            target={
                "property_id": pid,
                "activation_id": activation.activation_id,
                "network": activation.network,
            },
            changes=[
                PlanChange(
                    action="cancel",
                    target=activation.activation_id,
                    before=activation.status,
                    after="ABORTED",
                )
            ],
            requests=[]
            if errors
            else [
                plan_request(
                    "DELETE",
                    f"{self.base_path}/properties/{pid}/activations/{activation.activation_id}",
                )
            ],
            details={"version": activation.property_version, "status_now": activation.status},
            errors=errors,
            would_change=not errors,
        )

    async def plan_create_property(
        self,
        name: str,
        product_id: str,
        contract_id: str,
        group_id: str,
        *,
        rule_format: str | None = None,
        clone_from: str | None = None,
        clone_version: int | None = None,
    ) -> WritePlan:
        """The property that would be created (resolved contract, group, product, name) and
        whether one with that name exists."""
        existing = sorted({h.property_id for h in await self.search(property_name=name)})
        errors = (
            [f"a property named {name!r} already exists ({', '.join(existing)})"]
            if existing
            else []
        )
        target = {
            "property_name": name,
            "product_id": with_prefix("prd_", product_id),
            "contract_id": with_prefix("ctr_", contract_id),
            "group_id": with_prefix("grp_", group_id),
            "rule_format": rule_format,
            "clone_from": with_prefix("prp_", clone_from) if clone_from else None,
            "clone_version": clone_version,
        }
        return WritePlan(
            operation=f"create property {name!r} ({target['product_id']}) in "
            f"{target['contract_id']}, {target['group_id']}"
            + (f", cloned from {target['clone_from']}" if clone_from else ""),
            target=target,
            changes=[PlanChange(action="create", target=f"property {name}", after=target)],
            requests=[plan_request("POST", f"{self.base_path}/properties")],
            details={"already_exists": bool(existing), "existing_ids": existing},
            errors=errors,
            would_change=not existing,
        )

    async def plan_delete_property(self, property_id: str) -> WritePlan:
        """The property that would be deleted; refused while it is active anywhere."""
        prop = await self.get_property(property_id)
        errors = [
            f"{prop.property_id} is active on {network} (v{v}): deactivate it first"
            for network, v in (
                ("STAGING", prop.staging_version),
                ("PRODUCTION", prop.production_version),
            )
            if v is not None
        ]
        return WritePlan(
            operation=f"delete property {prop.property_id} ({prop.property_name})",
            target={"property_id": prop.property_id, "property_name": prop.property_name},
            changes=[
                PlanChange(
                    action="delete",
                    target=f"property {prop.property_id}",
                    before={"name": prop.property_name, "latest_version": prop.latest_version},
                )
            ],
            requests=[]  # alecs refuses it before sending anything
            if errors
            else [plan_request("DELETE", f"{self.base_path}/properties/{prop.property_id}")],
            details={"latest_version": prop.latest_version},
            errors=errors,
            would_change=not errors,
        )

    async def plan_create_version(
        self, property_id: str, base_version: int, base_etag: str | None = None
    ) -> WritePlan:
        """The version that would be created from `base_version`, and its number."""
        pid = with_prefix("prp_", property_id)
        prop = await self.get_property(pid)
        errors: list[str] = []
        try:
            base = await self.get_version(pid, base_version)
            if base_etag and base.etag and base_etag.strip('"') != base.etag:
                errors.append(
                    f"etag {base_etag!r} of v{base_version} is stale (now {base.etag!r}): PAPI "
                    "would refuse"
                )
        except (AkamaiApiError, PapiLookupError):
            errors.append(f"{pid} has no version {base_version}")
        new = prop.latest_version + 1
        return WritePlan(
            operation=f"create {pid} v{new} from v{base_version}",
            target={"property_id": pid, "base_version": int(base_version)},
            changes=[
                PlanChange(
                    action="create",
                    target=f"{pid} v{new}",
                    after={"version": new, "copied_from": int(base_version)},
                    note="rules and hostnames copied",
                )
            ],
            requests=[plan_request("POST", f"{self.base_path}/properties/{pid}/versions")],
            details={"new_version": new, "latest_version": prop.latest_version},
            errors=errors,
            would_change=not errors,
        )

    async def plan_create_cpcode(
        self, name: str, product_id: str, contract_id: str, group_id: str
    ) -> WritePlan:
        """The CP code that would be created, and any with that name already there."""
        cid, gid = with_prefix("ctr_", contract_id), with_prefix("grp_", group_id)
        existing = [c.cpcode_id for c in await self.list_cpcodes(cid, gid) if c.cpcode_name == name]
        target = {
            "cpcode_name": name,
            "product_id": with_prefix("prd_", product_id),
            "contract_id": cid,
            "group_id": gid,
        }
        return WritePlan(
            operation=f"create CP code {name!r} ({target['product_id']}) in {cid}, {gid}",
            target=target,
            changes=[PlanChange(action="create", target=f"CP code {name}", after=target)],
            requests=[plan_request("POST", f"{self.base_path}/cpcodes")],
            details={"already_exists": bool(existing), "existing_ids": existing},
            warnings=[f"a CP code named {name!r} already exists ({', '.join(existing)})"]
            if existing
            else [],
            would_change=True,
        )

    async def plan_create_edge_hostname(
        self,
        contract_id: str,
        group_id: str,
        *,
        product_id: str,
        domain_prefix: str,
        domain_suffix: str,
        ip_version_behavior: str,
    ) -> WritePlan:
        """The edge hostname that would be created, and whether it exists already."""
        cid, gid = with_prefix("ctr_", contract_id), with_prefix("grp_", group_id)
        domain = f"{domain_prefix}.{domain_suffix}".lower()
        existing = [
            e.edge_hostname_id
            for e in await self.list_edge_hostnames(cid, gid)
            if e.edge_hostname_domain.lower() == domain
        ]
        target = {
            "edge_hostname": domain,
            "product_id": with_prefix("prd_", product_id),
            "contract_id": cid,
            "group_id": gid,
            "ip_version_behavior": ip_version_behavior,
        }
        return WritePlan(
            operation=f"create edge hostname {domain} ({ip_version_behavior}) in {cid}, {gid}",
            target=target,
            changes=[PlanChange(action="create", target=domain, after=target)],
            requests=[plan_request("POST", f"{self.base_path}/edgehostnames")],
            details={"already_exists": bool(existing), "existing_ids": existing},
            errors=[f"edge hostname {domain} already exists ({', '.join(existing)})"]
            if existing
            else [],
            would_change=not existing,
        )


def _group_choices(groups: Iterable[Group]) -> list[str]:
    return [f"{g.group_id} ({g.group_name})" for g in groups]


def _problem_text(problem: RuleProblem) -> str:
    where = f" at {problem.error_location}" if problem.error_location else ""
    return f"{problem.title or problem.type or 'problem'}{where}: {problem.detail or ''}".rstrip(
        ": "
    )


def _number(identifier: str) -> int:
    m = re.search(r"(\d+)$", identifier)
    return int(m.group(1)) if m else 0


def _rule_tree(resp: httpx2.Response) -> RuleTree:
    doc = resp.json()
    if not doc.get("etag"):
        doc["etag"] = (resp.headers.get("etag") or "").strip('"')
    return RuleTree.model_validate(doc)


def _hostnames(resp: httpx2.Response) -> VersionHostnames:
    doc = resp.json()
    return VersionHostnames(
        property_id=doc.get("propertyId", ""),
        property_version=int(doc.get("propertyVersion", 0)),
        etag=doc.get("etag") or (resp.headers.get("etag") or "").strip('"'),
        hostnames=[Hostname.model_validate(h) for h in _items(doc, "hostnames")],
    )


# ---------------------------------------------------------------------------------------------
# Rule tree diff


def _rule_paths(rule: Mapping[str, Any], path: str, out: dict[str, Mapping[str, Any]]) -> None:
    out[path] = rule
    seen: Counter[str] = Counter()
    for child in rule.get("children") or []:
        if not isinstance(child, Mapping):
            continue
        name = str(child.get("name", "?"))
        seen[name] += 1
        suffix = f"[{seen[name]}]" if seen[name] > 1 else ""
        _rule_paths(child, f"{path}/{name}{suffix}", out)


def _features(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    seen: Counter[str] = Counter()
    for item in items or []:
        if not isinstance(item, Mapping):
            continue
        name = str(item.get("name", "?"))
        seen[name] += 1
        key = f"{name}[{seen[name]}]" if seen[name] > 1 else name
        out[key] = item.get("options", {})
    return out


_SETTINGS = ("criteriaMustSatisfy", "options", "comments", "comment", "variables", "uuid")


def diff_rule_trees(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[RuleChange]:
    """Rules, behaviors, criteria and rule settings added, removed or changed, by rule path.

    Takes two `default` rules (the `rules` member of a rule tree). Behaviors and criteria are
    matched by name within a rule (a repeated name by its occurrence: `caching[2]`).
    """
    old: dict[str, Mapping[str, Any]] = {}
    new: dict[str, Mapping[str, Any]] = {}
    _rule_paths(before, str(before.get("name", "default")), old)
    _rule_paths(after, str(after.get("name", "default")), new)
    changes: list[RuleChange] = []
    for path in list(old) + [p for p in new if p not in old]:
        name = path.rsplit("/", 1)[-1]
        if path not in new:
            changes.append(RuleChange(path=path, kind="rule", name=name, change="removed"))
            continue
        if path not in old:
            changes.append(RuleChange(path=path, kind="rule", name=name, change="added"))
            for kind, member in (("criterion", "criteria"), ("behavior", "behaviors")):
                for key, options in _features(new[path].get(member)).items():
                    changes.append(
                        RuleChange(path=path, kind=kind, name=key, change="added", after=options)
                    )
            continue
        a, b = old[path], new[path]
        for setting in _SETTINGS:
            if a.get(setting) != b.get(setting) and (setting in a or setting in b):
                changes.append(
                    RuleChange(
                        path=path,
                        kind="setting",
                        name=setting,
                        change="changed"
                        if setting in a and setting in b
                        else ("added" if setting in b else "removed"),
                        before=a.get(setting),
                        after=b.get(setting),
                    )
                )
        for kind, member in (("criterion", "criteria"), ("behavior", "behaviors")):
            fa, fb = _features(a.get(member)), _features(b.get(member))
            for key in list(fa) + [k for k in fb if k not in fa]:
                if key not in fb:
                    changes.append(
                        RuleChange(path=path, kind=kind, name=key, change="removed", before=fa[key])
                    )
                elif key not in fa:
                    changes.append(
                        RuleChange(path=path, kind=kind, name=key, change="added", after=fb[key])
                    )
                elif fa[key] != fb[key]:
                    changes.append(
                        RuleChange(
                            path=path,
                            kind=kind,
                            name=key,
                            change="changed",
                            before=fa[key],
                            after=fb[key],
                        )
                    )
    return changes


# ---------------------------------------------------------------------------------------------
# Rule formats and their schemas

_DATED_FORMAT = re.compile(r"^v(\d{4})-(\d{2})-(\d{2})(.*)$")


def sorted_rule_formats(formats: Iterable[str]) -> list[str]:
    """Dated rule formats newest first (`v2025-01-13` before `v2024-10-21`; a suffixed
    format such as `v2023-01-05-beta` right after its date), `latest` left out."""
    dated = [f for f in formats if _DATED_FORMAT.match(f)]
    return sorted(dated, key=lambda f: (f[:11], f[11:] == "", f), reverse=True)


def _seg(value: str) -> str:
    return quote(value, safe="")


def _resolve(schema: Mapping[str, Any], node: Any, depth: int = 0) -> Any:
    """`node` with a local `$ref` (`#/definitions/...`) followed, `allOf` parts merged."""
    if not isinstance(node, Mapping) or depth > 8:
        return node
    if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target = schema_pointer(schema, node["$ref"][1:])
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return _resolve(schema, {**(target or {}), **rest}, depth + 1)
    if isinstance(node.get("allOf"), list):
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            part = _resolve(schema, part, depth + 1)
            if not isinstance(part, Mapping):
                continue
            for key, value in part.items():
                if key == "properties" and isinstance(value, Mapping):
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged
    return node


def schema_pointer(schema: Mapping[str, Any], pointer: str) -> Any:
    """The member of `schema` at a JSON Pointer (`/definitions/catalog/behaviors/caching`)."""
    node: Any = schema
    for raw in pointer.strip("/").split("/") if pointer.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def feature_schema(
    schema: Mapping[str, Any], kind: FeatureKind, name: str, schema_link: str | None = None
) -> dict[str, Any] | None:
    """A behavior's or criterion's schema: at its `schemaLink` fragment, else at
    `/definitions/catalog/<kind>/<name>` (where PAPI keeps them); None when absent."""
    pointers = []
    if schema_link and "#" in schema_link:
        pointers.append(schema_link.split("#", 1)[1])
    pointers.append(f"/definitions/catalog/{kind}/{name}")
    for pointer in pointers:
        node = _resolve(schema, schema_pointer(schema, pointer))
        if isinstance(node, Mapping):
            return dict(node)
    return None


_JSON_TYPE_OF = {str: "string", bool: "boolean", int: "integer", float: "number"}


def _type_text(schema: Mapping[str, Any], prop: Mapping[str, Any]) -> str | None:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = " or ".join(str(k) for k in kind)
    if kind == "array":
        items = _resolve(schema, prop.get("items"))
        inner = items.get("type") if isinstance(items, Mapping) else None
        return f"array of {inner}" if isinstance(inner, str) else "array"
    if kind is None and isinstance(prop.get("enum"), list):
        kinds = {_JSON_TYPE_OF.get(type(v)) for v in prop["enum"]}
        return kinds.pop() if len(kinds) == 1 else None
    return str(kind) if kind is not None else None


def _first_sentence(text: Any, limit: int = 160) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    line = " ".join(text.split())
    cut = line.find(". ")
    line = line[: cut + 1] if 0 < cut < limit else line
    return line if len(line) <= limit else line[: limit - 3] + "..."


def option_specs(schema: Mapping[str, Any], feature: Mapping[str, Any]) -> list[OptionSpec]:
    """The options of a behavior or criterion schema (from `feature_schema`), compact: type,
    required, enum, default, pattern, bounds and the first sentence of the description."""
    props = feature.get("properties")
    options = _resolve(schema, props.get("options")) if isinstance(props, Mapping) else None
    if not isinstance(options, Mapping):
        return []
    required = set(options.get("required") or [])
    out = []
    for name, raw in (options.get("properties") or {}).items():
        prop = _resolve(schema, raw)
        if not isinstance(prop, Mapping):
            continue
        out.append(
            OptionSpec(
                name=name,
                type=_type_text(schema, prop),
                required=name in required,
                enum=list(prop["enum"]) if isinstance(prop.get("enum"), list) else None,
                default=prop.get("default"),
                pattern=prop.get("pattern"),
                minimum=prop.get("minimum"),
                maximum=prop.get("maximum"),
                max_length=prop.get("maxLength"),
                description=_first_sentence(prop.get("description")),
            )
        )
    return out
