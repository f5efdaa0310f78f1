"""Seed data: the two sandbox accounts and everything in them, loaded from JSON files.

The data lives in `alecs/sandbox/data/` (package data): `accounts.json` names the accounts,
their account switch keys, the rule formats and the behavior and criteria names the sandbox
knows, and one `<accountId>.json` per account holds its collections. The files are read once,
on first use; `seed_account` hands out a deep copy each time.

Account A (`act_1-5SBXA1`, "Sandbox Demo Co") is the demo account: two contracts, a group tree,
products, CP codes, edge hostnames, four properties with versions, rule trees, hostnames and
activations, two DNS zones with records, a certificate enrollment and network lists.
Account B (`act_1-7SBXB2`, "Other Example Ltd") is smaller and different, so that tests can tell
which account's data they see.

`seed_account(account_id)` returns `{collection: {key: document}}`. Documents are shaped like the
objects of the official API responses (see ../shared/akamai-apis), plus the few fields a list
needs for filtering (for example `contractId` and `groupId` on a CP code). Collections and keys:

| collection | key | document |
| --- | --- | --- |
| `account` | `"account"` | `{accountId, accountName}` |
| `contracts` | contractId | `{contractId, contractTypeName}` |
| `groups` | groupId | `{groupId, groupName, parentGroupId?, contractIds}` |
| `products` | productId | `{productId, productName, contractIds}` |
| `cpcodes` | cpcodeId | `{cpcodeId, cpcodeName, createdDate, productIds, contractId, groupId}` |
| `edgehostnames` | edgeHostnameId | PAPI edge hostname + `contractId`, `groupId` |
| `properties` | propertyId | PAPI property (1) |
| `property_versions` | `"prp_X/3"` | PAPI version (2) |
| `property_rules` | `"prp_X/3"` | `{propertyId, propertyVersion, etag, ruleFormat, rules}` |
| `property_hostnames` | `"prp_X/3"` | `{propertyId, propertyVersion, etag, items: [hostnames]}` |
| `activations` | activationId | PAPI activation + `operation` (see state.schedule) |
| `dns_zones` | zone name | Edge DNS zone |
| `dns_records` | `"zone/name/TYPE"` | `{zone, name, type, ttl, rdata}` |
| `cps_enrollments` | enrollment id (str) | CPS enrollment |
| `network_lists` | uniqueId | network list with `list` of elements |
| `meta` | `"ids"` | next numeric id per kind (see `Transaction.next_id`) |

(1) `{propertyId, propertyName, accountId, contractId, groupId, productId, assetId,
latestVersion, stagingVersion, productionVersion, note, ruleFormat}`
(2) `{propertyId, propertyVersion, updatedByUser, updatedDate, productionStatus, stagingStatus,
etag, productId, ruleFormat, note}`; the version's `etag` changes when its rules change.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from typing import Any

DATA_DIR = "data"  # alecs/sandbox/data (package data, see pyproject.toml)


@functools.cache
def data_text(name: str) -> str:
    """The text of one file of `alecs/sandbox/data` (read once)."""
    try:
        return resources.files("alecs.sandbox").joinpath(DATA_DIR, name).read_text("utf-8")
    except FileNotFoundError:
        raise RuntimeError(
            f"the sandbox data file {DATA_DIR}/{name} is missing from the alecs package "
            "(a broken installation: reinstall alecs)"
        ) from None


def load_data(name: str) -> Any:
    """A fresh parse of one JSON file of `alecs/sandbox/data` (the caller may change it)."""
    return json.loads(data_text(name))


_META: dict[str, Any] = load_data("accounts.json")

SEED_VERSION: int = _META["seed_version"]
ACCOUNTS: tuple[str, ...] = tuple(a["accountId"] for a in _META["accounts"])
ACCOUNT_A, ACCOUNT_B = ACCOUNTS[0], ACCOUNTS[1]
# accountSwitchKey -> account id. A key selects the account whose data a request sees.
SWITCH_KEYS: dict[str, str] = dict(_META["switch_keys"])
ACCOUNT_NAMES: dict[str, str] = {a["accountId"]: a["accountName"] for a in _META["accounts"]}
_FILES: dict[str, str] = {a["accountId"]: a["file"] for a in _META["accounts"]}

# Rule formats the sandbox knows, newest first (PAPI also accepts "latest").
RULE_FORMATS: tuple[str, ...] = tuple(_META["rule_formats"])
DEFAULT_RULE_FORMAT: str = _META["default_rule_format"]

# Behavior and criteria names the sandbox accepts in rule trees (a subset of PAPI's catalog).
BEHAVIORS: frozenset[str] = frozenset(_META["behaviors"])
CRITERIA: frozenset[str] = frozenset(_META["criteria"])


def etag_of(document: Any) -> str:
    """A stable etag for a JSON document (16 hex digits, like PAPI's)."""
    raw = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def seed_account(account_id: str) -> dict[str, dict[str, Any]]:
    """A fresh copy of the seed data of `account_id` (`{collection: {key: document}}`)."""
    try:
        name = _FILES[account_id]
    except KeyError:
        raise KeyError(f"no seed data for account {account_id!r}; known: {ACCOUNTS}") from None
    return load_data(name)
