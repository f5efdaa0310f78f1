"""Canned JSON for the native target: a property (small) and a ~1 MB rule tree (large).

Both are shaped like Property Manager responses (`GET /papi/v1/properties/{id}` and
`GET .../versions/{v}/rules`); the rule tree is generated deterministically so every run serves
the same bytes.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

SMALL_PATH = "/papi/v1/properties/prp_175780"
LARGE_PATH = "/papi/v1/properties/prp_175780/versions/3/rules"
# The same rule tree from a location where nginx may not compress it.
LARGE_IDENTITY_PATH = "/bench/identity/rules.json"
SMALL_QUERY = {"contractId": "ctr_K-0N7RAK7", "groupId": "grp_15225"}


def small_property() -> dict[str, object]:
    return {
        "properties": {
            "items": [
                {
                    "accountId": "act_A-CCT5678",
                    "contractId": "ctr_K-0N7RAK7",
                    "groupId": "grp_15225",
                    "propertyId": "prp_175780",
                    "propertyName": "example.com",
                    "latestVersion": 2,
                    "stagingVersion": 1,
                    "productionVersion": None,
                    "assetId": "aid_101",
                    "note": "Notes about example.com",
                }
            ]
        }
    }


def _behavior(rng: random.Random, i: int) -> dict[str, object]:
    kind = rng.choice(["caching", "origin", "cpCode", "modifyOutgoingResponseHeader", "gzip"])
    if kind == "caching":
        options: dict[str, object] = {
            "behavior": "MAX_AGE",
            "mustRevalidate": False,
            "ttl": f"{rng.randint(1, 30)}d",
        }
    elif kind == "origin":
        options = {
            "originType": "CUSTOMER",
            "hostname": f"origin-{i}.example.com",
            "forwardHostHeader": "REQUEST_HOST_HEADER",
            "cacheKeyHostname": "ORIGIN_HOSTNAME",
            "compress": True,
            "enableTrueClientIp": rng.random() < 0.5,
            "httpPort": 80,
            "httpsPort": 443,
            "verificationMode": "PLATFORM_SETTINGS",
        }
    elif kind == "cpCode":
        options = {"value": {"id": 100000 + i, "name": f"cp code {i}", "products": ["Fresca"]}}
    elif kind == "modifyOutgoingResponseHeader":
        options = {
            "action": "ADD",
            "standardAddHeaderName": "OTHER",
            "customHeaderName": f"X-Bench-{i}",
            "headerValue": f"value-{rng.getrandbits(48):012x}",
        }
    else:
        options = {"behavior": "ORIGIN_RESPONSE"}
    return {"name": kind, "options": options}


def _rule(rng: random.Random, i: int) -> dict[str, object]:
    return {
        "name": f"Rule {i}: /path-{i}/*",
        "criteria": [
            {
                "name": "path",
                "options": {
                    "matchOperator": "MATCHES_ONE_OF",
                    "values": [f"/path-{i}/*", f"/alt-{i}/*.json"],
                    "matchCaseSensitive": False,
                },
            }
        ],
        "criteriaMustSatisfy": "all",
        "behaviors": [_behavior(rng, i * 10 + k) for k in range(rng.randint(2, 5))],
        "children": [],
        "comments": f"generated rule {i} for the benchmark",
    }


def large_rule_tree(target_bytes: int = 1_000_000) -> dict[str, object]:
    """A rule tree whose compact JSON is about `target_bytes` long."""
    rng = random.Random(7)
    children: list[dict[str, object]] = []
    tree: dict[str, object] = {
        "accountId": "act_A-CCT5678",
        "contractId": "ctr_K-0N7RAK7",
        "groupId": "grp_15225",
        "propertyId": "prp_175780",
        "propertyVersion": 3,
        "etag": "a9dfe78cf93090516bde891d009eaf57",
        "ruleFormat": "v2024-02-12",
        "rules": {
            "name": "default",
            "criteria": [],
            "options": {"is_secure": True},
            "behaviors": [_behavior(rng, 0)],
            "children": children,
        },
    }
    size = len(json.dumps(tree))
    i = 1
    while size < target_bytes:
        rule = _rule(rng, i)
        children.append(rule)
        size += len(json.dumps(rule)) + 2
        i += 1
    return tree


FILES = {"small.json": SMALL_PATH, "large.json": LARGE_PATH}


def write_payloads(root: Path) -> dict[str, int]:
    """Write `small.json` and `large.json` (plus `.gz` and `.br` siblings of the large one for
    nginx's gzip_static/brotli_static) into `root`. Returns the byte sizes."""
    root.mkdir(parents=True, exist_ok=True)
    small = json.dumps(small_property(), indent=2).encode()
    large = json.dumps(large_rule_tree()).encode()
    (root / "small.json").write_bytes(small)
    (root / "large.json").write_bytes(large)
    gz = gzip.compress(large, compresslevel=6, mtime=0)
    (root / "large.json.gz").write_bytes(gz)
    sizes = {"small": len(small), "large": len(large), "large.gz": len(gz)}
    try:
        import brotli

        br = brotli.compress(large, quality=5)
        (root / "large.json.br").write_bytes(br)
        sizes["large.br"] = len(br)
    except ImportError:  # pragma: no cover - brotli is a dependency of alecs
        pass
    return sizes
