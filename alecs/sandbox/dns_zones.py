"""Edge DNS (config-dns v2): zones and record sets (registered by `dns.py`), and the helpers
the other `dns_*` modules share (problems, record checks and canonical rdata, paging).

Shaped like ../shared/akamai-apis/apis/config-dns/v2:

- `GET|POST /config-dns/v2/zones` (list: `contractIds`, `search`, `types`, `sortBy`, `page`,
  `pageSize`, `showAll`; create: `contractId` and `gid` required, 201 with `Location`);
- `GET /config-dns/v2/zones/{zone}`;
- `GET|POST /config-dns/v2/zones/{zone}/recordsets` (list with `types`, `search`, `sortBy`,
  paging; bulk create, all or nothing, 204);
- `GET|POST|PUT|DELETE /config-dns/v2/zones/{zone}/names/{name}/types/{type}`;
- `PUT /config-dns/v2/zones/{zone}` (settings), `PUT .../recordsets` (replace them all, 204),
  `GET .../names`, `GET .../names/{name}/types`, `GET|POST .../zone-file` (`text/dns`).

A new PRIMARY zone has no records until a change list (`dns_changes.py`, which starts with
Edge DNS's default SOA and NS records) is submitted. Record data is stored and answered in Edge
DNS's canonical form (`canonical_rdata`).

Behaviour: every change to a zone's records increments the serial in its SOA record and gives
the zone a new `versionId`; record sets of SECONDARY zones are read-only and ALIAS zones have
none; a CNAME may not sit at the apex nor share its name with other types. Errors are
problem+json documents like Edge DNS's (`https://problems.luna.akamaiapis.net/
authoritative-dns/notFound`, "Unable to find zone 'example.com'"): 400 for invalid input, 404
for a missing zone or record set, 409 for something that already exists or conflicts.

Documents: `dns_zones` (key: zone name; the Edge DNS zone, plus `_gid`), `dns_records` (key
`"zone/fqdn/TYPE"`: `{zone, name, type, ttl, rdata}`), `dns_zone_versions` (see `snapshot`).
Writing a TXT record also tells the CPS sandbox (`cps_enrollments.dns_txt_written`), which
treats a matching `_acme-challenge` record as the answer to a Let's Encrypt DNS challenge.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import Any
from urllib.parse import unquote

from alecs.sandbox import cps_enrollments, dns_zonefile
from alecs.sandbox.framework import ApiProblem, Request, Response, Router
from alecs.sandbox.state import Transaction

BASE = "/config-dns/v2"
ZONE_FIELDS = (
    "contractId",
    "zone",
    "type",
    "aliasCount",
    "signAndServe",
    "signAndServeAlgorithm",
    "versionId",
    "lastModifiedDate",
    "lastModifiedBy",
    "lastActivationDate",
    "activationState",
    "comment",
    "endCustomerId",
    "masters",
    "target",
    "tsigKey",
    "subzoneGrants",
)
ZONE_TYPES = ("PRIMARY", "SECONDARY", "ALIAS")
DEFAULT_NAMESERVERS = ("a1-1.akam.net.", "a7-64.akam.net.", "a22-65.akam.net.")
KNOWN_TYPES = frozenset(
    "A AAAA AFSDB AKAMAICDN AKAMAITLC CAA CERT CNAME DNSKEY DS HINFO HTTPS LOC MX NAPTR NS "
    "NSEC3 NSEC3PARAM PTR RP RRSIG SOA SPF SRV SSHFP SVCB TLSA TXT ZONEMD".split()
)
_NAME = re.compile(r"^(\*\.)?([a-z0-9_]([a-z0-9_\-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_\-]*)?$")


def register(router: Router) -> None:
    router.add("GET", f"{BASE}/zones", list_zones)
    router.add("POST", f"{BASE}/zones", create_zone)
    router.add("GET", f"{BASE}/zones/{{zone}}", get_zone)
    router.add("PUT", f"{BASE}/zones/{{zone}}", update_zone)
    router.add("GET", f"{BASE}/zones/{{zone}}/recordsets", list_record_sets)
    router.add("POST", f"{BASE}/zones/{{zone}}/recordsets", create_record_sets)
    router.add("PUT", f"{BASE}/zones/{{zone}}/recordsets", replace_record_sets)
    router.add("GET", f"{BASE}/zones/{{zone}}/names", list_names)
    router.add("GET", f"{BASE}/zones/{{zone}}/names/{{name}}/types", list_name_types)
    router.add("GET", f"{BASE}/zones/{{zone}}/zone-file", get_zone_file)
    router.add("POST", f"{BASE}/zones/{{zone}}/zone-file", import_zone_file)
    rs = f"{BASE}/zones/{{zone}}/names/{{name}}/types/{{type}}"
    router.add("GET", rs, get_record_set)
    router.add("POST", rs, create_record_set)
    router.add("PUT", rs, replace_record_set)
    router.add("DELETE", rs, delete_record_set)


# ---------------------------------------------------------------------------------------------
# Problems and helpers


def _problem(status: int, detail: str, kind: str, title: str, req: Request) -> ApiProblem:
    return ApiProblem(
        status, detail, title=title, type=f"authoritative-dns/{kind}", problemId=req.request_id
    )


def bad_request(req: Request, detail: str, **extra: Any) -> ApiProblem:
    problem = _problem(400, detail, "badRequest", "Bad Request", req)
    problem.extra.update(extra)
    return problem


def not_found(req: Request, detail: str) -> ApiProblem:
    return _problem(404, detail, "notFound", "Not Found", req)


def conflict(req: Request, detail: str) -> ApiProblem:
    return _problem(409, detail, "conflict", "Conflict", req)


def _param(req: Request, name: str) -> str:
    return unquote(req.params[name]).strip().lower().rstrip(".")


def _zone_doc(req: Request, zone: str, tx: Transaction | None = None) -> dict[str, Any]:
    doc = tx.get("dns_zones", zone) if tx is not None else req.state.get("dns_zones", zone)
    if doc is None:
        raise not_found(req, f"Unable to find zone '{zone}'")
    return doc


def zone_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored zone as Edge DNS shows it (internal fields dropped)."""
    return {k: doc[k] for k in ZONE_FIELDS if k in doc and doc[k] is not None}


