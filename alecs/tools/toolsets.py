"""Toolsets: every tool belongs to exactly one; the server offers the enabled ones.

Light on purpose (no tool module is imported), so the command line can check ``--toolsets``
before anything heavy loads. To add a toolset, add it to :data:`TOOLSETS` (and, to enable it
when nothing is asked for, to :data:`DEFAULT_TOOLSETS`).
"""

from __future__ import annotations

from collections.abc import Iterable

TOOLSETS: dict[str, str] = {
    "papi": "Property Manager: properties, versions, rules, hostnames, activations, "
    "edge hostnames, CP codes",
    "dns": "Edge DNS zones and record sets",
    "cps": "Certificates (CPS) and domain validation",
    "purge": "Fast Purge",
    "netlists": "Network lists",
    "diagnostics": "Network diagnostics of alecs' path to Akamai",
    "catalog": "Every Akamai API operation (1,600+): api-search, api-describe, api-read, api-call",
}
"""Every toolset, with what it covers."""

ALL = "all"
"""The ``--toolsets`` value that enables every toolset."""

DEFAULT_TOOLSETS: tuple[str, ...] = ("catalog", "dns", "purge", "diagnostics")
"""What the server offers when no ``--toolsets`` / ``ALECS_TOOLSETS`` is given."""

ENV_TOOLSETS = "ALECS_TOOLSETS"


class UnknownToolsetError(ValueError):
    """A toolset name that does not exist; the message lists the valid ones."""


def valid_names() -> str:
    return ", ".join([*TOOLSETS, ALL])


def parse_toolsets(value: str | Iterable[str] | None) -> frozenset[str]:
    """``"papi,dns"`` (or a list of names) -> the enabled toolsets; ``None`` -> the default.

    ``all`` enables every toolset. Names are case-insensitive; an unknown name raises
    :class:`UnknownToolsetError` naming it and listing the valid ones.
    """
    if value is None:
        return frozenset(DEFAULT_TOOLSETS)
    parts = value.split(",") if isinstance(value, str) else list(value)
    names = [p.strip().lower() for p in parts if p and p.strip()]
    if not names:
        raise UnknownToolsetError(f"no toolset given; valid toolsets: {valid_names()}")
    unknown = [n for n in names if n != ALL and n not in TOOLSETS]
    if unknown:
        raise UnknownToolsetError(
            f"unknown toolset{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"valid toolsets: {valid_names()}"
        )
    if ALL in names:
        return frozenset(TOOLSETS)
    return frozenset(names)
