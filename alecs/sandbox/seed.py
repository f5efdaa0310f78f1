"""Seed data: the two sandbox accounts and everything in them.

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

import copy
import hashlib
import json
from typing import Any

SEED_VERSION = 1

ACCOUNT_A = "act_1-5SBXA1"
ACCOUNT_B = "act_1-7SBXB2"

# accountSwitchKey -> account id. A key selects the account whose data a request sees.
SWITCH_KEYS: dict[str, str] = {
    "1-5SBXA1:1-8SBX": ACCOUNT_A,
    "1-7SBXB2:1-8SBX": ACCOUNT_B,
}

ACCOUNT_NAMES = {ACCOUNT_A: "Sandbox Demo Co", ACCOUNT_B: "Other Example Ltd"}

# Rule formats the sandbox knows, newest first (PAPI also accepts "latest").
RULE_FORMATS = ("v2024-10-21", "v2024-05-31", "v2023-10-30", "v2023-05-30", "v2023-01-05")
DEFAULT_RULE_FORMAT = "v2024-10-21"

# Behavior and criteria names the sandbox accepts in rule trees (a subset of PAPI's catalog).
BEHAVIORS = frozenset(
    {
        "adaptiveAcceleration",
        "adaptiveImageCompression",
        "advanced",
        "allHttpInCacheHierarchy",
        "allowDelete",
        "allowOptions",
        "allowPatch",
        "allowPost",
        "allowPut",
        "allowTransferEncoding",
        "autoDomainValidation",
        "baseDirectory",
        "brotli",
        "cacheError",
        "cacheId",
        "cacheKeyIgnoreCase",
        "cacheKeyQueryParams",
        "cacheRedirect",
        "cacheTag",
        "caching",
        "constructResponse",
        "corsSupport",
        "cpCode",
        "customBehavior",
        "denyAccess",
        "dnsAsyncRefresh",
        "downstreamCache",
        "edgeRedirector",
        "enhancedAkamaiProtocol",
        "enhancedProxyDetection",
        "failAction",
        "gzipResponse",
        "http2",
        "http3",
        "httpStrictTransportSecurity",
        "imageManager",
        "largeFileOptimization",
        "modifyIncomingRequestHeader",
        "modifyIncomingResponseHeader",
        "modifyOutgoingRequestHeader",
        "modifyOutgoingResponseHeader",
        "origin",
        "originCharacteristics",
        "prefetch",
        "prefetchable",
        "redirect",
        "removeQueryParameter",
        "removeVary",
        "report",
        "rewriteUrl",
        "segmentedContentProtection",
        "setVariable",
        "siteShield",
        "sureRoute",
        "tieredDistribution",
        "timeout",
        "validateEntityTag",
        "webApplicationFirewall",
    }
)
CRITERIA = frozenset(
    {
        "cacheability",
        "clientIp",
        "contentType",
        "cookie",
        "fileExtension",
        "filename",
        "hostname",
        "matchResponseCode",
        "path",
        "queryStringParameter",
        "requestHeader",
        "requestMethod",
        "requestProtocol",
        "time",
        "userAgent",
    }
)

_PRODUCT_NAMES = {
    "prd_Fresca": "Ion Standard",
    "prd_SPM": "Ion Premier",
    "prd_Site_Accel": "Dynamic Site Accelerator",
    "prd_Download_Delivery": "Download Delivery",
    "prd_Adaptive_Media_Delivery": "Adaptive Media Delivery",
}


def etag_of(document: Any) -> str:
    """A stable etag for a JSON document (16 hex digits, like PAPI's)."""
    raw = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def default_rules(
    origin: str, cpcode: int, cpcode_name: str, *, secure: bool = True
) -> dict[str, Any]:
    """A realistic Ion-style rule tree: origin, CP code, performance and offload children."""
    return {
        "name": "default",
        "comments": "The behaviors in the default rule apply to all requests.",
        "options": {"is_secure": secure},
        "criteria": [],
        "behaviors": [
            {
                "name": "origin",
                "options": {
                    "originType": "CUSTOMER",
                    "hostname": origin,
                    "forwardHostHeader": "REQUEST_HOST_HEADER",
                    "cacheKeyHostname": "REQUEST_HOST_HEADER",
                    "compress": True,
                    "enableTrueClientIp": True,
                    "trueClientIpHeader": "True-Client-IP",
                    "trueClientIpClientSetting": False,
                    "httpPort": 80,
                    "httpsPort": 443,
                    "originSni": True,
                    "verificationMode": "PLATFORM_SETTINGS",
                    "originCertsToHonor": "STANDARD_CERTIFICATE_AUTHORITIES",
                    "standardCertificateAuthorities": [
                        "akamai-permissive",
                        "THIRD_PARTY_AMAZON",
                    ],
                },
            },
            {"name": "cpCode", "options": {"value": {"id": cpcode, "name": cpcode_name}}},
            {"name": "http2", "options": {"enabled": ""}},
            {"name": "allowTransferEncoding", "options": {"enabled": True}},
        ],
        "children": [
            {
                "name": "Performance",
                "comments": "Improves the performance of delivering objects to end users.",
                "criteria": [],
                "criteriaMustSatisfy": "all",
                "behaviors": [
                    {"name": "enhancedAkamaiProtocol", "options": {}},
                    {"name": "sureRoute", "options": {"enabled": True, "type": "PERFORMANCE"}},
                ],
                "children": [
                    {
                        "name": "Compressible objects",
                        "criteria": [
                            {
                                "name": "contentType",
                                "options": {
                                    "matchOperator": "IS_ONE_OF",
                                    "matchWildcard": True,
                                    "matchCaseSensitive": False,
                                    "values": [
                                        "text/*",
                                        "application/javascript",
                                        "application/json",
                                        "image/svg+xml",
                                    ],
                                },
                            }
                        ],
                        "criteriaMustSatisfy": "all",
                        "behaviors": [{"name": "gzipResponse", "options": {"behavior": "ALWAYS"}}],
                        "children": [],
                    }
                ],
            },
            {
                "name": "Offload",
                "comments": "Controls caching, which offloads traffic away from the origin.",
                "criteria": [],
                "criteriaMustSatisfy": "all",
                "behaviors": [
                    {
                        "name": "caching",
                        "options": {"behavior": "NO_STORE"},
                    },
                    {"name": "tieredDistribution", "options": {"enabled": True}},
                    {"name": "removeVary", "options": {"enabled": True}},
                ],
                "children": [
                    {
                        "name": "CSS and JavaScript",
                        "criteria": [
                            {
                                "name": "fileExtension",
                                "options": {
                                    "matchOperator": "IS_ONE_OF",
                                    "matchCaseSensitive": False,
                                    "values": ["css", "js"],
                                },
                            }
                        ],
                        "criteriaMustSatisfy": "all",
                        "behaviors": [
                            {
                                "name": "caching",
                                "options": {
                                    "behavior": "MAX_AGE",
                                    "mustRevalidate": False,
                                    "ttl": "7d",
                                },
                            }
                        ],
                        "children": [],
                    },
                    {
                        "name": "Static objects",
                        "criteria": [
                            {
                                "name": "fileExtension",
                                "options": {
                                    "matchOperator": "IS_ONE_OF",
                                    "matchCaseSensitive": False,
                                    "values": ["jpg", "jpeg", "png", "gif", "webp", "svg", "woff2"],
                                },
                            }
                        ],
                        "criteriaMustSatisfy": "all",
                        "behaviors": [
                            {
                                "name": "caching",
                                "options": {
                                    "behavior": "MAX_AGE",
                                    "mustRevalidate": False,
                                    "ttl": "30d",
                                },
                            },
                            {"name": "prefetchable", "options": {"enabled": True}},
                        ],
                        "children": [],
                    },
                ],
            },
        ],
    }


def _property(
    data: dict[str, dict[str, Any]],
    account_id: str,
    *,
    property_id: str,
    name: str,
    contract_id: str,
    group_id: str,
    product_id: str,
    asset_id: str,
    origin: str,
    cpcode: tuple[int, str],
    hostnames: list[tuple[str, str, str]],  # (cnameFrom, edgeHostnameId, cnameTo)
    versions: list[dict[str, Any]],
    activations: list[dict[str, Any]],
) -> None:
    latest = len(versions)
    staging = next((v["n"] for v in reversed(versions) if v.get("staging") == "ACTIVE"), None)
    production = next((v["n"] for v in reversed(versions) if v.get("production") == "ACTIVE"), None)
    data["properties"][property_id] = {
        "accountId": account_id,
        "contractId": contract_id,
        "groupId": group_id,
        "propertyId": property_id,
        "propertyName": name,
        "productId": product_id,
        "assetId": asset_id,
        "latestVersion": latest,
        "stagingVersion": staging,
        "productionVersion": production,
        "note": f"Delivery configuration for {name}",
        "ruleFormat": versions[-1].get("ruleFormat", DEFAULT_RULE_FORMAT),
    }
    for v in versions:
        n = v["n"]
        key = f"{property_id}/{n}"
        rule_format = v.get("ruleFormat", DEFAULT_RULE_FORMAT)
        rules = default_rules(origin, cpcode[0], cpcode[1])
        if v.get("tweak"):
            v["tweak"](rules)
        rules_doc = {
            "propertyId": property_id,
            "propertyVersion": n,
            "ruleFormat": rule_format,
            "rules": rules,
        }
        rules_doc["etag"] = etag_of(rules_doc)
        data["property_rules"][key] = rules_doc
        items = [
            {
                "cnameType": "EDGE_HOSTNAME",
                "edgeHostnameId": ehn,
                "cnameFrom": cname_from,
                "cnameTo": cname_to,
                "certProvisioningType": "CPS_MANAGED",
            }
            for cname_from, ehn, cname_to in hostnames[: v.get("hostnames", len(hostnames))]
        ]
        hostnames_doc = {"propertyId": property_id, "propertyVersion": n, "items": items}
        hostnames_doc["etag"] = etag_of(hostnames_doc)
        data["property_hostnames"][key] = hostnames_doc
        version_doc = {
            "propertyId": property_id,
            "propertyVersion": n,
            "updatedByUser": v.get("user", "jdoe"),
            "updatedDate": v["date"],
            "productionStatus": v.get("production", "INACTIVE"),
            "stagingStatus": v.get("staging", "INACTIVE"),
            "productId": product_id,
            "ruleFormat": rule_format,
            "note": v.get("note", ""),
        }
        version_doc["etag"] = etag_of([version_doc, rules_doc["etag"]])
        data["property_versions"][key] = version_doc
    for a in activations:
        data["activations"][a["activationId"]] = {
            "activationId": a["activationId"],
            "propertyName": name,
            "propertyId": property_id,
            "propertyVersion": a["version"],
            "network": a["network"],
            "activationType": a.get("type", "ACTIVATE"),
            "status": a.get("status", "ACTIVE"),
            "submitDate": a["submitDate"],
            "updateDate": a["updateDate"],
            "note": a.get("note", ""),
            "notifyEmails": a.get("notifyEmails", ["noc@example.com"]),
            "accountId": account_id,
            "contractId": contract_id,
            "groupId": group_id,
        }


def _empty() -> dict[str, dict[str, Any]]:
    names = (
        "account",
        "contracts",
        "groups",
        "products",
        "cpcodes",
        "edgehostnames",
        "properties",
        "property_versions",
        "property_rules",
        "property_hostnames",
        "activations",
        "dns_zones",
        "dns_records",
        "cps_enrollments",
        "network_lists",
        "meta",
    )
    return {name: {} for name in names}


def _edge_hostname(
    ehn_id: str,
    prefix: str,
    suffix: str,
    product_id: str,
    contract_id: str,
    group_id: str,
    *,
    secure: bool,
) -> dict[str, Any]:
    return {
        "edgeHostnameId": ehn_id,
        "edgeHostnameDomain": f"{prefix}.{suffix}",
        "productId": product_id,
        "domainPrefix": prefix,
        "domainSuffix": suffix,
        "secure": secure,
        "ipVersionBehavior": "IPV6_COMPLIANCE",
        "contractId": contract_id,
        "groupId": group_id,
    }


def _records(zone: str, records: list[tuple[str, str, int, list[str]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, rtype, ttl, rdata in records:
        fqdn = zone if name == "@" else f"{name}.{zone}"
        out[f"{zone}/{fqdn}/{rtype}"] = {
            "zone": zone,
            "name": fqdn,
            "type": rtype,
            "ttl": ttl,
            "rdata": rdata,
        }
    return out


def _zone_records(zone: str, serial: int, extra: list[tuple[str, str, int, list[str]]]):
    base = [
        (
            "@",
            "SOA",
            86400,
            [f"a1-1.akam.net. hostmaster.{zone}. {serial} 3600 600 604800 300"],
        ),
        ("@", "NS", 86400, ["a1-1.akam.net.", "a7-64.akam.net.", "a22-65.akam.net."]),
    ]
    return _records(zone, base + extra)


def _seed_a() -> dict[str, dict[str, Any]]:
    acct = ACCOUNT_A
    d = _empty()
    d["account"]["account"] = {"accountId": acct, "accountName": ACCOUNT_NAMES[acct]}
    c1, c2 = "ctr_1-5SBXC1", "ctr_1-5SBXC2"
    d["contracts"][c1] = {"contractId": c1, "contractTypeName": "DIRECT_CUSTOMER"}
    d["contracts"][c2] = {"contractId": c2, "contractTypeName": "INDIRECT_CUSTOMER"}
    root, web, media, stage = "grp_100001", "grp_100002", "grp_100003", "grp_100004"
    d["groups"][root] = {"groupId": root, "groupName": "Sandbox Demo Co", "contractIds": [c1, c2]}
    d["groups"][web] = {
        "groupId": web,
        "groupName": "Web",
        "parentGroupId": root,
        "contractIds": [c1],
    }
    d["groups"][media] = {
        "groupId": media,
        "groupName": "Media",
        "parentGroupId": root,
        "contractIds": [c1, c2],
    }
    d["groups"][stage] = {
        "groupId": stage,
        "groupName": "Web Staging",
        "parentGroupId": web,
        "contractIds": [c1],
    }
    for pid, contracts in (
        ("prd_Fresca", [c1, c2]),
        ("prd_SPM", [c1]),
        ("prd_Site_Accel", [c1]),
        ("prd_Download_Delivery", [c1, c2]),
        ("prd_Adaptive_Media_Delivery", [c1]),
    ):
        d["products"][pid] = {
            "productId": pid,
            "productName": _PRODUCT_NAMES[pid],
            "contractIds": contracts,
        }
    for cid, name, product, group, created in (
        ("cpc_1000001", "www.example.com", "prd_Fresca", web, "2023-02-14T09:30:00Z"),
        ("cpc_1000002", "api.example.com", "prd_SPM", web, "2023-03-01T12:00:00Z"),
        (
            "cpc_1000003",
            "downloads.example.com",
            "prd_Download_Delivery",
            web,
            "2023-06-20T08:15:00Z",
        ),
        ("cpc_1000004", "media VOD", "prd_Adaptive_Media_Delivery", media, "2024-01-09T16:45:00Z"),
    ):
        d["cpcodes"][cid] = {
            "cpcodeId": cid,
            "cpcodeName": name,
            "createdDate": created,
            "productIds": [product],
            "contractId": c1,
            "groupId": group,
        }
    DD, AMD = "prd_Download_Delivery", "prd_Adaptive_Media_Delivery"
    ehns = [
        _edge_hostname(ehn, prefix, suffix, product, c1, group, secure=secure)
        for ehn, prefix, suffix, product, group, secure in (
            ("ehn_500001", "www.example.com", "edgekey.net", "prd_Fresca", web, True),
            ("ehn_500002", "api.example.com", "edgekey.net", "prd_SPM", web, True),
            ("ehn_500003", "downloads.example.com", "edgesuite.net", DD, web, False),
            ("ehn_500004", "media.example.com", "akamaized.net", AMD, media, True),
        )
    ]  # fmt: skip
    for ehn in ehns:
        d["edgehostnames"][ehn["edgeHostnameId"]] = ehn

    def no_store_html(rules: dict[str, Any]) -> None:
        rules["children"][1]["children"].append(
            {
                "name": "HTML pages",
                "criteria": [
                    {
                        "name": "fileExtension",
                        "options": {
                            "matchOperator": "IS_ONE_OF",
                            "matchCaseSensitive": False,
                            "values": ["html", "htm"],
                        },
                    }
                ],
                "criteriaMustSatisfy": "all",
                "behaviors": [
                    {
                        "name": "caching",
                        "options": {"behavior": "MAX_AGE", "mustRevalidate": True, "ttl": "5m"},
                    }
                ],
                "children": [],
            }
        )

    def with_hsts(rules: dict[str, Any]) -> None:
        no_store_html(rules)
        rules["behaviors"].append(
            {
                "name": "httpStrictTransportSecurity",
                "options": {"enable": True, "maxAge": "ONE_YEAR", "includeSubDomains": False},
            }
        )

    _property(
        d,
        acct,
        property_id="prp_600001",
        name="www.example.com",
        contract_id=c1,
        group_id=web,
        product_id="prd_Fresca",
        asset_id="aid_900001",
        origin="origin-www.example.com",
        cpcode=(1000001, "www.example.com"),
        hostnames=[
            ("www.example.com", "ehn_500001", "www.example.com.edgekey.net"),
            ("example.com", "ehn_500001", "www.example.com.edgekey.net"),
        ],
        versions=[
            {"n": 1, "date": "2024-03-04T10:12:57Z", "note": "initial version", "hostnames": 1},
            {
                "n": 2,
                "date": "2024-05-10T14:06:13Z",
                "note": "cache HTML for 5 minutes",
                "production": "ACTIVE",
                "tweak": no_store_html,
            },
            {
                "n": 3,
                "date": "2024-09-22T08:40:00Z",
                "note": "add HSTS",
                "staging": "ACTIVE",
                "user": "asmith",
                "tweak": with_hsts,
            },
        ],
        activations=[
            {"activationId": "atv_700001", "version": 1, "network": "STAGING",
             "submitDate": "2024-03-04T10:20:00Z", "updateDate": "2024-03-04T10:27:00Z"},
            {"activationId": "atv_700002", "version": 2, "network": "PRODUCTION",
             "submitDate": "2024-05-10T15:00:00Z", "updateDate": "2024-05-10T15:24:00Z",
             "note": "cache HTML"},
            {"activationId": "atv_700003", "version": 3, "network": "STAGING",
             "submitDate": "2024-09-22T09:00:00Z", "updateDate": "2024-09-22T09:06:00Z",
             "note": "HSTS on staging"},
        ],
    )  # fmt: skip
    _property(
        d,
        acct,
        property_id="prp_600002",
        name="api.example.com",
        contract_id=c1,
        group_id=web,
        product_id="prd_SPM",
        asset_id="aid_900002",
        origin="origin-api.example.com",
        cpcode=(1000002, "api.example.com"),
        hostnames=[("api.example.com", "ehn_500002", "api.example.com.edgekey.net")],
        versions=[
            {"n": 1, "date": "2024-02-01T11:00:00Z", "note": "initial version",
             "production": "ACTIVE"},
            {"n": 2, "date": "2024-08-15T13:30:00Z", "note": "HSTS", "staging": "ACTIVE",
             "tweak": with_hsts},
        ],
        activations=[
            {"activationId": "atv_700004", "version": 1, "network": "PRODUCTION",
             "submitDate": "2024-02-01T12:00:00Z", "updateDate": "2024-02-01T12:25:00Z"},
            {"activationId": "atv_700005", "version": 2, "network": "STAGING",
             "submitDate": "2024-08-15T14:00:00Z", "updateDate": "2024-08-15T14:05:00Z"},
        ],
    )  # fmt: skip
    _property(
        d,
        acct,
        property_id="prp_600003",
        name="downloads.example.com",
        contract_id=c1,
        group_id=web,
        product_id="prd_Download_Delivery",
        asset_id="aid_900003",
        origin="origin-downloads.example.com",
        cpcode=(1000003, "downloads.example.com"),
        hostnames=[
            ("downloads.example.com", "ehn_500003", "downloads.example.com.edgesuite.net")
        ],
        versions=[
            {"n": 1, "date": "2023-06-20T09:00:00Z", "note": "initial version",
             "production": "ACTIVE", "staging": "ACTIVE", "ruleFormat": "v2023-05-30"},
        ],
        activations=[
            {"activationId": "atv_700006", "version": 1, "network": "STAGING",
             "submitDate": "2023-06-20T09:10:00Z", "updateDate": "2023-06-20T09:15:00Z"},
            {"activationId": "atv_700007", "version": 1, "network": "PRODUCTION",
             "submitDate": "2023-06-20T10:00:00Z", "updateDate": "2023-06-20T10:30:00Z"},
        ],
    )  # fmt: skip
    _property(
        d,
        acct,
        property_id="prp_600004",
        name="media.example.com",
        contract_id=c1,
        group_id=media,
        product_id="prd_Adaptive_Media_Delivery",
        asset_id="aid_900004",
        origin="origin-media.example.com",
        cpcode=(1000004, "media VOD"),
        hostnames=[("media.example.com", "ehn_500004", "media.example.com.akamaized.net")],
        versions=[{"n": 1, "date": "2024-01-09T17:00:00Z", "note": "draft"}],
        activations=[],
    )
    d["dns_zones"]["example.com"] = {
        "zone": "example.com",
        "type": "PRIMARY",
        "contractId": c1.removeprefix("ctr_"),
        "comment": "Demo primary zone",
        "signAndServe": False,
        "aliasCount": 0,
        "versionId": "6f2e3c1a-0d4b-4a7e-9b1f-5c2d8e9a0b11",
        "lastModifiedDate": "2024-09-22T08:00:00Z",
        "lastModifiedBy": "jdoe",
        "lastActivationDate": "2024-09-22T08:01:00Z",
        "activationState": "ACTIVE",
    }
    d["dns_records"].update(
        _zone_records(
            "example.com",
            2024092201,
            [
                ("@", "A", 300, ["192.0.2.10"]),
                ("www", "CNAME", 300, ["www.example.com.edgekey.net."]),
                ("api", "CNAME", 300, ["api.example.com.edgekey.net."]),
                ("downloads", "CNAME", 300, ["downloads.example.com.edgesuite.net."]),
                ("media", "CNAME", 300, ["media.example.com.akamaized.net."]),
                ("origin-www", "A", 300, ["192.0.2.20", "192.0.2.21"]),
                ("origin-api", "A", 300, ["192.0.2.30"]),
                ("@", "MX", 3600, ["10 mx1.example.com.", "20 mx2.example.com."]),
                ("@", "TXT", 3600, ['"v=spf1 include:_spf.example.com ~all"']),
                ("_dmarc", "TXT", 3600, ['"v=DMARC1; p=quarantine"']),
            ],
        )
    )
    d["dns_zones"]["example.org"] = {
        "zone": "example.org",
        "type": "SECONDARY",
        "contractId": c1.removeprefix("ctr_"),
        "comment": "Secondary zone transferred from the corporate primary",
        "masters": ["192.0.2.53", "198.51.100.53"],
        "signAndServe": False,
        "aliasCount": 0,
        "versionId": "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
        "lastModifiedDate": "2024-04-02T10:00:00Z",
        "lastModifiedBy": "jdoe",
        "lastActivationDate": "2024-04-02T10:01:00Z",
        "activationState": "ACTIVE",
    }
    d["dns_records"].update(
        _zone_records("example.org", 2024040201, [("www", "A", 300, ["198.51.100.10"])])
    )
    d["cps_enrollments"]["10001"] = _enrollment(
        10001,
        cn="www.example.com",
        sans=["www.example.com", "example.com", "api.example.com"],
        contract_id=c1.removeprefix("ctr_"),
    )
    d["network_lists"]["1024_BLOCKLIST"] = _network_list(
        "1024_BLOCKLIST",
        "Blocked IPs",
        "IP",
        ["192.0.2.66", "198.51.100.0/24", "203.0.113.7"],
        contract_id=c1.removeprefix("ctr_"),
        group_id=100001,
        sync_point=4,
    )
    d["network_lists"]["2048_ALLOWGEO"] = _network_list(
        "2048_ALLOWGEO",
        "Allowed countries",
        "GEO",
        ["US", "CA", "GB", "DE"],
        contract_id=c1.removeprefix("ctr_"),
        group_id=100001,
        sync_point=2,
    )
    d["meta"]["ids"] = {
        "property": 600100,
        "activation": 700100,
        "edgehostname": 500100,
        "cpcode": 1000100,
        "asset": 900100,
        "enrollment": 10100,
        "change": 20100,
        "networklist": 3100,
        "operation": 1,
    }
    return d


def _enrollment(
    enrollment_id: int, *, cn: str, sans: list[str], contract_id: str
) -> dict[str, Any]:
    return {
        "id": enrollment_id,
        "location": f"/cps/v2/enrollments/{enrollment_id}",
        "contractId": contract_id,
        "ra": "lets-encrypt",
        "validationType": "dv",
        "certificateType": "san",
        "certificateChainType": "default",
        "signatureAlgorithm": "SHA-256",
        "changeManagement": False,
        "enableMultiStackedCertificates": False,
        "autoRenewalStartTime": None,
        "maxAllowedSanNames": 100,
        "maxAllowedWildcardSanNames": 100,
        "assignedSlots": [enrollment_id % 10000],
        "productionSlots": [enrollment_id % 10000],
        "stagingSlots": [enrollment_id % 10000],
        "networkConfiguration": {
            "geography": "core",
            "secureNetwork": "enhanced-tls",
            "mustHaveCiphers": "ak-akamai-2020q1",
            "preferredCiphers": "ak-akamai-2020q1",
            "sniOnly": True,
            "quicEnabled": True,
            "ocspStapling": "on",
            "disallowedTlsVersions": ["TLSv1", "TLSv1_1"],
            "dnsNameSettings": {"cloneDnsNames": True, "dnsNames": sans},
        },
        "csr": {
            "cn": cn,
            "c": "US",
            "st": "MA",
            "l": "Cambridge",
            "o": "Sandbox Demo Co",
            "ou": "Web",
            "sans": sans,
        },
        "org": {
            "name": "Sandbox Demo Co",
            "addressLineOne": "1 Example Street",
            "addressLineTwo": None,
            "city": "Cambridge",
            "region": "MA",
            "postalCode": "02142",
            "country": "US",
            "phone": "617-555-0100",
        },
        "adminContact": _contact("Ada", "Admin", "admin@example.com"),
        "techContact": _contact("Tom", "Tech", "tech@example.com"),
        "pendingChanges": [],
    }


def _contact(first: str, last: str, email: str) -> dict[str, Any]:
    return {
        "firstName": first,
        "lastName": last,
        "phone": "617-555-0100",
        "email": email,
        "addressLineOne": "1 Example Street",
        "addressLineTwo": None,
        "city": "Cambridge",
        "country": "US",
        "organizationName": "Sandbox Demo Co",
        "postalCode": "02142",
        "region": "MA",
        "title": "Engineer",
    }


def _network_list(
    unique_id: str,
    name: str,
    list_type: str,
    elements: list[str],
    *,
    contract_id: str,
    group_id: int,
    sync_point: int,
) -> dict[str, Any]:
    return {
        "uniqueId": unique_id,
        "name": name,
        "type": list_type,
        "networkListType": "networkListResponse",
        "description": f"{name} (sandbox seed)",
        "contractId": contract_id,
        "groupId": group_id,
        "shared": False,
        "readOnly": False,
        "syncPoint": sync_point,
        "elementCount": len(elements),
        "list": elements,
        "createDate": "2024-01-15T10:00:00.000Z",
        "createdBy": "jdoe",
        "updateDate": "2024-06-01T10:00:00.000Z",
        "updatedBy": "jdoe",
        "productionActivationStatus": "ACTIVE",
        "stagingActivationStatus": "ACTIVE",
    }


def _seed_b() -> dict[str, dict[str, Any]]:
    acct = ACCOUNT_B
    d = _empty()
    d["account"]["account"] = {"accountId": acct, "accountName": ACCOUNT_NAMES[acct]}
    c1 = "ctr_1-7SBXC9"
    d["contracts"][c1] = {"contractId": c1, "contractTypeName": "DIRECT_CUSTOMER"}
    root, shop = "grp_200001", "grp_200002"
    d["groups"][root] = {"groupId": root, "groupName": "Other Example Ltd", "contractIds": [c1]}
    d["groups"][shop] = {
        "groupId": shop,
        "groupName": "Shop",
        "parentGroupId": root,
        "contractIds": [c1],
    }
    d["products"]["prd_Fresca"] = {
        "productId": "prd_Fresca",
        "productName": _PRODUCT_NAMES["prd_Fresca"],
        "contractIds": [c1],
    }
    d["cpcodes"]["cpc_2000001"] = {
        "cpcodeId": "cpc_2000001",
        "cpcodeName": "shop.example.net",
        "createdDate": "2024-07-01T09:00:00Z",
        "productIds": ["prd_Fresca"],
        "contractId": c1,
        "groupId": shop,
    }
    ehn = _edge_hostname(
        "ehn_510001", "shop.example.net", "edgekey.net", "prd_Fresca", c1, shop, secure=True
    )
    d["edgehostnames"][ehn["edgeHostnameId"]] = ehn
    _property(
        d,
        acct,
        property_id="prp_610001",
        name="shop.example.net",
        contract_id=c1,
        group_id=shop,
        product_id="prd_Fresca",
        asset_id="aid_910001",
        origin="origin-shop.example.net",
        cpcode=(2000001, "shop.example.net"),
        hostnames=[("shop.example.net", "ehn_510001", "shop.example.net.edgekey.net")],
        versions=[
            {"n": 1, "date": "2024-07-01T10:00:00Z", "note": "initial version",
             "staging": "ACTIVE", "production": "ACTIVE"},
        ],
        activations=[
            {"activationId": "atv_710001", "version": 1, "network": "STAGING",
             "submitDate": "2024-07-01T10:05:00Z", "updateDate": "2024-07-01T10:10:00Z"},
            {"activationId": "atv_710002", "version": 1, "network": "PRODUCTION",
             "submitDate": "2024-07-01T11:00:00Z", "updateDate": "2024-07-01T11:20:00Z"},
        ],
    )  # fmt: skip
    d["dns_zones"]["example.net"] = {
        "zone": "example.net",
        "type": "PRIMARY",
        "contractId": c1.removeprefix("ctr_"),
        "comment": "Shop zone",
        "signAndServe": False,
        "aliasCount": 0,
        "versionId": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
        "lastModifiedDate": "2024-07-01T09:00:00Z",
        "lastModifiedBy": "bwong",
        "lastActivationDate": "2024-07-01T09:01:00Z",
        "activationState": "ACTIVE",
    }
    d["dns_records"].update(
        _zone_records(
            "example.net",
            2024070101,
            [("shop", "CNAME", 300, ["shop.example.net.edgekey.net."])],
        )
    )
    d["network_lists"]["3072_PARTNERS"] = _network_list(
        "3072_PARTNERS",
        "Partner IPs",
        "IP",
        ["203.0.113.0/28"],
        contract_id=c1.removeprefix("ctr_"),
        group_id=200001,
        sync_point=1,
    )
    d["meta"]["ids"] = {
        "property": 610100,
        "activation": 710100,
        "edgehostname": 510100,
        "cpcode": 2000100,
        "asset": 910100,
        "enrollment": 20100,
        "change": 30100,
        "networklist": 4100,
        "operation": 1,
    }
    return d


_SEEDERS = {ACCOUNT_A: _seed_a, ACCOUNT_B: _seed_b}
ACCOUNTS: tuple[str, ...] = tuple(_SEEDERS)


def seed_account(account_id: str) -> dict[str, dict[str, Any]]:
    """A fresh copy of an account's seed data."""
    return copy.deepcopy(_SEEDERS[account_id]())