def _key(zone: str, name: str, rtype: str) -> str:
    return f"{zone}/{name}/{rtype}"


def record_view(doc: dict[str, Any]) -> dict[str, Any]:
    rdata = [canonical_rdata(doc["type"], v) for v in doc["rdata"]]
    return {"name": doc["name"], "type": doc["type"], "ttl": doc["ttl"], "rdata": rdata}


# Record types whose rdata ends with a domain name, and how many fields come before it.
_NAME_TARGET_FIELDS = {"CNAME": 0, "NS": 0, "PTR": 0, "MX": 1, "SRV": 3, "AFSDB": 1}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _character_strings(value: str) -> str:
    """TXT/SPF rdata as Edge DNS returns it: one or more quoted character strings of at most
    255 bytes. A value already written as quoted strings is kept; a bare one is quoted (and
    split every 255 bytes)."""
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return value
    raw = value.encode()
    if len(raw) <= 255:
        return _quote(value)
    chunks, start = [], 0
    while start < len(raw):
        end = min(start + 255, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # not inside a UTF-8 sequence
            end -= 1
        chunks.append(_quote(raw[start:end].decode()))
        start = end
    return " ".join(chunks)


def canonical_rdata(rtype: str, value: str) -> str:
    """One rdata value in the canonical form the real Edge DNS answers with: TXT and SPF
    character strings and CAA values quoted, IPv4/IPv6 addresses normalised (AAAA compressed),
    target names of CNAME, NS, PTR, MX, SRV and AFSDB fully qualified with a trailing dot."""
    value = value.strip()
    try:
        if rtype == "A":
            return str(ipaddress.IPv4Address(value))
        if rtype == "AAAA":
            return ipaddress.IPv6Address(value).compressed
    except ValueError:
        return value
    if rtype in ("TXT", "SPF"):
        return _character_strings(value)
    if rtype == "CAA":
        parts = value.split(None, 2)
        if len(parts) == 3 and not parts[2].startswith('"'):
            return f"{parts[0]} {parts[1]} {_quote(parts[2])}"
        return " ".join(parts) if len(parts) == 3 else value
    if rtype in _NAME_TARGET_FIELDS:
        parts = value.split()
        index = _NAME_TARGET_FIELDS[rtype]
        if len(parts) == index + 1 and parts[index] != "." and not parts[index].endswith("."):
            parts[index] += "."
        return " ".join(parts)
    return value


def _int_arg(req: Request, name: str, default: int, *, minimum: int = 1) -> int:
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(req, f"The query parameter '{name}' must be an integer.") from None
    if value < minimum:
        raise bad_request(req, f"The query parameter '{name}' must be at least {minimum}.")
    return value


def _bool_arg(req: Request, name: str) -> bool:
    raw = (req.arg(name) or "false").lower()
    if raw not in ("true", "false"):
        raise bad_request(req, f"The query parameter '{name}' must be true or false.")
    return raw == "true"


def _sort(items: list[dict[str, Any]], sort_by: str | None, allowed: tuple[str, ...]) -> None:
    keys = [k.strip() for k in (sort_by or "").split(",") if k.strip()]
    for key in reversed(keys):
        field = key.lstrip("-")
        if field in allowed:
            items.sort(key=lambda d, f=field: str(d.get(f) or "").lower(), reverse=key[0] == "-")


def _paginate(req: Request, items: list[Any]) -> tuple[list[Any], int, int, bool]:
    show_all = _bool_arg(req, "showAll")
    page = _int_arg(req, "page", 1)
    size = _int_arg(req, "pageSize", 25)
    if show_all:
        return items, 1, max(1, len(items)), True
    start = (page - 1) * size
    return items[start : start + size], page, size, False


def _soa_rdata(zone: str, serial: int) -> str:
    return f"{DEFAULT_NAMESERVERS[0]} hostmaster.{zone}. {serial} 3600 600 604800 300"


def _touch(req: Request, tx: Transaction, zone: str) -> None:
    """After a change to `zone`'s records: bump the SOA serial, new version, new dates."""
    soa_key = _key(zone, zone, "SOA")
    soa = tx.get("dns_records", soa_key)
    if soa is not None and soa["rdata"]:
        parts = soa["rdata"][0].split()
        if len(parts) >= 3 and parts[2].isdigit():
            parts[2] = str((int(parts[2]) + 1) % 4294967296)
            soa["rdata"] = [" ".join(parts), *soa["rdata"][1:]]
            tx.put("dns_records", soa_key, soa)
    doc = tx.get("dns_zones", zone)
    if doc is not None:
        keep_first_version(req, tx, zone)
        now = req.iso_now()
        doc.update(
            versionId=str(uuid.uuid4()),
            lastModifiedDate=now,
            lastModifiedBy=req.client.section if req.client else "sandbox",
            lastActivationDate=now,
            activationState="ACTIVE",
        )
        tx.put("dns_zones", zone, doc)
        snapshot(tx, doc)


MAX_VERSIONS = 50  # zone versions kept per zone (the oldest are forgotten)


def keep_first_version(req: Request, tx: Transaction, zone: str) -> None:
    """Before the first change the sandbox records for a zone (seeded or older ones), keep
    the zone as it was until now (read outside the transaction) as a version."""
    if tx.list("dns_zone_versions", zone=zone):
        return
    before = req.state.get("dns_zones", zone)
    if before is not None and before.get("versionId"):
        snapshot(tx, before, req.state.list("dns_records", zone=zone))


def snapshot(
    tx: Transaction, zone_doc: dict[str, Any], records: list[dict[str, Any]] | None = None
) -> None:
    """Keep the zone's settings and record sets (default: as in `tx`) as the version
    `versionId` (`dns_zone_versions`, key `"zone/versionId"`), for the zone versions
    endpoints."""
    zone = zone_doc["zone"]
    versions = tx.list("dns_zone_versions", zone=zone)
    serial = 1 + max((v["serial"] for v in versions), default=0)
    if records is None:
        records = tx.list("dns_records", zone=zone)
    records = [record_view(r) for r in records]
    tx.put(
        "dns_zone_versions",
        f"{zone}/{zone_doc['versionId']}",
        {"zone": zone, "serial": serial, "settings": zone_view(zone_doc), "records": records},
    )
    for old in sorted(versions, key=lambda v: v["serial"])[
        : max(0, len(versions) + 1 - MAX_VERSIONS)
    ]:
        tx.delete("dns_zone_versions", f"{zone}/{old['settings']['versionId']}")


# ---------------------------------------------------------------------------------------------
# Zones


def list_zones(req: Request) -> dict[str, Any]:
    zones = req.state.list("dns_zones")
    contract_ids = [
        c.strip().removeprefix("ctr_") for c in (req.arg("contractIds") or "").split(",")
    ]
    contract_ids = [c for c in contract_ids if c]
    if contract_ids:
        zones = [z for z in zones if z.get("contractId") in contract_ids]
    search = (req.arg("search") or "").strip().lower()
    if search:
        zones = [z for z in zones if search in z["zone"].lower()]
    types = [t.strip().upper() for t in (req.arg("types") or "").split(",") if t.strip()]
    unknown = [t for t in types if t not in ZONE_TYPES]
    if unknown:
        raise bad_request(
            req, f"Unknown zone type(s) {', '.join(unknown)}; use {', '.join(ZONE_TYPES)}."
        )
    if types:
        zones = [z for z in zones if z["type"] in types]
    zones.sort(key=lambda z: z["zone"])
    _sort(
        zones,
        req.arg("sortBy"),
        ("zone", "contractId", "comment", "endCustomerId", "lastModifiedDate"),
    )
    page_items, page, size, show_all = _paginate(req, zones)
    metadata: dict[str, Any] = {
        "page": page,
        "pageSize": size,
        "showAll": show_all,
        "totalElements": len(zones),
    }
    if contract_ids:
        metadata["contractIds"] = contract_ids
    return {"metadata": metadata, "zones": [zone_view(z) for z in page_items]}


def get_zone(req: Request) -> dict[str, Any]:
    return zone_view(_zone_doc(req, _param(req, "zone")))


def _valid_zone_name(name: str) -> bool:
    return "." in name and len(name) <= 253 and bool(_NAME.match(name)) and "*" not in name


def zone_context(req: Request) -> tuple[str, int]:
    """The `contractId` and `gid` query parameters of a zone creation, checked."""
    contract = req.arg("contractId")
    if not contract:
        raise bad_request(req, "The query parameter 'contractId' is required.")
    gid_raw = req.arg("gid")
    if not gid_raw:
        raise bad_request(req, "The query parameter 'gid' is required.")
    try:
        gid = int(gid_raw.removeprefix("grp_"))
    except ValueError:
        raise bad_request(req, "The query parameter 'gid' must be a group number.") from None
    contract = contract.strip().removeprefix("ctr_")
    if req.state.get("contracts", f"ctr_{contract}") is None:
        raise _problem(
            403, f"You don't have access to contract '{contract}'.", "forbidden", "Forbidden", req
        )
    group = req.state.get("groups", f"grp_{gid}")
    if group is None or f"ctr_{contract}" not in group.get("contractIds", []):
        raise _problem(
            403,
            f"Group {gid} does not exist or can't use contract '{contract}'.",
            "forbidden",
            "Forbidden",
            req,
        )
    return contract, gid


def create_zone(req: Request) -> Response:
    contract, gid = zone_context(req)
    body = req.json()
    with req.transaction() as tx:
        doc = new_zone(req, tx, body, contract, gid)
    return Response(zone_view(doc), 201, {"Location": f"{BASE}/zones/{doc['zone']}"})


def new_zone(req: Request, tx: Transaction, body: Any, contract: str, gid: int) -> dict[str, Any]:
    """Create the zone `body` describes in `tx` (ApiProblem when it can't be)."""
    if not isinstance(body, dict):
        raise bad_request(req, "The request body must be a zone object.")
    allowed = {"zone", "type", "comment", "endCustomerId", "masters", "signAndServe"}
    allowed |= {"signAndServeAlgorithm", "target", "tsigKey"}
    extra = sorted(set(body) - allowed)
    if extra:
        raise bad_request(req, f"Unrecognized field(s) in the zone: {', '.join(extra)}.")
    name = str(body.get("zone") or "").strip().lower().rstrip(".")
    if not _valid_zone_name(name):
        raise bad_request(req, f"Invalid zone name '{body.get('zone')}'.")
    ztype = str(body.get("type") or "").upper()
    if ztype not in ZONE_TYPES:
        raise bad_request(
            req, f"Invalid zone type '{body.get('type')}'; use PRIMARY, SECONDARY or ALIAS."
        )
    now = req.iso_now()
    doc: dict[str, Any] = {
        "zone": name,
        "type": ztype,
        "contractId": contract,
        "versionId": str(uuid.uuid4()),
        "lastModifiedDate": now,
        "lastModifiedBy": req.client.section if req.client else "sandbox",
        "activationState": "NEW",
        "_gid": gid,
    }
    for key in ("comment", "endCustomerId"):
        if body.get(key):
            doc[key] = str(body[key])
    if tx.get("dns_zones", name) is not None:
        raise conflict(req, f"Zone '{name}' already exists.")
    if ztype == "SECONDARY":
        masters = body.get("masters")
        if not isinstance(masters, list) or not masters:
            raise bad_request(req, "A SECONDARY zone needs 'masters' (the primary servers).")
        for m in masters:
            try:
                ipaddress.ip_address(str(m))
            except ValueError:
                raise bad_request(req, f"Invalid master '{m}': not an IP address.") from None
        doc["masters"] = [str(m) for m in masters]
    elif body.get("masters"):
        raise bad_request(req, "Only SECONDARY zones have 'masters'.")
    if ztype == "ALIAS":
        target = str(body.get("target") or "").strip().lower().rstrip(".")
        base = tx.get("dns_zones", target) if target else None
        if base is None or base["type"] == "ALIAS":
            raise bad_request(
                req,
                f"An ALIAS zone needs 'target', an existing PRIMARY or SECONDARY zone; "
                f"'{target}' is not one.",
            )
        base["aliasCount"] = int(base.get("aliasCount") or 0) + 1
        tx.put("dns_zones", target, base)
        doc.update(target=target, activationState="ACTIVE", lastActivationDate=now)
    else:
        doc["signAndServe"] = bool(body.get("signAndServe", False))
        doc["aliasCount"] = 0
    tx.put("dns_zones", name, doc)
    return doc


# ---------------------------------------------------------------------------------------------
# Record sets


def _records_zone(req: Request, tx: Transaction | None = None, *, write: bool = False) -> str:
    zone = _param(req, "zone")
    doc = _zone_doc(req, zone, tx)
    if doc["type"] == "ALIAS":
        raise bad_request(
            req,
            f"Zone '{zone}' is an ALIAS of '{doc.get('target')}' and has no record sets of "
            "its own.",
        )
    if write and doc["type"] == "SECONDARY":
        raise bad_request(
            req,
            f"Zone '{zone}' is a SECONDARY zone: its records come from its primary servers "
            f"({', '.join(doc.get('masters') or [])}) and can't be edited here.",
        )
    return zone


def list_record_sets(req: Request) -> dict[str, Any]:
    zone = _records_zone(req)
    records = [r for r in req.state.list("dns_records", zone=zone)]
    types = [t.strip().upper() for t in (req.arg("types") or "").split(",") if t.strip()]
    if types:
        records = [r for r in records if r["type"] in types]
    search = (req.arg("search") or "").strip().lower()
    if search:
        records = [
            r
            for r in records
            if search in r["name"].lower() or any(search in v.lower() for v in r["rdata"])
        ]
    records.sort(key=lambda r: (r["name"].count("."), r["name"], r["type"] != "SOA", r["type"]))
    _sort(records, req.arg("sortBy"), ("name", "type"))
    page_items, page, size, _ = _paginate(req, records)
    return {
        "metadata": {
            "zone": zone,
            "page": page,
            "pageSize": size,
            "totalElements": len(records),
            "types": sorted(set(types)),
        },
        "recordsets": [record_view(r) for r in page_items],
    }


def _check_record(req: Request, zone: str, body: Any, *, where: str = "") -> dict[str, Any]:
    """A record set body checked like Edge DNS does; returns the stored form."""
    if not isinstance(body, dict):
        raise bad_request(req, f"{where}The record set must be an object.")
    missing = [k for k in ("name", "type", "ttl", "rdata") if k not in body]
    if missing:
        raise bad_request(req, f"{where}Missing field(s): {', '.join(missing)}.")
    extra = sorted(set(body) - {"name", "type", "ttl", "rdata"})
    if extra:
        raise bad_request(req, f"{where}Unrecognized field(s): {', '.join(extra)}.")
    name = str(body["name"]).strip().lower().rstrip(".")
    rtype = str(body["type"]).strip().upper()
    ttl, rdata = body["ttl"], body["rdata"]
    if not (name == zone or name.endswith("." + zone)) or not _NAME.match(name):
        raise bad_request(req, f"{where}Invalid record name '{body['name']}' for zone '{zone}'.")
    if rtype not in KNOWN_TYPES:
        raise bad_request(req, f"{where}Unsupported record type '{body['type']}'.")
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0 or ttl > 2147483647:
        raise bad_request(req, f"{where}Invalid TTL '{ttl}'.")
    if not isinstance(rdata, list) or not rdata or not all(isinstance(v, str) for v in rdata):
        raise bad_request(req, f"{where}'rdata' must be a non-empty list of strings.")
    for value in rdata:
        problem = _rdata_problem(rtype, value.strip())
        if problem:
            raise bad_request(
                req,
                f"{where}Invalid rdata for {rtype} record {name}: {problem}",
                errors=[{"field": "rdata", "value": value, "detail": problem}],
            )
    if rtype == "CNAME":
        if name == zone:
            raise bad_request(req, f"{where}A CNAME record can't be at the zone apex '{zone}'.")
        if len(rdata) != 1:
            raise bad_request(req, f"{where}A CNAME record set must have exactly one target.")
    rdata = [canonical_rdata(rtype, v) for v in rdata]
    return {"zone": zone, "name": name, "type": rtype, "ttl": ttl, "rdata": rdata}


def _rdata_problem(rtype: str, value: str) -> str | None:
    if not value:
        return "empty value"
    if rtype == "A":
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            return f"'{value}' is not a valid IPv4 address"
    elif rtype == "AAAA":
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return f"'{value}' is not a valid IPv6 address"
    elif rtype == "MX":
        parts = value.split()
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) > 65535:
            return f"'{value}' is not '<preference> <exchange>'"
    elif rtype in ("TXT", "SPF") and value.startswith('"'):
        for chunk in re.findall(r'"((?:[^"\\]|\\.)*)"', value):
            if len(chunk.encode()) > 255:
                return "a character string is longer than 255 bytes"
    elif rtype in ("TXT", "SPF") and len(value.encode()) > 255:
        return "a character string is longer than 255 bytes"
    return None


