"""Edge DNS bulk zone requests (registered by `dns.py`): creating and deleting many zones at
once, the only way Edge DNS deletes a zone.

- `POST /config-dns/v2/zones/create-requests?contractId=&gid=` with `{"zones": [zone, ...]}`,
  `POST /config-dns/v2/zones/delete-requests` with `{"zones": [names]}` (`bypassSafetyChecks`):
  201 `{requestId, expirationDate}`;
- `GET .../create-requests/{requestId}` and `.../delete-requests/{requestId}`: progress
  (`isComplete` once the `dns.change` delay has passed), `.../result`: the zones done and the
  ones that failed with a reason (ZONE_ALREADY_EXISTS, INVALID_ZONE, ZONE_NOT_FOUND,
  ZONE_HAS_ALIASES without `bypassSafetyChecks`).

The zones are created or deleted when the request is accepted; deleting a zone also removes its
record sets, change list, versions and key. Documents: `dns_bulk_requests` (key: request id).
"""

from __future__ import annotations

import uuid
from typing import Any

from alecs.sandbox.dns_zones import (
    BASE,
    _key,
    bad_request,
    new_zone,
    not_found,
    zone_context,
)
from alecs.sandbox.framework import ApiProblem, Request, Response, Router
from alecs.sandbox.state import Transaction, iso_ms, operation_done

EXPIRES_AFTER_S = 86400


def _zones(req: Request) -> list[Any]:
    body = req.json()
    zones = body.get("zones") if isinstance(body, dict) else None
    if not isinstance(body, dict) or set(body) != {"zones"} or not isinstance(zones, list):
        raise bad_request(req, 'The body must be {"zones": [...]}.')
    if not zones:
        raise bad_request(req, "'zones' must list at least one zone.")
    return zones


def _accept(req: Request, tx: Transaction, kind: str, done: list[str], failed: list) -> Response:
    request_id = str(uuid.uuid4())
    expires = iso_ms(req.now() + EXPIRES_AFTER_S)[:-5] + "Z"
    tx.put(
        "dns_bulk_requests",
        request_id,
        {
            "requestId": request_id,
            "kind": kind,
            "zonesSubmitted": len(done) + len(failed),
            "done": done,
            "failed": failed,
            "expirationDate": expires,
            "operation": req.schedule("dns.change"),
        },
    )
    body = {"requestId": request_id, "expirationDate": expires}
    return Response(body, 201, {"Location": f"{BASE}/zones/{kind}-requests/{request_id}"})


def create_zones(req: Request) -> Response:
    contract, gid = zone_context(req)
    zones = _zones(req)
    done: list[str] = []
    failed: list[dict[str, str]] = []
    with req.transaction() as tx:
        for body in zones:
            name = str(body.get("zone") if isinstance(body, dict) else body).lower().rstrip(".")
            try:
                doc = new_zone(req, tx, body, contract, gid)
            except ApiProblem as problem:
                reason = "ZONE_ALREADY_EXISTS" if problem.status == 409 else "INVALID_ZONE"
                failed.append({"zone": name, "failureReason": reason})
                continue
            done.append(doc["zone"])
        return _accept(req, tx, "create", done, failed)


def _delete_zone(tx: Transaction, doc: dict[str, Any]) -> None:
    zone = doc["zone"]
    for record in tx.list("dns_records", zone=zone):
        tx.delete("dns_records", _key(zone, record["name"], record["type"]))
    for version in tx.list("dns_zone_versions", zone=zone):
        tx.delete("dns_zone_versions", f"{zone}/{version['settings']['versionId']}")
    tx.delete("dns_changelists", zone)
    if doc["type"] == "ALIAS" and doc.get("target"):
        base = tx.get("dns_zones", doc["target"])
        if base is not None:
            base["aliasCount"] = max(0, int(base.get("aliasCount") or 0) - 1)
            tx.put("dns_zones", doc["target"], base)
    tx.delete("dns_zones", zone)


def delete_zones(req: Request) -> Response:
    names = _zones(req)
    bypass = (req.arg("bypassSafetyChecks") or "false").lower() == "true"
    done: list[str] = []
    failed: list[dict[str, str]] = []
    with req.transaction() as tx:
        for raw in names:
            name = str(raw).strip().lower().rstrip(".")
            doc = tx.get("dns_zones", name) if isinstance(raw, str) else None
            if doc is None:
                failed.append({"zone": name, "failureReason": "ZONE_NOT_FOUND"})
                continue
            if int(doc.get("aliasCount") or 0) and not bypass:
                failed.append({"zone": name, "failureReason": "ZONE_HAS_ALIASES"})
                continue
            _delete_zone(tx, doc)
            done.append(name)
        return _accept(req, tx, "delete", done, failed)


def _request(req: Request, kind: str) -> dict[str, Any]:
    doc = req.state.get("dns_bulk_requests", req.params["requestId"])
    if doc is None or doc["kind"] != kind:
        raise not_found(req, f"Unable to find the {kind} request '{req.params['requestId']}'")
    return doc


def _status(req: Request, kind: str) -> dict[str, Any]:
    doc = _request(req, kind)
    return {
        "requestId": doc["requestId"],
        "zonesSubmitted": doc["zonesSubmitted"],
        "successCount": len(doc["done"]),
        "failureCount": len(doc["failed"]),
        "isComplete": operation_done(doc["operation"], req.now()),
        "expirationDate": doc["expirationDate"],
    }


def _result(req: Request, kind: str, done_key: str) -> dict[str, Any]:
    doc = _request(req, kind)
    if not operation_done(doc["operation"], req.now()):
        raise bad_request(req, f"The {kind} request '{doc['requestId']}' is not complete yet.")
    return {"requestId": doc["requestId"], done_key: doc["done"], "failedZones": doc["failed"]}


def create_status(req: Request) -> dict[str, Any]:
    return _status(req, "create")


def create_result(req: Request) -> dict[str, Any]:
    return _result(req, "create", "successfullyCreatedZones")


def delete_status(req: Request) -> dict[str, Any]:
    return _status(req, "delete")


def delete_result(req: Request) -> dict[str, Any]:
    return _result(req, "delete", "successfullyDeletedZones")


def register(router: Router) -> None:
    base = f"{BASE}/zones"
    router.add("POST", base + "/create-requests", create_zones)
    router.add("GET", base + "/create-requests/{requestId}", create_status)
    router.add("GET", base + "/create-requests/{requestId}/result", create_result)
    router.add("POST", base + "/delete-requests", delete_zones)
    router.add("GET", base + "/delete-requests/{requestId}", delete_status)
    router.add("GET", base + "/delete-requests/{requestId}/result", delete_result)
