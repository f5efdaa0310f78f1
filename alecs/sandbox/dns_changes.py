"""Edge DNS change lists (registered by `dns.py`).

A change list holds the whole future record set list of its zone (`recordsets`, taken from the
zone when it was created; a new PRIMARY zone's starts with Edge DNS's default SOA and NS
records) and the zone settings it will apply (`settings`); submitting it makes them the zone's.

- `POST /config-dns/v2/changelists?zone=&overwrite=`, `GET|DELETE .../changelists/{zone}`,
  `POST .../changelists/{zone}/submit` (`comment`);
- `GET /config-dns/v2/changelists`: every change list of the account (`changeLists`);
- `POST /config-dns/v2/changelists/search` with `{"zones": [...]}`: the change lists of those
  zones;
- `GET .../changelists/{zone}/diff`: the record sets added, edited and deleted against the zone;
- `GET .../changelists/{zone}/names`, `.../names/{name}/types`, `.../names/{name}/types/{type}`;
- `GET .../changelists/{zone}/recordsets` (with `state`: PRISTINE, ADDED, EDITED, DELETED;
  `types`, `search`, `sortBy`, paging) and `POST` (a `text/dns` zone file: the change list's
  record sets become its records);
- `POST .../changelists/{zone}/recordsets/add-change` with `{"name", "type", "op": "ADD" |
  "EDIT" | "DELETE", "ttl", "rdata"}`;
- `GET|PUT .../changelists/{zone}/settings`: the zone settings the change list will apply.
"""

from __future__ import annotations

import uuid
from typing import Any

from alecs.sandbox.dns_zones import (
    BASE,
    DEFAULT_NAMESERVERS,
    _check_record,
    _key,
    _paginate,
    _param,
    _soa_rdata,
    _sort,
    _touch,
    _zone_doc,
    bad_request,
    conflict,
    not_found,
    parse_zone_file,
    record_view,
    zone_view,
)
from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.state import Transaction

# ---------------------------------------------------------------------------------------------
# Change lists (enough for a new PRIMARY zone's default records)


def _change_list_view(doc: dict[str, Any], zone_doc: dict[str, Any] | None) -> dict[str, Any]:
    stale = zone_doc is None or zone_doc.get("versionId") != doc["zoneVersionId"]
    return {
        "zone": doc["zone"],
        "changeTag": doc["changeTag"],
        "zoneVersionId": doc["zoneVersionId"],
        "lastModifiedDate": doc["lastModifiedDate"],
        "stale": stale,
    }


def create_change_list(req: Request) -> Response:
    zone = (req.arg("zone", required=True) or "").strip().lower().rstrip(".")
    overwrite = (req.arg("overwrite") or "none").lower()
    if overwrite not in ("any", "stale", "none"):
        raise bad_request(req, "The query parameter 'overwrite' must be any, stale or none.")
    with req.transaction() as tx:
        zone_doc = _zone_doc(req, zone, tx)
        if zone_doc["type"] != "PRIMARY":
            raise bad_request(
                req, f"Change lists are for PRIMARY zones; '{zone}' is {zone_doc['type']}."
            )
        existing = tx.get("dns_changelists", zone)
        if existing is not None:
            stale = _change_list_view(existing, zone_doc)["stale"]
            if overwrite == "none" or (overwrite == "stale" and not stale):
                raise conflict(req, f"A change list for zone '{zone}' already exists.")
        records = tx.list("dns_records", zone=zone)
        if not any(r["type"] == "SOA" for r in records):
            serial = int(req.app.clock.iso()[:10].replace("-", "")) * 100 + 1
            records.append(
                {"zone": zone, "name": zone, "type": "SOA", "ttl": 86400,
                 "rdata": [_soa_rdata(zone, serial)]}
            )  # fmt: skip
        if not any(r["type"] == "NS" and r["name"] == zone for r in records):
            records.append(
                {"zone": zone, "name": zone, "type": "NS", "ttl": 86400,
                 "rdata": list(DEFAULT_NAMESERVERS)}
            )  # fmt: skip
        doc = {
            "zone": zone,
            "changeTag": str(uuid.uuid4()),
            "zoneVersionId": zone_doc["versionId"],
            "lastModifiedDate": req.iso_now(),
            "recordsets": records,
        }
        tx.put("dns_changelists", zone, doc)
    return Response(
        _change_list_view(doc, zone_doc), 201, {"Location": f"{BASE}/changelists/{zone}"}
    )


