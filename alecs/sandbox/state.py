"""The sandbox's state: one in-memory document store per account, optionally persisted.

Reading::

    acct = store.account("act_1-5SBXA1")
    acct.get("properties", "prp_600001")          # a copy of the document, or None
    acct.list("cpcodes")                           # copies, in insertion order
    acct.list("cpcodes", contractId="ctr_1-5SBXC1")  # equality filters on top-level fields

Writing happens in a transaction, which is atomic in memory and, with persistence on, in
`DIR/sandbox.sqlite3` (one sqlite transaction per write)::

    with store.transaction("act_1-5SBXA1") as tx:
        n = tx.next_id("cpcode")                   # 1000100, 1000101, ...
        tx.put("cpcodes", f"cpc_{n}", {...})
        tx.delete("property_versions", "prp_600001/3")
        tx.get(...) / tx.list(...)                 # see the transaction's own writes

If the block raises, nothing is applied. Request handlers use `ctx.transaction()`, which also
counts the write in the admin counters.

Long-running operations (activations, purges, DNS and certificate changes) keep a small schedule
in their document: `schedule(now, delay_s)` makes one, `operation_state(op, now)` reads where it
is, so state advances with the sandbox clock (`SandboxClock`, which tests can move forward
through the admin API) without any background task.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alecs.sandbox import seed as seed_module

DB_FILE = "sandbox.sqlite3"
_DELETED = object()

Document = dict[str, Any]
Seeder = Callable[[str], dict[str, dict[str, Any]]]


class SandboxClock:
    """Wall-clock time plus an offset that the admin API can advance (`POST /_sandbox/clock`).

    Only the simulated world (operation progress, dates in documents) uses it; EdgeGrid
    timestamps and rate limits use real time.
    """

    def __init__(self, base: Callable[[], float] = time.time) -> None:
        self._base = base
        self.offset = 0.0

    def now(self) -> float:
        return self._base() + self.offset

    def advance(self, seconds: float) -> float:
        self.offset += max(0.0, float(seconds))
        return self.now()

    def reset(self) -> None:
        self.offset = 0.0

    def iso(self, when: float | None = None) -> str:
        """`2024-05-10T14:06:13Z` (PAPI's date format)."""
        ts = self.now() if when is None else when
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ts: float) -> str:
    """`2024-05-10T14:06:13.123Z`."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------------------------------------
# Long-running operations


def schedule(
    now: float,
    delay_s: float,
    *,
    states: Sequence[str] = ("PENDING", "ACTIVE"),
    final: str | None = None,
) -> Document:
    """A JSON-serializable schedule: `states[0]` now, the last state after `delay_s`.

    Intermediate states are spread evenly over the delay. `final` replaces the last state
    (for example `"FAILED"`). Store the result in the operation's document.
    """
    names = list(states)
    if final is not None:
        names[-1] = final
    if len(names) == 1:
        steps = [[names[0], 0.0]]
    else:
        steps = [[name, delay_s * i / (len(names) - 1)] for i, name in enumerate(names)]
    return {"startedAt": now, "delayS": delay_s, "steps": steps}


def operation_state(op: Document, now: float) -> str:
    """Where a schedule made by `schedule()` is at time `now`."""
    elapsed = now - op["startedAt"]
    current = op["steps"][0][0]
    for name, at in op["steps"]:
        if elapsed >= at:
            current = name
    return current


def operation_done(op: Document, now: float) -> bool:
    return now - op["startedAt"] >= op["steps"][-1][1]


def operation_remaining(op: Document, now: float) -> float:
    """Seconds until the final state (0 when reached): a good `Retry-After`."""
    return max(0.0, op["startedAt"] + op["steps"][-1][1] - now)


def operation_finished_at(op: Document) -> float:
    return op["startedAt"] + op["steps"][-1][1]


# ---------------------------------------------------------------------------------------------
# The store


def _matches(doc: Document, filters: dict[str, Any]) -> bool:
    return all(doc.get(k) == v for k, v in filters.items())


class AccountState:
    """Read access to one account's collections (documents are returned as copies)."""

    def __init__(self, account_id: str, data: dict[str, dict[str, Document]]) -> None:
        self.account_id = account_id
        self._data = data

    @property
    def collections(self) -> list[str]:
        return list(self._data)

    def get(self, collection: str, key: str) -> Document | None:
        doc = self._data.get(collection, {}).get(key)
        return copy.deepcopy(doc) if doc is not None else None

    def list(self, collection: str, **filters: Any) -> list[Document]:
        return [
            copy.deepcopy(doc)
            for doc in self._data.get(collection, {}).values()
            if _matches(doc, filters)
        ]

    def keys(self, collection: str) -> list[str]:
        return list(self._data.get(collection, {}))

    def count(self, collection: str) -> int:
        return len(self._data.get(collection, {}))


