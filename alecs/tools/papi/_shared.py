"""Shared by the Property Manager tool modules: argument types, lookups, the error map."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BeforeValidator, Field

from alecs.akamai.papi import PapiClient, PapiLookupError, PapiStateError, RuleProblem
from alecs.tools._common import Ctx, ErrorMap, InputError, int_as_text, normalize_id, service

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


VersionWord = Literal["latest", "staging", "production"]


def version_word(value: Any) -> Any:
    """`"3"`/`"v3"` -> 3, `"LATEST"`/`"Staging"` -> the lower-case word; the rest unchanged."""
    if isinstance(value, str):
        text = value.strip().lower()
        digits = text[1:] if text.startswith("v") else text
        if digits.isascii() and digits.isdigit():
            return int(digits)
        return text
    return value


VERSION_HELP = (
    "Property version: a number, or latest, staging or production (the version active there)"
)
OptionalVersion = Annotated[
    Annotated[int, Field(ge=1)] | VersionWord | None,
    BeforeValidator(version_word),
    Field(description=VERSION_HELP + "; default latest."),
]
"""A version selector: every tool taking an existing version accepts the same words."""


def version_arg(description: str) -> Any:
    """`OptionalVersion` with its own description (e.g. the base of a new version)."""
    return Annotated[
        Annotated[int, Field(ge=1)] | VersionWord | None,
        BeforeValidator(version_word),
        Field(description=f"{description} {VERSION_HELP}."),
    ]


def editable_version_arg(description: str) -> Any:
    """A required version selector for tools that change a version: a number or `latest`
    (`staging`/`production` name active versions, which PAPI keeps frozen)."""
    return Annotated[
        Annotated[int, Field(ge=1)] | Literal["latest"],
        BeforeValidator(version_word),
        Field(description=f"{description} A number or latest."),
    ]


def papi_client(ctx: Ctx, customer: str | None, account_switch_key: str | None) -> PapiClient:
    return service(ctx, PapiClient, customer, account_switch_key)


NUMERIC_PROPERTY_ID = re.compile(r"^(?i:prp_)?\d+$")


async def resolve_property_id(papi: PapiClient, value: str) -> str:
    text = value.strip()
    if NUMERIC_PROPERTY_ID.match(text):
        return normalize_id(text, "prp_", field="property_id")
    return await papi.find_property_id(text)


async def resolve_version(
    papi: PapiClient, property_id: str, version: int | str | None, *, field: str = "version"
) -> int:
    """The version number a selector means (None and `latest`: the latest version;
    `staging`/`production`: the one active there, an input error naming `field` when none)."""
    try:
        return await papi.resolve_version(property_id, version)
    except PapiLookupError as exc:
        raise InputError(field, exc.problem, allowed=exc.allowed) from None


async def contract_offering(papi: PapiClient, product: str, group_id: str | None) -> str:
    """The contract for a new property, CP code or edge hostname when none was given: the
    one (of the group's, when a group was given) that offers the product; asks
    (PapiLookupError) only when several do."""
    if group_id is None:
        return await papi.contract_for_product(product)
    gid = group_id if str(group_id).startswith("grp_") else f"grp_{group_id}"
    groups = {g.group_id: g for g in await papi.list_groups()}
    group = groups.get(gid)
    if group is None or len(group.contract_ids) == 1:
        cid, _ = await papi.resolve_contract_group(None, gid)  # names the group's problem
        return cid
    offers = await papi.products_by_contract()
    fitting = [
        c for c in group.contract_ids if any(p.product_id == product for p in offers.get(c, []))
    ]
    if len(fitting) == 1:
        return fitting[0]
    raise PapiLookupError(
        "contract_id",
        f"Group {gid} uses several contracts"
        + (f" that offer {product}" if fitting else "")
        + "; say which one.",
        fitting or group.contract_ids,
    )


def clean_hostname(value: str, field: str) -> str:
    """`https://www.example.com/path` -> `www.example.com`."""
    text = value.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].rstrip(".")
    if not re.fullmatch(
        r"(\*\.)?[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+", text
    ):
        raise InputError(field, f"{value!r} is not a hostname", allowed="like www.example.com")
    return text


def clean_product(value: str) -> str:
    """`prd_Fresca` or `Fresca` -> `prd_Fresca` (product ids may contain underscores)."""
    text = value.strip()
    text = text if text.lower().startswith("prd_") else f"prd_{text}"
    if not re.fullmatch(r"prd_[A-Za-z0-9_\-]+", text):
        raise InputError("product_id", f"{value!r} is not a product id", allowed="prd_Fresca")
    return "prd_" + text[4:]


def problem_lines(items: list[RuleProblem]) -> list[str]:
    out = []
    for p in items:
        where = f" at {p.error_location}" if p.error_location else ""
        ack = f" [{p.message_id}]" if p.message_id else ""
        out.append(f"{p.title or p.type}: {p.detail}{where}{ack}")
    return out


def version_text(version: int | None) -> str:
    return f"v{version}" if version is not None else "none"


PAPI_ERRORS: ErrorMap = {PapiStateError: lambda exc: ToolError(str(exc))}
"""Known beforehand to fail (e.g. deleting an active property): say why, send nothing."""