def _path_record(req: Request, zone: str) -> tuple[str, str]:
    name = _param(req, "name")
    rtype = unquote(req.params["type"]).strip().upper()
    if not (name == zone or name.endswith("." + zone)):
        raise bad_request(req, f"The name '{name}' is not in zone '{zone}'.")
    return name, rtype


def get_record_set(req: Request) -> dict[str, Any]:
    zone = _records_zone(req)
    name, rtype = _path_record(req, zone)
    doc = req.state.get("dns_records", _key(zone, name, rtype))
    if doc is None:
        raise not_found(req, f"Unable to find record set '{name}' of type {rtype} in zone '{zone}'")
    return record_view(doc)


def _check_conflicts(req: Request, tx: Transaction, record: dict[str, Any]) -> None:
    others = [r["type"] for r in tx.list("dns_records", zone=record["zone"], name=record["name"])]
    others = [t for t in others if t != record["type"]]
    if record["type"] == "CNAME" and others:
        raise conflict(
            req,
            f"A CNAME record can't coexist with other records at '{record['name']}' "
            f"(found {', '.join(sorted(others))}).",
        )
    if record["type"] != "CNAME" and "CNAME" in others:
        raise conflict(
            req,
            f"'{record['name']}' has a CNAME record; no other record type may share its name.",
        )