class Transaction:
    """Pending writes to one account; applied together on commit."""

    def __init__(self, state: AccountState) -> None:
        self._state = state
        self.account_id = state.account_id
        self._writes: dict[tuple[str, str], Any] = {}

    @property
    def changed(self) -> bool:
        return bool(self._writes)

    def get(self, collection: str, key: str) -> Document | None:
        pending = self._writes.get((collection, key))
        if pending is _DELETED:
            return None
        if pending is not None:
            return copy.deepcopy(pending)
        return self._state.get(collection, key)

    def list(self, collection: str, **filters: Any) -> list[Document]:
        out: list[Document] = []
        seen: set[str] = set()
        for key in self._state.keys(collection):
            seen.add(key)
            doc = self.get(collection, key)
            if doc is not None and _matches(doc, filters):
                out.append(doc)
        for (coll, key), doc in self._writes.items():
            if coll == collection and key not in seen and doc is not _DELETED:
                if _matches(doc, filters):
                    out.append(copy.deepcopy(doc))
        return out

    def put(self, collection: str, key: str, document: Document) -> Document:
        if not isinstance(document, dict):
            raise TypeError("documents are JSON objects")
        json.dumps(document)  # fail now, not at commit, when it cannot be stored
        self._writes[(collection, key)] = copy.deepcopy(document)
        return document

    def delete(self, collection: str, key: str) -> bool:
        existed = self.get(collection, key) is not None
        self._writes[(collection, key)] = _DELETED
        return existed

    def next_id(self, kind: str) -> int:
        """The next number for `kind` (property, activation, cpcode, ...), never reused."""
        ids = self.get("meta", "ids") or {}
        value = int(ids.get(kind, 1))
        ids[kind] = value + 1
        self.put("meta", "ids", ids)
        return value

    def items(self) -> list[tuple[str, str, Any]]:
        return [(c, k, d) for (c, k), d in self._writes.items()]


class Store:
    """All accounts' state, seeded from `seed.py`, optionally persisted to sqlite."""

    def __init__(
        self,
        accounts: Sequence[str] = seed_module.ACCOUNTS,
        *,
        seeder: Seeder = seed_module.seed_account,
        db_path: Path | None = None,
    ) -> None:
        self.accounts = tuple(accounts)
        self._seeder = seeder
        self.db_path = db_path
        self._lock = threading.RLock()
        self._data: dict[str, dict[str, dict[str, Document]]] = {}
        self._db: sqlite3.Connection | None = None
        if db_path is not None:
            self._open_db(db_path)
            if not self._load():
                self.reset()
        else:
            self.reset()

    # -- persistence ---------------------------------------------------------------------------

    def _open_db(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS documents (account TEXT NOT NULL, "
            "collection TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, "
            "PRIMARY KEY (account, collection, key))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")

    def _load(self) -> bool:
        assert self._db is not None
        row = self._db.execute("SELECT value FROM meta WHERE key='seed_version'").fetchone()
        if row is None or row[0] != str(seed_module.SEED_VERSION):
            return False
        data: dict[str, dict[str, dict[str, Document]]] = {a: {} for a in self.accounts}
        for account, collection, key, doc in self._db.execute(
            "SELECT account, collection, key, doc FROM documents ORDER BY rowid"
        ):
            if account in data:
                data[account].setdefault(collection, {})[key] = json.loads(doc)
        self._data = data
        missing = [a for a, colls in data.items() if not colls]
        if missing:  # an account added since the file was written
            self.reset(missing)
        return True

    def _write_all(self) -> None:
        if self._db is None:
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM documents")
            db.executemany(
                "INSERT INTO documents (account, collection, key, doc) VALUES (?, ?, ?, ?)",
                [
                    (account, collection, key, json.dumps(doc))
                    for account, colls in self._data.items()
                    for collection, docs in colls.items()
                    for key, doc in docs.items()
                ],
            )
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('seed_version', ?)",
                (str(seed_module.SEED_VERSION),),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- access ----------------------------------------------------------------------------------

    def reset(self, accounts: Sequence[str] | None = None) -> None:
        """Back to the seed data (all accounts, or the ones named)."""
        with self._lock:
            for account in accounts or self.accounts:
                self._data[account] = self._seeder(account)
            self._write_all()

    def account(self, account_id: str) -> AccountState:
        return AccountState(account_id, self._data[account_id])

    def has_account(self, account_id: str) -> bool:
        return account_id in self._data

    @contextmanager
    def transaction(
        self, account_id: str, on_commit: Callable[[Transaction], None] | None = None
    ) -> Iterator[Transaction]:
        """Collect writes; apply them atomically when the block ends without an exception."""
        with self._lock:
            tx = Transaction(self.account(account_id))
            yield tx
            if tx.changed:
                self._commit(tx)
                if on_commit is not None:
                    on_commit(tx)

    def _commit(self, tx: Transaction) -> None:
        items = tx.items()
        if self._db is not None:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                for collection, key, doc in items:
                    if doc is _DELETED:
                        db.execute(
                            "DELETE FROM documents WHERE account=? AND collection=? AND key=?",
                            (tx.account_id, collection, key),
                        )
                    else:
                        db.execute(
                            "INSERT INTO documents (account, collection, key, doc) "
                            "VALUES (?, ?, ?, ?) ON CONFLICT (account, collection, key) "
                            "DO UPDATE SET doc=excluded.doc",
                            (tx.account_id, collection, key, json.dumps(doc)),
                        )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        data = self._data[tx.account_id]
        for collection, key, doc in items:
            docs = data.setdefault(collection, {})
            if doc is _DELETED:
                docs.pop(key, None)
            else:
                docs[key] = doc

    def snapshot(self, account_id: str) -> dict[str, dict[str, Document]]:
        """A deep copy of one account's data (for the admin API and tests)."""
        with self._lock:
            return copy.deepcopy(self._data[account_id])