def get_change_list(req: Request) -> dict[str, Any]:
    zone = _param(req, "zone")
    doc = req.state.get("dns_changelists", zone)
    if doc is None:
        raise not_found(req, f"Unable to find a change list for zone '{zone}'")
    return _change_list_view(doc, req.state.get("dns_zones", zone))


def delete_change_list(req: Request) -> Response:
    zone = _param(req, "zone")
    with req.transaction() as tx:
        if not tx.delete("dns_changelists", zone):
            raise not_found(req, f"Unable to find a change list for zone '{zone}'")
    return Response(None, 204)


def submit_change_list(req: Request) -> Response:
    zone = _param(req, "zone")
    with req.transaction() as tx:
        doc = tx.get("dns_changelists", zone)
        if doc is None:
            raise not_found(req, f"Unable to find a change list for zone '{zone}'")
        zone_doc = _zone_doc(req, zone, tx)
        if _change_list_view(doc, zone_doc)["stale"]:
            raise conflict(req, f"The change list for zone '{zone}' is stale; create a new one.")
        for old in tx.list("dns_records", zone=zone):
            tx.delete("dns_records", _key(zone, old["name"], old["type"]))
        for record in doc["recordsets"]:
            tx.put("dns_records", _key(zone, record["name"], record["type"]), record)
        tx.delete("dns_changelists", zone)
        settings = doc.get("settings") or {}  # from PUT .../changelists/{zone}/settings
        zone_doc.update(settings)
        comment = req.arg("comment")
        if comment is not None:
            zone_doc["comment"] = comment
        if settings or comment is not None:
            tx.put("dns_zones", zone, zone_doc)
        _touch(req, tx, zone)
    return Response(None, 204)


SETTINGS_FIELDS = ("comment", "endCustomerId", "signAndServe", "signAndServeAlgorithm")


def _doc(req: Request, tx: Transaction | None = None) -> tuple[str, dict[str, Any]]:
    zone = _param(req, "zone")
    doc = (tx or req.state).get("dns_changelists", zone)
    if doc is None:
        raise not_found(req, f"Unable to find a change list for zone '{zone}'")
    return zone, doc


def list_change_lists(req: Request) -> dict[str, Any]:
    docs = sorted(req.state.list("dns_changelists"), key=lambda d: d["zone"])
    return {
        "changeLists": [_change_list_view(d, req.state.get("dns_zones", d["zone"])) for d in docs]
    }


def search_change_lists(req: Request) -> dict[str, Any]:
    body = req.json()
    zones = body.get("zones") if isinstance(body, dict) else None
    if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
        raise bad_request(req, 'The body must be {"zones": ["example.com", ...]}.')
    wanted = {z.strip().lower().rstrip(".") for z in zones}
    docs = [d for d in req.state.list("dns_changelists") if d["zone"] in wanted]
    return {
        "changeLists": [
            _change_list_view(d, req.state.get("dns_zones", d["zone"]))
            for d in sorted(docs, key=lambda d: d["zone"])
        ]
    }


def _by_key(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["name"], r["type"]): r for r in records}


