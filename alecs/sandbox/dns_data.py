"""Edge DNS reference data and zone status (registered by `dns.py`).

- `GET /config-dns/v2/data/contracts`, `.../data/groups`, `.../data/authorities`
  (`contractIds`), `.../data/edgehostnames`, `.../data/recordset-types`,
  `.../data/dns-sec-algorithms`, `.../data/tsig-algorithms`;
- `GET /config-dns/v2/zones/{zone}/contract`, `GET /config-dns/v2/zones/{zone}/aliases`;
- `POST /config-dns/v2/zones/dns-sec-status` and `.../zones/zone-transfer-status` with
  `{"zones": [...]}`: DNSSEC records of sign-and-serve zones, transfer status of SECONDARY zones
  (400 naming a zone that is not of that kind).

Contracts and groups are the account's (the PAPI seed data), without the `ctr_`/`grp_` prefixes
Edge DNS does not use.
"""

from __future__ import annotations

import hashlib
from typing import Any

from alecs.sandbox.dns_zones import (
    BASE,
    DEFAULT_NAMESERVERS,
    KNOWN_TYPES,
    _param,
    _zone_doc,
    bad_request,
)
from alecs.sandbox.framework import Request, Router

FEATURES = ["PRIMARY_ZONES", "SECONDARY_ZONES", "ALIAS_ZONES", "ZONE_APEX_MAPPING"]
PERMISSIONS = ["READ", "WRITE", "ADD", "DELETE"]
DNSSEC_ALGORITHMS = [
    "RSA_SHA1",
    "RSA_SHA256",
    "RSA_SHA512",
    "ECDSA_P256_SHA256",
    "ECDSA_P384_SHA384",
]
TSIG_ALGORITHMS = [
    "hmac-md5",
    "hmac-sha1",
    "hmac-sha224",
    "hmac-sha256",
    "hmac-sha384",
    "hmac-sha512",
]
MAXIMUM_ZONES = 5000


def _contract_item(req: Request, contract: dict[str, Any]) -> dict[str, Any]:
    cid = contract["contractId"].removeprefix("ctr_")
    zones = [z for z in req.state.list("dns_zones") if z.get("contractId") == cid]
    return {
        "contractId": cid,
        "contractName": (req.state.get("account", "account") or {}).get("accountName", cid),
        "contractTypeName": contract.get("contractTypeName", "DIRECT_CUSTOMER"),
        "zoneCount": len(zones),
        "maximumZones": MAXIMUM_ZONES,
        "features": list(FEATURES),
        "permissions": list(PERMISSIONS),
    }


def list_contracts(req: Request) -> dict[str, Any]:
    return {"contracts": [_contract_item(req, c) for c in req.state.list("contracts")]}


def list_groups(req: Request) -> dict[str, Any]:
    groups = []
    for g in req.state.list("groups"):
        groups.append(
            {
                "groupId": int(g["groupId"].removeprefix("grp_")),
                "groupName": g["groupName"],
                "contractIds": [c.removeprefix("ctr_") for c in g["contractIds"]],
                "permissions": list(PERMISSIONS),
            }
        )
    return {"groups": groups}


def list_authorities(req: Request) -> dict[str, Any]:
    wanted = [c.strip().removeprefix("ctr_") for c in (req.arg("contractIds") or "").split(",")]
    wanted = [c for c in wanted if c]
    own = [c["contractId"].removeprefix("ctr_") for c in req.state.list("contracts")]
    unknown = [c for c in wanted if c not in own]
    if unknown:
        raise bad_request(
            req, f"Unknown contract(s) {', '.join(unknown)}; yours: {', '.join(own)}."
        )
    return {
        "contracts": [
            {"contractId": c, "authorities": list(DEFAULT_NAMESERVERS)} for c in (wanted or own)
        ]
    }


def list_edge_hostnames(req: Request) -> dict[str, Any]:
    items = [
        {
            "edgeHostname": e["edgeHostnameDomain"],
            "supportsZoneApexMapping": e["edgeHostnameDomain"].endswith(".edgekey.net"),
        }
        for e in req.state.list("edgehostnames")
    ]
    return {"edgeHostnames": sorted(items, key=lambda e: e["edgeHostname"])}


def list_record_types(req: Request) -> dict[str, Any]:
    zone = (req.arg("zone") or "").strip().lower().rstrip(".")
    if zone:
        _zone_doc(req, zone)
    return {"types": sorted(KNOWN_TYPES - {"SOA", "RRSIG", "DNSKEY", "NSEC3", "NSEC3PARAM"})}


