"""Argument types shared by tools: declared once, used by every module.

``customer`` and ``account_switch_key`` repeat in every tool's input schema, so their
descriptions stay short (every byte is model context). Lenient helpers are for
``BeforeValidator(...)``: they accept what a model is likely to send.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from alecs.tools.errors import InputError

# --------------------------------------------------------------------------- lenient values


def upper_text(value: Any) -> Any:
    """Text stripped and upper-cased (`staging` -> `STAGING`); anything else as given."""
    return value.strip().upper() if isinstance(value, str) else value


def int_as_text(value: Any) -> Any:
    """Ids typed as numbers (600001) are taken as text (`"600001"`); anything else as given."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def as_list(value: Any) -> Any:
    """One string where a list is expected becomes a list of one; anything else as given."""
    return [value] if isinstance(value, str) else value


def normalize_id(value: str | int, prefix: str, *, field: str) -> str:
    """Accept what people type: ``prp_123``, ``PRP_123`` or ``123`` all become ``prp_123``."""
    text = str(value).strip()
    if text.lower().startswith(prefix.lower()):
        text = text[len(prefix) :]
    if not text or not re.fullmatch(r"[A-Za-z0-9\-]+", text):
        raise InputError(field, f"{value!r} is not an ID", allowed=f"{prefix}123 or 123")
    return prefix + text


# --------------------------------------------------------------------------- every tool

Customer = Annotated[
    str | None,
    Field(
        description=".edgerc section (customer) to use; omit for the default. "
        "network-diagnostics lists them.",
        max_length=100,
    ),
]
"""The ``customer`` argument every Akamai tool takes (default ``None``: the default section)."""

AccountSwitchKey = Annotated[
    str | None,
    Field(
        description="Account switch key, to act on another account (partners, Akamai staff). "
        "Omit normally.",
        max_length=128,
        pattern=r"^([A-Za-z0-9][A-Za-z0-9:_\-]*)?$",
    ),
]
"""The optional ``account_switch_key`` argument every Akamai tool takes."""

ConfirmArg = Annotated[
    bool,
    Field(
        description=(
            "Only for clients that cannot show confirmation prompts: set true after the user has "
            "explicitly agreed to this change in the conversation. Clients with elicitation ask "
            "the user directly instead."
        ),
    ),
]
"""The ``confirm`` argument of every tool that uses :func:`alecs.tools.confirm.confirmation`."""

# --------------------------------------------------------------------------- shared by services

IdText = Annotated[str, Field(max_length=64)]
ContractArg = Annotated[
    IdText | None,
    BeforeValidator(int_as_text),
    Field(
        description="ctr_... (from contract-list or group-list). Omit to let alecs pick it when "
        "only one fits.",
    ),
]
"""An optional contract (PAPI, CPS): ``ctr_1-ABC`` or ``1-ABC``."""

GroupArg = Annotated[
    IdText | None,
    BeforeValidator(int_as_text),
    Field(description="grp_... (from group-list). Omit to let alecs pick it when only one fits."),
]
"""An optional group: ``grp_123`` or ``123``."""

NetworkArg = Annotated[
    Literal["STAGING", "PRODUCTION"],
    BeforeValidator(upper_text),
    Field(description="STAGING (test network) or PRODUCTION (the live site)."),
]
"""The activation network of a property or network list."""

# --------------------------------------------------------------------------- paging (see Page)

Limit = Annotated[int, Field(ge=1, le=500, description="At most this many items.")]
Offset = Annotated[int, Field(ge=0, description="Skip this many (paging).")]