def _states(req: Request, zone: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The change list's record sets with their state, deleted ones included."""
    current = _by_key(req.state.list("dns_records", zone=zone))
    planned = _by_key(doc["recordsets"])
    out = []
    for key, record in planned.items():
        before = current.get(key)
        if before is None:
            state = "ADDED"
        elif (before["ttl"], before["rdata"]) != (record["ttl"], record["rdata"]):
            state = "EDITED"
        else:
            state = "PRISTINE"
        out.append({**record_view(record), "state": state})
    for key, record in current.items():
        if key not in planned:
            out.append({**record_view(record), "state": "DELETED"})
    out.sort(key=lambda r: (r["name"].count("."), r["name"], r["type"] != "SOA", r["type"]))
    return out


def change_list_diff(req: Request) -> dict[str, Any]:
    zone, doc = _doc(req)
    zone_doc = _zone_doc(req, zone)
    diffs = []
    operations = {"ADDED": "ADD", "EDITED": "EDIT", "DELETED": "DELETE"}
    current = _by_key(req.state.list("dns_records", zone=zone))
    for record in _states(req, zone, doc):
        if record["state"] == "PRISTINE":
            continue
        entry: dict[str, Any] = {
            "name": record["name"],
            "type": record["type"],
            "operation": operations[record["state"]],
        }
        before = current.get((record["name"], record["type"]))
        if before is not None:
            entry["fromValue"] = {"ttl": before["ttl"], "rdata": record_view(before)["rdata"]}
        if record["state"] != "DELETED":
            entry["toValue"] = {"ttl": record["ttl"], "rdata": record["rdata"]}
        diffs.append(entry)
    settings_diffs = [
        {
            "fieldName": key,
            "operation": "EDIT",
            "fromValue": str(zone_doc.get(key) or ""),
            "toValue": str(value or ""),
        }
        for key, value in (doc.get("settings") or {}).items()
        if key in ("comment", "endCustomerId") and value != zone_doc.get(key)
    ]
    return {
        "metadata": {
            "fromVersionId": zone_doc["versionId"],
            "fromVersionLastModifiedDate": zone_doc.get("lastModifiedDate") or req.iso_now(),
            # the change list stands for the version it will become
            "toVersionId": doc["changeTag"],
            "toVersionLastModifiedDate": doc["lastModifiedDate"],
        },
        "diffs": {"recordSetDiffs": diffs, "settingsDiffs": settings_diffs},
    }


def change_list_names(req: Request) -> dict[str, Any]:
    _zone, doc = _doc(req)
    names = sorted({r["name"] for r in doc["recordsets"]}, key=lambda n: (n.count("."), n))
    return {"names": names}


def _name(req: Request, zone: str) -> str:
    name = _param(req, "name")
    if not (name == zone or name.endswith("." + zone)):
        raise bad_request(req, f"The name '{name}' is not in zone '{zone}'.")
    return name


def change_list_name_types(req: Request) -> dict[str, Any]:
    zone, doc = _doc(req)
    name = _name(req, zone)
    types = sorted({r["type"] for r in doc["recordsets"] if r["name"] == name})
    if not types:
        raise not_found(req, f"The change list of '{zone}' has no records at '{name}'")
    return {"types": types}


def change_list_record_set(req: Request) -> dict[str, Any]:
    zone, doc = _doc(req)
    name = _name(req, zone)
    rtype = req.params["type"].strip().upper()
    for record in _states(req, zone, doc):
        if record["name"] == name and record["type"] == rtype:
            return record
    raise not_found(req, f"The change list of '{zone}' has no {rtype} record set at '{name}'")


def list_change_list_record_sets(req: Request) -> dict[str, Any]:
    zone, doc = _doc(req)
    records = _states(req, zone, doc)
    types = [t.strip().upper() for t in (req.arg("types") or "").split(",") if t.strip()]
    if types:
        records = [r for r in records if r["type"] in types]
    search = (req.arg("search") or "").strip().lower()
    if search:
        records = [r for r in records if search in r["name"]]
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
        "recordsets": page_items,
    }


