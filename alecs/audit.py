"""The audit log: one JSON line per attempted write, dry runs and declined confirmations included.

``alecs serve`` and ``alecs call`` write it by default to ``audit.jsonl`` in the user data
directory (platformdirs, beside the sandbox's state); ``--audit-log FILE`` or
``ALECS_AUDIT_LOG=FILE`` choose another file, ``--no-audit-log`` (or ``ALECS_AUDIT_LOG=off``)
turns it off. ``alecs audit`` prints it.

One line (keys always present, values may be null)::

    {"time": "2026-12-01T21:50:03.120Z",        # UTC, milliseconds
     "tool": "dns-record-upsert",
     "customer": "default", "account_switch_key": null,
     "arguments": {"zone": "example.com", "name": "www", "rdata": ["192.0.2.1"], ...},
     "dry_run": false,
     "confirmation": "not-needed",     # not-needed | confirmed | confirm-argument
                                        # | declined | cancelled | required | dry-run
     "outcome": "ok",                  # ok | error | declined | planned
     "status": "ok",                   # ok, or the error's HTTP status / kind
     "ids": {"serial_after": 2026120102},
     "requests": [{"method": "PUT", "path": "/config-dns/v2/zones/...", "status": 200,
                   "request_id": "5f0c..."}],
     "error": null,                    # {"type", "message", "status", "may_have_been_applied"}
     "duration_ms": 41.7}

Arguments never hold a secret: keys that name one (``client_secret``, ``access_token``,
``client_token``, ``authorization``, ``password``, ``token``) are replaced by ``"[redacted]"``,
and so is any string equal to a configured credential secret. Values larger than
:data:`MAX_INLINE_BYTES` of JSON (rule trees, long URL lists) are replaced by their size, item
count and SHA-256, so the log stays small and still proves what was sent.

Each line is written, flushed and fsynced before the call returns (a crash loses nothing
already logged), under a lock (threads and event loops may share one log). The file rotates by
size: ``audit.jsonl`` -> ``audit.jsonl.1`` -> ... up to ``backups`` old files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AUDIT_FILE_NAME = "audit.jsonl"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_BACKUPS = 3
MAX_INLINE_BYTES = 1024
MAX_INLINE_TEXT = 256
REDACTED = "[redacted]"
OFF_VALUES = ("off", "none", "no", "0", "false", "-")

SECRET_KEY = re.compile(
    r"(client[_-]?secret|access[_-]?token|client[_-]?token|authorization|password|passwd|"
    r"secret|^token$|auth[_-]?token|private[_-]?key)",
    re.IGNORECASE,
)

CONFIRMATIONS = (
    "not-needed",
    "confirmed",
    "confirm-argument",
    "declined",
    "cancelled",
    "required",
    "dry-run",
)
"""How a write was agreed to: no question needed, the user confirmed through elicitation, the
call carried ``confirm: true``, the user declined or cancelled, the client could not ask (the
call was refused until ``confirm: true``), or a dry run (never asks)."""


def default_audit_path() -> Path:
    """``<user data dir>/alecs/audit.jsonl`` (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("alecs", appauthor=False)) / AUDIT_FILE_NAME


def audit_path_from(
    option: str | None, *, disabled: bool = False, env: Mapping[str, str] | None = None
) -> Path | None:
    """The audit file chosen by ``--audit-log``/``--no-audit-log``/``ALECS_AUDIT_LOG``.

    ``None`` means no audit log. The option wins over the environment; an empty environment
    value means the default file, ``off`` (``none``, ``0``, ``false``) turns the log off.
    """
    if disabled:
        return None
    if option:
        return Path(option).expanduser()
    raw = (os.environ if env is None else env).get("ALECS_AUDIT_LOG", "").strip()
    if raw.lower() in OFF_VALUES:
        return None
    return Path(raw).expanduser() if raw else default_audit_path()