def _body_matches_path(req: Request, record: dict[str, Any], name: str, rtype: str) -> None:
    if record["name"] != name or record["type"] != rtype:
        raise bad_request(
            req,
            f"The record set in the body ({record['name']} {record['type']}) does not match the "
            f"URL ({name} {rtype}).",
        )


def _notify_txt(tx: Transaction, record: dict[str, Any] | None, now: float) -> None:
    if record is not None and record["type"] == "TXT":
        cps_enrollments.dns_txt_written(tx, record["name"], record["rdata"], now)


def create_record_set(req: Request) -> Response:
    with req.transaction() as tx:
        zone = _records_zone(req, tx, write=True)
        name, rtype = _path_record(req, zone)
        record = _check_record(req, zone, req.json())
        _body_matches_path(req, record, name, rtype)
        key = _key(zone, name, rtype)
        if tx.get("dns_records", key) is not None:
            raise conflict(
                req, f"A record set '{name}' of type {rtype} already exists in zone '{zone}'."
            )
        _check_conflicts(req, tx, record)
        tx.put("dns_records", key, record)
        _touch(req, tx, zone)
        _notify_txt(tx, record, req.now())
    return Response(
        record_view(record), 201, {"Location": f"{BASE}/zones/{zone}/names/{name}/types/{rtype}"}
    )


