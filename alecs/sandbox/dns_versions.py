"""Edge DNS zone versions (registered by `dns.py`).

Every change to a zone's records or settings makes a new version (`versionId`), kept with its
settings and record sets (`dns_zones.snapshot`, the last `MAX_VERSIONS` per zone). A zone
changed before the sandbox kept versions shows its current state as its one version.

- `GET /config-dns/v2/zones/{zone}/versions` (newest first; the current one ACTIVE, older ones
  OBSOLETE; paging), `GET .../versions/{uuid}`;
- `GET .../versions/{uuid}/recordsets` (like the zone's record sets), `.../zone-file`;
- `GET .../versions/diff?from=&to=`: record sets and settings that differ;
- `POST .../versions/{uuid}/recordsets/activate`: the zone's record sets become that version's
  (a new version; `comment` sets the zone comment), 204.
"""

from __future__ import annotations

from typing import Any

from alecs.sandbox import dns_zonefile
from alecs.sandbox.dns_zones import (
    BASE,
    _paginate,
    _param,
    _records_zone,
    _replace_all,
    _sort,
    _zone_doc,
    bad_request,
    not_found,
    record_view,
    zone_view,
)
from alecs.sandbox.framework import Request, Response, Router


def _versions(req: Request, zone: str) -> list[dict[str, Any]]:
    """The zone's versions, newest first (the current state when none was kept)."""
    doc = _zone_doc(req, zone)
    kept = sorted(req.state.list("dns_zone_versions", zone=zone), key=lambda v: -v["serial"])
    if not kept or kept[0]["settings"]["versionId"] != doc["versionId"]:
        records = [record_view(r) for r in req.state.list("dns_records", zone=zone)]
        serial = 1 + (kept[0]["serial"] if kept else 0)
        kept.insert(0, {"zone": zone, "serial": serial, "settings": zone_view(doc),
                        "records": records})  # fmt: skip
    return kept


def _view(version: dict[str, Any], current: bool) -> dict[str, Any]:
    return {**version["settings"], "activationState": "ACTIVE" if current else "OBSOLETE"}


def _find(req: Request, zone: str, uuid: str) -> tuple[dict[str, Any], bool]:
    versions = _versions(req, zone)
    for i, version in enumerate(versions):
        if version["settings"]["versionId"] == uuid:
            return version, i == 0
    raise not_found(req, f"Unable to find version '{uuid}' of zone '{zone}'")


def list_versions(req: Request) -> dict[str, Any]:
    zone = _param(req, "zone")
    versions = _versions(req, zone)
    views = [_view(v, i == 0) for i, v in enumerate(versions)]
    items, page, size, show_all = _paginate(req, views)
    return {
        "metadata": {"zone": zone, "page": page, "pageSize": size, "showAll": show_all,
                     "totalElements": len(views)},
        "versions": items,
    }  # fmt: skip


def get_version(req: Request) -> dict[str, Any]:
    zone = _param(req, "zone")
    version, current = _find(req, zone, req.params["uuid"])
    return _view(version, current)


def version_record_sets(req: Request) -> dict[str, Any]:
    zone = _records_zone(req)
    version, _ = _find(req, zone, req.params["uuid"])
    records = list(version["records"])
    types = [t.strip().upper() for t in (req.arg("types") or "").split(",") if t.strip()]
    if types:
        records = [r for r in records if r["type"] in types]
    search = (req.arg("search") or "").strip().lower()
    if search:
        records = [r for r in records if search in r["name"]]
    records.sort(key=lambda r: (r["name"].count("."), r["name"], r["type"] != "SOA", r["type"]))
    _sort(records, req.arg("sortBy"), ("name", "type"))
    items, page, size, _ = _paginate(req, records)
    return {
        "metadata": {"zone": zone, "page": page, "pageSize": size,
                     "totalElements": len(records), "types": sorted(set(types))},
        "recordsets": items,
    }  # fmt: skip


def version_zone_file(req: Request) -> Response:
    zone = _records_zone(req)
    version, _ = _find(req, zone, req.params["uuid"])
    return Response(dns_zonefile.render(zone, version["records"]).encode(), 200, {}, "text/dns")


def versions_diff(req: Request) -> dict[str, Any]:
    zone = _records_zone(req)
    source, target = req.arg("from"), req.arg("to")
    if not source or not target:
        raise bad_request(req, "The query parameters 'from' and 'to' (version ids) are required.")
    old, _ = _find(req, zone, source)
    new, _ = _find(req, zone, target)
    before = {(r["name"], r["type"]): r for r in old["records"]}
    after = {(r["name"], r["type"]): r for r in new["records"]}
    diffs = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and (a["ttl"], a["rdata"]) == (b["ttl"], b["rdata"]):
            continue
        entry: dict[str, Any] = {"name": key[0], "type": key[1],
                                 "operation": "ADD" if a is None else "DELETE" if b is None
                                 else "EDIT"}  # fmt: skip
        if a is not None:
            entry["fromValue"] = {"ttl": a["ttl"], "rdata": a["rdata"]}
        if b is not None:
            entry["toValue"] = {"ttl": b["ttl"], "rdata": b["rdata"]}
        diffs.append(entry)
    settings = [
        {"fieldName": k, "operation": "EDIT", "fromValue": str(old["settings"].get(k) or ""),
         "toValue": str(new["settings"].get(k) or "")}
        for k in ("comment", "endCustomerId")
        if old["settings"].get(k) != new["settings"].get(k)
    ]  # fmt: skip
    return {
        "metadata": {
            "fromVersionId": source,
            "toVersionId": target,
            "fromVersionLastModifiedDate": old["settings"].get("lastModifiedDate", ""),
            "toVersionLastModifiedDate": new["settings"].get("lastModifiedDate", ""),
        },
        "diffs": {"recordSetDiffs": diffs, "settingsDiffs": settings},
    }


def activate_version(req: Request) -> Response:
    with req.transaction() as tx:
        zone = _records_zone(req, tx, write=True)
        version, _ = _find(req, zone, req.params["uuid"])
        # the SOA stays the zone's own, so that its serial keeps increasing
        records = [{**r, "zone": zone} for r in version["records"] if r["type"] != "SOA"]
        comment = req.arg("comment")
        if comment is not None:
            doc = tx.get("dns_zones", zone)
            doc["comment"] = comment
            tx.put("dns_zones", zone, doc)
        _replace_all(req, tx, zone, records)
    return Response(None, 204)


def register(router: Router) -> None:
    base = f"{BASE}/zones/{{zone}}/versions"
    router.add("GET", base, list_versions)
    router.add("GET", base + "/diff", versions_diff)
    router.add("GET", base + "/{uuid}", get_version)
    router.add("GET", base + "/{uuid}/recordsets", version_record_sets)
    router.add("GET", base + "/{uuid}/zone-file", version_zone_file)
    router.add("POST", base + "/{uuid}/recordsets/activate", activate_version)
