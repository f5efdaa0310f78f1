"""Shared by the Property Manager tool modules: argument types, lookups, the error map."""

from __future__ import annotations

import re
from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BeforeValidator, Field

from alecs.akamai.papi import PapiClient, PapiStateError, RuleProblem
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


OptionalVersion = Annotated[
    int | None,
    Field(ge=1, description="Property version number; omit for the latest version."),
]


def papi_client(ctx: Ctx, customer: str | None, account_switch_key: str | None) -> PapiClient:
    return service(ctx, PapiClient, customer, account_switch_key)


NUMERIC_PROPERTY_ID = re.compile(r"^(?i:prp_)?\d+$")


async def resolve_property_id(papi: PapiClient, value: str) -> str:
    text = value.strip()
    if NUMERIC_PROPERTY_ID.match(text):
        return normalize_id(text, "prp_", field="property_id")
    return await papi.find_property_id(text)


async def resolve_version(papi: PapiClient, property_id: str, version: int | None) -> int:
    if version is not None:
        return version
    latest = await papi.latest_version(property_id)
    if latest is None:  # pragma: no cover - every property has a version
        raise InputError("version", f"{property_id} has no versions")
    return latest


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