def replace_record_set(req: Request) -> dict[str, Any]:
    with req.transaction() as tx:
        zone = _records_zone(req, tx, write=True)
        name, rtype = _path_record(req, zone)
        record = _check_record(req, zone, req.json())
        _body_matches_path(req, record, name, rtype)
        key = _key(zone, name, rtype)
        if tx.get("dns_records", key) is None:
            raise not_found(
                req, f"Unable to find record set '{name}' of type {rtype} in zone '{zone}'"
            )
        _check_conflicts(req, tx, record)
        tx.put("dns_records", key, record)
        _touch(req, tx, zone)
        _notify_txt(tx, record, req.now())
    return record_view(record)


def delete_record_set(req: Request) -> Response:
    with req.transaction() as tx:
        zone = _records_zone(req, tx, write=True)
        name, rtype = _path_record(req, zone)
        if name == zone and rtype in ("SOA", "NS"):
            raise bad_request(
                req, f"The {rtype} record set at the apex of '{zone}' can't be deleted."
            )
        key = _key(zone, name, rtype)
        if not tx.delete("dns_records", key):
            raise not_found(
                req, f"Unable to find record set '{name}' of type {rtype} in zone '{zone}'"
            )
        _touch(req, tx, zone)
    return Response(None, 204)


def create_record_sets(req: Request) -> Response:
    body = req.json()
    items = body.get("recordsets") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise bad_request(req, 'The body must be {"recordsets": [...]} with at least one.')
    with req.transaction() as tx:
        zone = _records_zone(req, tx, write=True)
        for i, item in enumerate(items):
            record = _check_record(req, zone, item, where=f"recordsets[{i}]: ")
            key = _key(zone, record["name"], record["type"])
            if tx.get("dns_records", key) is not None:
                raise conflict(
                    req,
                    f"recordsets[{i}]: a record set '{record['name']}' of type "
                    f"{record['type']} already exists in zone '{zone}'.",
                )
            _check_conflicts(req, tx, record)
            tx.put("dns_records", key, record)
            _notify_txt(tx, record, req.now())
        _touch(req, tx, zone)
    return Response(None, 204)