def list_dnssec_algorithms(_req: Request) -> dict[str, Any]:
    return {"algorithms": list(DNSSEC_ALGORITHMS)}


def list_tsig_algorithms(_req: Request) -> dict[str, Any]:
    return {"algorithms": list(TSIG_ALGORITHMS)}


def zone_contract(req: Request) -> dict[str, Any]:
    doc = _zone_doc(req, _param(req, "zone"))
    contract = req.state.get("contracts", f"ctr_{doc['contractId']}") or {
        "contractId": doc["contractId"]
    }
    return _contract_item(req, contract)


def zone_aliases(req: Request) -> dict[str, Any]:
    zone = _param(req, "zone")
    _zone_doc(req, zone)
    aliases = sorted(
        z["zone"]
        for z in req.state.list("dns_zones")
        if z["type"] == "ALIAS" and z.get("target") == zone
    )
    return {"aliases": aliases}


def _zone_names(req: Request) -> list[str]:
    body = req.json()
    names = body.get("zones") if isinstance(body, dict) else None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise bad_request(req, 'The body must be {"zones": ["example.com", ...]}.')
    return [n.strip().lower().rstrip(".") for n in names]


def dnssec_status(req: Request) -> dict[str, Any]:
    statuses = []
    for zone in _zone_names(req):
        doc = _zone_doc(req, zone)
        if not doc.get("signAndServe"):
            raise bad_request(req, f"Zone '{zone}' is not signed (signAndServe is false).")
        tag = int(hashlib.sha256(zone.encode()).hexdigest()[:4], 16)
        key = hashlib.sha256(f"dnskey/{zone}".encode()).hexdigest().upper()
        digest = hashlib.sha256(f"ds/{zone}".encode()).hexdigest().upper()
        statuses.append(
            {
                "zone": zone,
                "alerts": [],
                "currentRecords": {
                    "dnskeyRecord": f"{zone}. 7200 IN DNSKEY 257 3 13 ({key})",
                    "dsRecord": f"{zone}. 86400 IN DS {tag} 13 2 ({digest})",
                    "expectedTtl": 3600,
                    "lastModifiedDate": doc.get("lastModifiedDate") or req.iso_now(),
                },
            }
        )
    return {"dnsSecStatuses": statuses}


def zone_transfer_status(req: Request) -> dict[str, Any]:
    zones = []
    for zone in _zone_names(req):
        doc = _zone_doc(req, zone)
        if doc["type"] != "SECONDARY":
            raise bad_request(req, f"Zone '{zone}' is {doc['type']}, not a SECONDARY zone.")
        when = doc.get("lastModifiedDate") or req.iso_now()
        serial = int(when[:10].replace("-", "")) * 100
        zones.append(
            {
                "zone": zone,
                "metadata": {"lastSuccessSerial": serial, "lastSuccessTimestamp": when},
                "masters": [
                    {
                        "masterIP": master,
                        "zoneTransferAgents": [
                            {
                                "agentIP": "192.0.2.41",
                                "actions": [
                                    {
                                        "actionType": "SOA",
                                        "lastSuccessTimestamp": when,
                                        "lastSuccessSerial": serial,
                                    }
                                ],
                            }
                        ],
                    }
                    for master in doc.get("masters") or []
                ],
            }
        )
    return {"zones": zones}


def register(router: Router) -> None:
    router.add("GET", f"{BASE}/data/contracts", list_contracts)
    router.add("GET", f"{BASE}/data/groups", list_groups)
    router.add("GET", f"{BASE}/data/authorities", list_authorities)
    router.add("GET", f"{BASE}/data/edgehostnames", list_edge_hostnames)
    router.add("GET", f"{BASE}/data/recordset-types", list_record_types)
    router.add("GET", f"{BASE}/data/dns-sec-algorithms", list_dnssec_algorithms)
    router.add("GET", f"{BASE}/data/tsig-algorithms", list_tsig_algorithms)
    router.add("GET", f"{BASE}/zones/{{zone}}/contract", zone_contract)
    router.add("GET", f"{BASE}/zones/{{zone}}/aliases", zone_aliases)
    router.add("POST", f"{BASE}/zones/dns-sec-status", dnssec_status)
    router.add("POST", f"{BASE}/zones/zone-transfer-status", zone_transfer_status)
