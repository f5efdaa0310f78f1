"""Zone files (RFC 1035 master files, `text/dns`) for Edge DNS zone file import and export.

`render(zone, records)` writes one line per record (`name. ttl IN TYPE rdata`, SOA first);
`parse(text, zone)` reads `$ORIGIN`, `$TTL`, `@`, relative names, names left blank (the
previous one), optional TTL and class in either order, parentheses across lines and `;`
comments outside quoted strings, and returns record sets (one per name and type, the TTL of
its first record). A line that can't be read raises `ZoneFileError` naming the line.
"""

from __future__ import annotations

import re
from typing import Any

CLASSES = ("IN", "CH", "HS")
_TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ZoneFileError(ValueError):
    """A zone file line that can't be read (the message names the line)."""


def render(zone: str, records: list[dict[str, Any]]) -> str:
    """The zone file of `records` (each `{name, type, ttl, rdata}`)."""
    ordered = sorted(
        records,
        key=lambda r: (r["type"] != "SOA", r["name"] != zone, r["name"].count("."), r["name"],
                       r["type"]),
    )  # fmt: skip
    lines = [f"$ORIGIN {zone}."]
    for record in ordered:
        for value in record["rdata"]:
            lines.append(f"{record['name']}.\t{record['ttl']}\tIN\t{record['type']}\t{value}")
    return "\n".join(lines) + "\n"


def _strip_comment(line: str) -> str:
    out, quoted, escaped = [], False, False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            break
        out.append(char)
    return "".join(out)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) per entry, parentheses joined."""
    entries: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    depth = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw)
        if not pending:
            start = number
        depth += line.count("(") - line.count(")")
        pending.append(line.replace("(", " ").replace(")", " "))
        if depth <= 0:
            joined = " ".join(pending) if len(pending) > 1 else pending[0]
            if joined.strip():
                entries.append((start, joined))
            pending, depth = [], 0
    if pending and " ".join(pending).strip():
        raise ZoneFileError(f"line {start}: unbalanced parentheses")
    return entries


def _rest_after(line: str, count: int) -> str:
    """`line` after its first `count` whitespace-separated tokens, spacing kept (TXT strings
    may hold several spaces in a row)."""
    rest = line.strip()
    for _ in range(count):
        rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
    return " ".join(rest.split()) if '"' not in rest else rest.strip()


def _ttl(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    parts = re.fullmatch(r"((\d+)[smhdw])+", token.lower())
    if parts is None:
        return None
    return sum(int(n) * _TTL_UNITS[u] for n, u in re.findall(r"(\d+)([smhdw])", token.lower()))


def _absolute(name: str, origin: str) -> str:
    if name == "@":
        return origin
    if name.endswith("."):
        return name[:-1].lower()
    return f"{name}.{origin}".lower()


def parse(text: str, zone: str) -> list[dict[str, Any]]:
    """The record sets of a zone file for `zone`."""
    origin = zone.lower().rstrip(".")
    default_ttl: int | None = None
    previous: str | None = None
    sets: dict[tuple[str, str], dict[str, Any]] = {}
    for number, line in _logical_lines(text):
        tokens = line.split()
        if tokens[0].upper() == "$ORIGIN":
            if len(tokens) < 2:
                raise ZoneFileError(f"line {number}: $ORIGIN needs a name")
            origin = _absolute(tokens[1], origin)
            continue
        if tokens[0].upper() == "$TTL":
            ttl = _ttl(tokens[1]) if len(tokens) > 1 else None
            if ttl is None:
                raise ZoneFileError(f"line {number}: $TTL needs a number of seconds")
            default_ttl = ttl
            continue
        if tokens[0].startswith("$"):
            raise ZoneFileError(f"line {number}: {tokens[0]} is not supported")
        if line[0].isspace():
            if previous is None:
                raise ZoneFileError(f"line {number}: the first record needs a name")
            name = previous
        else:
            name = _absolute(tokens.pop(0), origin)
        ttl = None
        for _ in range(2):  # TTL and class, in either order, both optional
            if tokens and tokens[0].upper() in CLASSES:
                tokens.pop(0)
            elif tokens and _ttl(tokens[0]) is not None:
                ttl = _ttl(tokens.pop(0))
        if len(tokens) < 2:
            raise ZoneFileError(f"line {number}: expected '<type> <data>' after the name")
        rtype = tokens[0].upper()
        rdata = _rest_after(line, len(line.split()) - len(tokens) + 1)
        ttl = ttl if ttl is not None else default_ttl
        if ttl is None:
            raise ZoneFileError(f"line {number}: no TTL (give one or a $TTL line)")
        if name != zone and not name.endswith("." + zone):
            raise ZoneFileError(f"line {number}: {name} is not in zone {zone}")
        previous = name
        entry = sets.setdefault((name, rtype), {"name": name, "type": rtype, "ttl": ttl,
                                                "rdata": []})  # fmt: skip
        entry["rdata"].append(rdata)
    return list(sets.values())