# ---------------------------------------------------------------------------------------------
# Zone settings, whole-zone record replacement, names and types, zone files


def update_zone(req: Request) -> dict[str, Any]:
    """PUT zone: the settings that may change (comment, endCustomerId, masters of a
    SECONDARY, signAndServe of a PRIMARY); `zone` and `type` must match the zone."""
    zone = _param(req, "zone")
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request(req, "The request body must be a zone object.")
    allowed = {"zone", "type", "comment", "endCustomerId", "masters", "signAndServe"}
    allowed |= {"signAndServeAlgorithm", "target", "tsigKey", "contractId"}
    extra = sorted(set(body) - allowed)
    if extra:
        raise bad_request(req, f"Unrecognized field(s) in the zone: {', '.join(extra)}.")
    with req.transaction() as tx:
        doc = _zone_doc(req, zone, tx)
        name = str(body.get("zone") or "").strip().lower().rstrip(".")
        if name != zone:
            raise bad_request(req, f"The zone in the body ({body.get('zone')}) is not '{zone}'.")
        if str(body.get("type") or "").upper() != doc["type"]:
            raise bad_request(req, f"A zone's type can't change here: '{zone}' is {doc['type']}.")
        for key in ("comment", "endCustomerId"):
            if key in body:
                doc[key] = str(body[key]) if body[key] is not None else None
        if doc["type"] == "SECONDARY" and "masters" in body:
            masters = body["masters"]
            if not isinstance(masters, list) or not masters:
                raise bad_request(req, "A SECONDARY zone needs 'masters' (the primary servers).")
            for m in masters:
                try:
                    ipaddress.ip_address(str(m))
                except ValueError:
                    raise bad_request(req, f"Invalid master '{m}': not an IP address.") from None
            doc["masters"] = [str(m) for m in masters]
        if doc["type"] == "PRIMARY" and "signAndServe" in body:
            doc["signAndServe"] = bool(body["signAndServe"])
        if doc["type"] != "ALIAS":
            keep_first_version(req, tx, zone)
        doc.update(lastModifiedDate=req.iso_now(), versionId=str(uuid.uuid4()))
        tx.put("dns_zones", zone, doc)
        if doc["type"] != "ALIAS":
            snapshot(tx, doc)
    return zone_view(doc)


