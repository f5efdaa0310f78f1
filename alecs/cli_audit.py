"""`alecs audit` (print the audit log) and the audit options of `alecs serve` and `alecs call`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_USAGE = 2


def add_audit_options(parser: argparse.ArgumentParser) -> None:
    """``--audit-log FILE`` and ``--no-audit-log`` (default: ALECS_AUDIT_LOG, else the user
    data directory)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--audit-log",
        metavar="FILE",
        default=None,
        help="append one JSON line per attempted write to FILE (default: ALECS_AUDIT_LOG, "
        "else audit.jsonl in the user data directory; ALECS_AUDIT_LOG=off disables it)",
    )
    group.add_argument(
        "--no-audit-log",
        action="store_true",
        default=False,
        help="do not write the audit log",
    )


def audit_path(args: argparse.Namespace) -> Path | None:
    """The audit file the parsed options ask for (``None``: no audit log)."""
    from alecs.audit import audit_path_from

    return audit_path_from(
        getattr(args, "audit_log", None), disabled=bool(getattr(args, "no_audit_log", False))
    )


def _audit(args: argparse.Namespace) -> int:
    from alecs.audit import (
        TABLE_HEADER,
        audit_path_from,
        parse_since,
        read_records,
        select,
        table_rows,
    )

    path = Path(args.file).expanduser() if args.file else audit_path_from(None)
    if path is None:
        print(
            "alecs audit: the audit log is off (ALECS_AUDIT_LOG=off); name one with --file FILE",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        print(f"alecs audit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not path.exists():
        print(f"alecs audit: no audit log at {path} (nothing was written yet)", file=sys.stderr)
        return EXIT_OK
    records = list(select(read_records(path), since=since, tool=args.tool, customer=args.customer))
    if args.limit is not None:
        records = records[-args.limit :] if args.limit else []
    if args.json:
        for doc in records:
            print(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
        return EXIT_OK
    if not records:
        print(f"no audit records in {path} match", file=sys.stderr)
        return EXIT_OK
    rows = table_rows(records)
    widths = [max(len(str(x)) for x in col) for col in zip(TABLE_HEADER, *rows, strict=False)]
    for row in (TABLE_HEADER, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser(
        "audit",
        help="print the audit log of writes (a table, or JSON lines)",
        description="Print the audit log: one record per attempted write (dry runs and "
        "declined confirmations included), oldest first, rotated files included.",
    )
    audit.add_argument(
        "--file",
        metavar="FILE",
        default=None,
        help="the log to read (default: ALECS_AUDIT_LOG, else the user data directory's)",
    )
    audit.add_argument(
        "--since", metavar="WHEN", help="only records since WHEN: 30m, 2h, 1d, 2w or an ISO time"
    )
    audit.add_argument("--tool", help="only this tool (a trailing * matches a prefix: dns-*)")
    audit.add_argument("--customer", help="only this .edgerc section")
    audit.add_argument("--limit", type=int, metavar="N", help="only the last N records")
    audit.add_argument("--json", action="store_true", help="print JSON lines")
    audit.set_defaults(func=_audit)