def utc_iso(epoch: float) -> str:
    """``2026-12-01T21:50:03.120Z`` for a time in seconds since the epoch."""
    stamp = datetime.fromtimestamp(epoch, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------- argument summaries


def digest(value: Any) -> dict[str, Any]:
    """A stand-in for a large value: its JSON size in bytes, item count and SHA-256."""
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
    out: dict[str, Any] = {
        "summarized": True,
        "bytes": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    if isinstance(value, Sequence | Mapping) and not isinstance(value, str):
        out["items"] = len(value)
    return out


def scrub(value: Any, secrets: frozenset[str] = frozenset(), *, key: str | None = None) -> Any:
    """``value`` safe to log: secrets redacted, large values summarized (see the module doc)."""
    if key is not None and SECRET_KEY.search(key):
        return REDACTED if value not in (None, "", False) else value
    if isinstance(value, str):
        if value in secrets or any(s in value for s in secrets):
            return REDACTED
        if len(value.encode()) > MAX_INLINE_TEXT:
            return digest(value)
        return value
    if isinstance(value, Mapping):
        cleaned: Any = {str(k): scrub(v, secrets, key=str(k)) for k, v in value.items()}
    elif isinstance(value, list | tuple | set | frozenset):
        cleaned = [scrub(v, secrets) for v in value]
    elif value is None or isinstance(value, bool | int | float):
        return value
    else:
        cleaned = scrub(str(value), secrets)
        return cleaned
    if len(json.dumps(cleaned, separators=(",", ":"), default=str)) > MAX_INLINE_BYTES:
        return digest(cleaned)
    return cleaned


def clip_text(value: str, secrets: frozenset[str] = frozenset()) -> str:
    """A message safe to log and still readable: redacted when it holds a secret (checked
    before cutting, so no part of one survives), else cut to :data:`MAX_INLINE_TEXT` bytes
    ending in an ellipsis (an error message is worth reading, unlike a digest of it)."""
    if value in secrets or any(s and s in value for s in secrets):
        return REDACTED
    raw = value.encode()
    if len(raw) <= MAX_INLINE_TEXT:
        return value
    return raw[: MAX_INLINE_TEXT - 3].decode(errors="ignore") + "\u2026"


def scrub_error(error: Mapping[str, Any], secrets: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The ``error`` member safe to log: texts clipped (:func:`clip_text`), the rest scrubbed."""
    return {
        str(k): scrub(v, secrets, key=str(k))
        if not isinstance(v, str) or SECRET_KEY.search(str(k))
        else clip_text(v, secrets)
        for k, v in error.items()
    }


def scrub_arguments(
    arguments: Mapping[str, Any], secrets: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Tool arguments safe to log, value by value (the mapping itself is never summarized)."""
    return {str(k): scrub(v, secrets, key=str(k)) for k, v in arguments.items()}


# --------------------------------------------------------------------------- records


@dataclass
class AuditRecord:
    """One attempted write (see the module doc for the JSON shape)."""

    tool: str
    customer: str | None = None
    account_switch_key: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    confirmation: str = "not-needed"
    outcome: str = "ok"
    status: str | int | None = None
    ids: dict[str, Any] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    duration_ms: float | None = None
    time: float = field(default_factory=time.time)

    def to_json(self, secrets: frozenset[str] = frozenset()) -> dict[str, Any]:
        return {
            "time": utc_iso(self.time),
            "tool": self.tool,
            "customer": self.customer,
            "account_switch_key": self.account_switch_key,
            "arguments": scrub_arguments(self.arguments, secrets),
            "dry_run": self.dry_run,
            "confirmation": self.confirmation,
            "outcome": self.outcome,
            "status": self.status,
            "ids": scrub_arguments(self.ids, secrets),
            "requests": [scrub(r, secrets) for r in self.requests],
            "error": scrub_error(self.error, secrets) if self.error else None,
            "duration_ms": None if self.duration_ms is None else round(self.duration_ms, 1),
        }


class AuditLog:
    """An append-only JSON-lines file, rotated by size; safe to share across threads and tasks.

    ``secrets`` are credential values that must never appear in a line (they are redacted
    wherever they occur, even inside a longer string).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        backups: int = DEFAULT_BACKUPS,
        secrets: Iterable[str] = (),
        fsync: bool = True,
    ) -> None:
        if max_bytes < 1024:
            raise ValueError(f"max_bytes must be at least 1024, got {max_bytes}")
        if backups < 0:
            raise ValueError(f"backups must be >= 0, got {backups}")
        self.path = Path(path).expanduser()
        self.max_bytes = max_bytes
        self.backups = backups
        self.fsync = fsync
        self._secrets = frozenset(s for s in secrets if s and len(s) >= 4)
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the secrets
        return f"AuditLog({str(self.path)!r}, max_bytes={self.max_bytes}, backups={self.backups})"

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """More values to redact (the credentials of sections loaded later)."""
        with self._lock:
            self._secrets = self._secrets | {s for s in secrets if s and len(s) >= 4}

    def write(self, record: AuditRecord | Mapping[str, Any]) -> dict[str, Any]:
        """Append one line (flushed and fsynced) and return what was written."""
        with self._lock:
            doc = (
                record.to_json(self._secrets)
                if isinstance(record, AuditRecord)
                else scrub_arguments(record, self._secrets)
            )
            line = (
                json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
            ).encode()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._rotate_if_needed(len(line))
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            return doc

    def _rotate_if_needed(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0 or size + incoming <= self.max_bytes:
            return
        if self.backups == 0:
            self.path.unlink(missing_ok=True)
            return
        for n in range(self.backups - 1, 0, -1):
            older = self.rotated(n)
            if older.exists():
                older.replace(self.rotated(n + 1))
        self.path.replace(self.rotated(1))

    def rotated(self, n: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{n}")

    def files(self) -> list[Path]:
        """The log's files, oldest first."""
        return log_files(self.path, self.backups)


def log_files(path: str | Path, backups: int | None = None) -> list[Path]:
    """``path`` and its rotated copies (``path.1`` ...), oldest first, those that exist."""
    path = Path(path).expanduser()
    found: list[tuple[int, Path]] = []
    for candidate in path.parent.glob(path.name + ".*") if path.parent.exists() else ():
        suffix = candidate.name[len(path.name) + 1 :]
        if suffix.isdigit() and (backups is None or int(suffix) <= backups):
            found.append((int(suffix), candidate))
    ordered = [p for _, p in sorted(found, reverse=True)]
    if path.exists():
        ordered.append(path)
    return ordered


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Every line of the log and its rotated copies, oldest first; broken lines are skipped."""
    for file in log_files(path):
        with file.open("r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue  # a line cut by a crash, or not ours
                if isinstance(doc, dict):
                    yield doc


# --------------------------------------------------------------------------- building a record

_ID_KEY = re.compile(r"(^|_)(id|ids)$")
_RESULT_KEYS = frozenset(
    {
        "action",
        "version",
        "new_version",
        "sync_point",
        "soa_serial_after",
        "status",
        "estimated_seconds",
        "accepted",
    }
)
_NEVER_SENT_KINDS = frozenset({"dns", "connect", "tls", "proxy", "pool_timeout", "protocol"})


def _scalar(value: Any) -> bool:
    if isinstance(value, list):
        return len(value) <= 20 and all(isinstance(v, str | int | float | bool) for v in value)
    return isinstance(value, str | int | float | bool)


def result_ids(structured: Any) -> dict[str, Any]:
    """The ids and outcome fields of a tool result: ``*_id``/``*_ids`` members, versions,
    statuses and serials, at the top level or one level down (``activation.activation_id``)."""
    if not isinstance(structured, Mapping):
        return {}
    out: dict[str, Any] = {}
    for key, value in structured.items():
        if (_ID_KEY.search(key) or key in _RESULT_KEYS) and _scalar(value) and value is not None:
            out[key] = value
        elif isinstance(value, Mapping):
            for sub, inner in value.items():
                if _ID_KEY.search(sub) and _scalar(inner) and inner is not None:
                    out.setdefault(sub, inner)
    return out


def may_have_been_applied(exc: BaseException, calls: Sequence[Any] = ()) -> bool:
    """Whether a failed write may still have reached Akamai and been applied.

    The transport's ``AmbiguousWriteError`` decides when present (applied or unknown: True;
    checked and not applied: False). Otherwise: true for a timeout or a broken connection
    after a request was sent, a deadline passed
    during an attempt, or a 5xx to a state-changing request; False when the request can't have
    been processed (connect/DNS/TLS errors, 4xx, a 429, an open circuit, a local rate-limit
    wait) or no state-changing request went out. An error may also say so itself
    (``may_have_been_applied`` attribute).
    """
    flagged = getattr(exc, "may_have_been_applied", None)
    if isinstance(flagged, bool):
        return flagged
    from alecs.transport.errors import (
        AkamaiApiError,
        AmbiguousWriteError,
        DeadlineExceededError,
        TransportError,
    )

    if isinstance(exc, AmbiguousWriteError):  # the transport's verdict, checked if it could
        return exc.applied is not False
    if isinstance(exc, AkamaiApiError):
        return exc.status >= 500 and (exc.method or "GET").upper() != "GET"
    if isinstance(exc, TransportError):
        return exc.kind not in _NEVER_SENT_KINDS and exc.attempts > 0
    if isinstance(exc, DeadlineExceededError):
        return "during attempt" in str(exc)
    return False


def error_fields(exc: BaseException, calls: Sequence[Any] = ()) -> dict[str, Any]:
    """The ``error`` member of a record: type, message, status, request id, and whether the
    write may have been applied anyway."""
    doc: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)[:500]}
    for name in (
        "status",
        "title",
        "detail",
        "request_id",
        "kind",
        "field",
        "method",
        "path",
        "how_to_check",
    ):
        value = getattr(exc, name, None)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            doc[name] = value
    doc["may_have_been_applied"] = may_have_been_applied(exc, calls)
    applied = getattr(exc, "applied", None)
    if isinstance(applied, bool):
        doc["applied"] = applied  # checked after the failure (AmbiguousWriteError)
    return doc


# --------------------------------------------------------------------------- filters (alecs audit)

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, *, now: float | None = None) -> datetime:
    """``--since``: ``2h``, ``30m``, ``1d``, ``2w`` ago, or an ISO date / date-time (UTC unless
    it says otherwise). Raises ValueError naming what is accepted."""
    match = _RELATIVE.match(text)
    current = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    if match:
        return current - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        stamp = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"--since: {text!r} is neither a relative time (30m, 2h, 1d, 2w) nor an ISO date or "
            "date-time (2026-12-01, 2026-12-01T21:00, 2026-12-01T21:00:00Z)"
        ) from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def record_time(doc: Mapping[str, Any]) -> datetime | None:
    raw = doc.get("time")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def select(
    records: Iterable[dict[str, Any]],
    *,
    since: datetime | None = None,
    tool: str | None = None,
    customer: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The records at or after ``since``, of ``tool`` (exact, or a prefix ending in ``*``) and
    of ``customer``."""
    for doc in records:
        if since is not None:
            stamp = record_time(doc)
            if stamp is None or stamp < since:
                continue
        if tool is not None:
            name = str(doc.get("tool", ""))
            matches = name.startswith(tool[:-1]) if tool.endswith("*") else name == tool
            if not matches:
                continue
        if customer is not None and doc.get("customer") != customer:
            continue
        yield doc


def _short(value: Any, width: int) -> str:
    text = (
        value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    )
    return text if len(text) <= width else text[: width - 3] + "..."


def _outcome(doc: Mapping[str, Any]) -> str:
    outcome, status = str(doc.get("outcome", "")), doc.get("status")
    return outcome if status in (None, "ok", outcome) else f"{outcome} {status}"


def table_rows(records: Iterable[Mapping[str, Any]]) -> list[tuple[str, ...]]:
    """Rows for the ``alecs audit`` table."""
    rows = []
    for doc in records:
        ids = doc.get("ids") or {}
        request_ids = [
            r.get("request_id") for r in doc.get("requests") or [] if r.get("request_id")
        ]
        error = doc.get("error") or {}
        detail = ", ".join(f"{k}={_short(v, 40)}" for k, v in ids.items()) if ids else ""
        if error:
            detail = _short(error.get("message") or error.get("type") or "", 60)
            if error.get("may_have_been_applied"):
                detail = "MAY HAVE BEEN APPLIED: " + detail
        rows.append(
            (
                str(doc.get("time", ""))[:19].replace("T", " "),
                str(doc.get("tool", "")),
                str(doc.get("customer") or "")
                + (f" ({doc['account_switch_key']})" if doc.get("account_switch_key") else ""),
                "dry run" if doc.get("dry_run") else "real",
                str(doc.get("confirmation", "")),
                _outcome(doc),
                ",".join(request_ids[:3]) + ("..." if len(request_ids) > 3 else ""),
                detail,
            )
        )
    return rows


TABLE_HEADER = (
    "TIME (UTC)",
    "TOOL",
    "CUSTOMER",
    "MODE",
    "CONFIRMATION",
    "OUTCOME",
    "REQUEST IDS",
    "DETAIL",
)


__all__ = [
    "AUDIT_FILE_NAME",
    "CONFIRMATIONS",
    "TABLE_HEADER",
    "AuditLog",
    "AuditRecord",
    "audit_path_from",
    "default_audit_path",
    "digest",
    "error_fields",
    "log_files",
    "may_have_been_applied",
    "parse_since",
    "read_records",
    "result_ids",
    "scrub",
    "scrub_arguments",
    "select",
    "table_rows",
    "utc_iso",
]