def _replace_all(req: Request, tx: Transaction, zone: str, records: list[dict]) -> None:
    """The zone's record sets become `records` (the apex SOA is kept when not given)."""
    keys = set()
    for record in records:
        key = _key(zone, record["name"], record["type"])
        if key in keys:
            raise conflict(
                req, f"The record set '{record['name']}' of type {record['type']} is given twice."
            )
        keys.add(key)
    for old in tx.list("dns_records", zone=zone):
        if old["type"] == "SOA" and old["name"] == zone and _key(zone, zone, "SOA") not in keys:
            continue
        tx.delete("dns_records", _key(zone, old["name"], old["type"]))
    for record in records:
        _check_conflicts(req, tx, record)
        tx.put("dns_records", _key(zone, record["name"], record["type"]), record)
        _notify_txt(tx, record, req.now())
    _touch(req, tx, zone)


def replace_record_sets(req: Request) -> Response:
    """PUT recordsets: replace every record set of the zone (204)."""
    body = req.json()
    items = body.get("recordsets") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise bad_request(req, 'The body must be {"recordsets": [...]} with at least one.')
    with req.transaction() as tx:
        zone = _records_zone(req, tx, write=True)
        records = [
            _check_record(req, zone, item, where=f"recordsets[{i}]: ")
            for i, item in enumerate(items)
        ]
        _replace_all(req, tx, zone, records)
    return Response(None, 204)


