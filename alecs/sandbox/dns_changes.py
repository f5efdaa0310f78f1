"""Edge DNS change lists beyond create/get/delete/submit (registered by `dns.py`).

A change list holds the whole future record set list of its zone (`recordsets`, taken from the
zone when it was created) and the zone settings it will apply (`settings`); submitting it
(`dns_zones.submit_change_list`) makes them the zone's.

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

from typing import Any

from alecs.sandbox.dns_zones import (
    BASE,
    _change_list_view,
    _check_record,
    _paginate,
    _param,
    _sort,
    _zone_doc,
    bad_request,
    not_found,
    parse_zone_file,
    record_view,
    zone_view,
)
from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.state import Transaction

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
