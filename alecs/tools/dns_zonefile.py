"""Edge DNS tools: a zone exported as an RFC 1035 master file (zone file).

The export is the zone's record sets as Edge DNS writes them (`GET .../zone-file`,
`text/dns`). Zones can be large, so the tool counts the records of the whole file and can
return only its first lines.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated

from pydantic import Field

from alecs.akamai.edgedns import RECORD_TYPES, EdgeDnsClient, RecordValidationError, normalize_zone
from alecs.tools._common import (
    AccountSwitchKey,
    Ctx,
    Customer,
    InputError,
    ToolOutput,
    service,
    tool,
)

_CLASSES = frozenset({"IN", "CH", "HS", "CS"})
_TTL = re.compile(r"^\d+[smhdwSMHDW]?(\d+[smhdwSMHDW])*$")
_KNOWN_TYPES = frozenset(RECORD_TYPES)


class ZoneFile(ToolOutput):
    zone: str
    zone_file: str = Field(description="The master file (only its first max_lines when asked).")
    records: int = Field(description="Resource records in the whole file.")
    types: dict[str, int] = Field(description="Records by type, over the whole file.")
    lines: int = Field(description="Lines in the whole file.")
    lines_shown: int
    truncated: bool = Field(description="True when zone_file holds only the first lines.")

    def summary(self) -> str:
        by_type = ", ".join(f"{t} {n}" for t, n in self.types.items())
        shown = f"; first {self.lines_shown} of {self.lines} lines" if self.truncated else ""
        return f"{self.zone} zone file: {self.records} record(s) ({by_type}){shown}"


def _strip_comment(line: str) -> str:
    quoted = escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            return line[:index]
    return line


def _entries(text: str) -> list[str]:
    """Logical entries of a master file: comments removed, parentheses joined."""
    entries: list[str] = []
    pending = ""
    depth = 0
    for raw in text.splitlines():
        line = _strip_comment(raw)
        depth += line.count("(") - line.count(")")
        pending = f"{pending} {line}" if pending else line
        if depth <= 0:
            if pending.strip():
                entries.append(pending)
            pending, depth = "", 0
    if pending.strip():
        entries.append(pending)
    return entries


def record_types(text: str) -> Counter[str]:
    """Record count by type of a master file (directives, blank and comment lines skipped).

    An entry starting with a blank has no owner name (it reuses the previous one); otherwise
    the first token is the name. TTL and class may follow in either order, then the type.
    """
    counts: Counter[str] = Counter()
    for entry in _entries(text):
        if entry.lstrip().startswith("$"):
            continue
        tokens = entry.replace("(", " ").replace(")", " ").split()
        if not entry[:1].isspace():
            tokens = tokens[1:]
        for token in tokens:
            upper = token.upper()
            if upper in _CLASSES or _TTL.match(token):
                continue
            if upper in _KNOWN_TYPES or re.fullmatch(r"TYPE\d+", upper):
                counts[upper] += 1
            break
    return counts


@tool("dns-zone-file-get", toolset="dns", kind="read", title="Export a zone as a zone file")
async def dns_zone_file_get(
    ctx: Ctx,
    zone: Annotated[
        str, Field(description="The zone, e.g. example.com.", min_length=1, max_length=253)
    ],
    max_lines: Annotated[
        int | None,
        Field(ge=1, le=100_000, description="Return only the first N lines (large zones)."),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ZoneFile:
    """Export a zone as an RFC 1035 master file (BIND format), with its record count by type.

    For a backup, a review or a move to another DNS provider. AKAMAICDN records appear as
    comments. For one record set use dns-record-get.
    """
    try:
        name = normalize_zone(zone)
    except RecordValidationError as exc:
        raise InputError(exc.field, exc.problem, allowed=exc.allowed) from None
    client = service(ctx, EdgeDnsClient, customer, account_switch_key)
    text = await client.get_zone_file(name)
    lines = text.splitlines()
    shown = lines if max_lines is None else lines[:max_lines]
    counts = record_types(text)
    return ZoneFile(
        zone=name,
        zone_file="\n".join(shown) + ("\n" if shown else ""),
        records=sum(counts.values()),
        types=dict(sorted(counts.items())),
        lines=len(lines),
        lines_shown=len(shown),
        truncated=len(shown) < len(lines),
    )