def list_names(req: Request) -> dict[str, Any]:
    zone = _records_zone(req)
    names = sorted({r["name"] for r in req.state.list("dns_records", zone=zone)},
                   key=lambda n: (n.count("."), n))  # fmt: skip
    return {"names": names}


def list_name_types(req: Request) -> dict[str, Any]:
    zone = _records_zone(req)
    name, _ = _path_name(req, zone)
    types = sorted(r["type"] for r in req.state.list("dns_records", zone=zone, name=name))
    if not types:
        raise not_found(req, f"Unable to find name '{name}' in zone '{zone}'")
    return {"types": types}


def _path_name(req: Request, zone: str) -> tuple[str, None]:
    name = _param(req, "name")
    if not (name == zone or name.endswith("." + zone)):
        raise bad_request(req, f"The name '{name}' is not in zone '{zone}'.")
    return name, None


def get_zone_file(req: Request) -> Response:
    """The zone as a master file (text/dns)."""
    zone = _records_zone(req)
    records = [record_view(r) for r in req.state.list("dns_records", zone=zone)]
    return Response(dns_zonefile.render(zone, records).encode(), 200, {}, "text/dns")


def parse_zone_file(req: Request, zone: str) -> list[dict[str, Any]]:
    """The record sets of a text/dns request body, each checked like a JSON record set."""
    ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
    if ctype != "text/dns":
        raise ApiProblem(
            415, f"Send the zone file as Content-Type: text/dns (got {ctype or 'none'}).",
            title="Unsupported Media Type",
        )  # fmt: skip
    try:
        parsed = dns_zonefile.parse(req.body.decode("utf-8"), zone)
    except (dns_zonefile.ZoneFileError, UnicodeDecodeError) as exc:
        raise bad_request(req, f"The zone file can't be read: {exc}") from None
    if not parsed:
        raise bad_request(req, "The zone file has no records.")
    return [_check_record(req, zone, item, where=f"{item['name']} {item['type']}: ")
            for item in parsed]  # fmt: skip


def import_zone_file(req: Request) -> Response:
    """POST zone-file: the zone's record sets become those of the master file (204)."""
    with req.transaction() as tx:
        zone = _records_zone(req, tx, write=True)
        records = parse_zone_file(req, zone)
        _replace_all(req, tx, zone, records)
    return Response(None, 204)