def _save(req: Request, tx: Transaction, zone: str, doc: dict[str, Any]) -> None:
    doc["lastModifiedDate"] = req.iso_now()
    tx.put("dns_changelists", zone, doc)


def replace_change_list_record_sets(req: Request) -> Response:
    """POST recordsets (text/dns): the change list's record sets become the file's."""
    with req.transaction() as tx:
        zone, doc = _doc(req, tx)
        doc["recordsets"] = parse_zone_file(req, zone)
        _save(req, tx, zone, doc)
    return Response(None, 204)


def add_change(req: Request) -> Response:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request(req, "The body must be an object with name, type and op.")
    op = str(body.get("op") or "").upper()
    if op not in ("ADD", "EDIT", "DELETE"):
        raise bad_request(req, "'op' must be ADD, EDIT or DELETE.")
    with req.transaction() as tx:
        zone, doc = _doc(req, tx)
        name = str(body.get("name") or "").strip().lower().rstrip(".")
        rtype = str(body.get("type") or "").strip().upper()
        records = _by_key(doc["recordsets"])
        key = (name, rtype)
        if op == "DELETE":
            if key not in records:
                raise not_found(req, f"The change list of '{zone}' has no {rtype} at '{name}'")
            del records[key]
        else:
            fields = {k: body[k] for k in ("name", "type", "ttl", "rdata") if k in body}
            record = _check_record(req, zone, fields)
            if op == "ADD" and key in records:
                raise bad_request(req, f"The change list already has {rtype} at '{name}'; EDIT it.")
            if op == "EDIT" and key not in records:
                raise not_found(req, f"The change list of '{zone}' has no {rtype} at '{name}'")
            records[key] = record
        doc["recordsets"] = list(records.values())
        _save(req, tx, zone, doc)
    return Response(None, 204)


def get_settings(req: Request) -> dict[str, Any]:
    zone, doc = _doc(req)
    view = zone_view(_zone_doc(req, zone))
    view.update({k: v for k, v in (doc.get("settings") or {}).items() if v is not None})
    return view


def put_settings(req: Request) -> Response:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request(req, "The body must be a zone object (zone, type, comment, ...).")
    with req.transaction() as tx:
        zone, doc = _doc(req, tx)
        zone_doc = _zone_doc(req, zone, tx)
        if str(body.get("zone") or "").strip().lower().rstrip(".") != zone:
            raise bad_request(req, f"The zone in the body ({body.get('zone')}) is not '{zone}'.")
        if str(body.get("type") or "").upper() != zone_doc["type"]:
            raise bad_request(req, f"'{zone}' is {zone_doc['type']}; its type can't change.")
        doc["settings"] = {k: body[k] for k in SETTINGS_FIELDS if k in body}
        _save(req, tx, zone, doc)
    return Response(None, 204)


def register(router: Router) -> None:
    base = f"{BASE}/changelists"
    router.add("POST", base, create_change_list)
    router.add("GET", base + "/{zone}", get_change_list)
    router.add("DELETE", base + "/{zone}", delete_change_list)
    router.add("POST", base + "/{zone}/submit", submit_change_list)
    router.add("GET", base, list_change_lists)
    router.add("POST", base + "/search", search_change_lists)
    router.add("GET", base + "/{zone}/diff", change_list_diff)
    router.add("GET", base + "/{zone}/names", change_list_names)
    router.add("GET", base + "/{zone}/names/{name}/types", change_list_name_types)
    router.add("GET", base + "/{zone}/names/{name}/types/{type}", change_list_record_set)
    router.add("GET", base + "/{zone}/recordsets", list_change_list_record_sets)
    router.add("POST", base + "/{zone}/recordsets", replace_change_list_record_sets)
    router.add("POST", base + "/{zone}/recordsets/add-change", add_change)
    router.add("GET", base + "/{zone}/settings", get_settings)
    router.add("PUT", base + "/{zone}/settings", put_settings)
