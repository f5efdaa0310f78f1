"""Edge DNS TSIG keys (registered by `dns.py`): the keys zone transfers are signed with.

A zone's key is its `tsigKey` setting (`{"name", "algorithm", "secret"}`, the secret base64).

- `GET|PUT|DELETE /config-dns/v2/zones/{zone}/key` (PUT and DELETE: 204; GET and DELETE: 404
  for a zone without a key), `GET .../zones/{zone}/key/used-by`: the zones sharing its key;
- `GET /config-dns/v2/keys` (`contractIds`, `search`, `sortBy`): every distinct key with
  `zonesCount`;
- `POST /config-dns/v2/keys/used-by` with a key: the zones using it;
- `POST /config-dns/v2/keys/bulk-update` with `{"key", "zones"}`: give those zones the key.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from alecs.sandbox.dns_data import TSIG_ALGORITHMS
from alecs.sandbox.dns_zones import BASE, _param, _zone_doc, bad_request, not_found
from alecs.sandbox.framework import Request, Response, Router

ALGORITHMS = (*TSIG_ALGORITHMS, "HMAC-MD5.SIG-ALG.REG.INT")


def _check_key(req: Request, key: Any, where: str = "") -> dict[str, str]:
    if not isinstance(key, dict) or set(key) - {"name", "algorithm", "secret", "zonesCount"}:
        raise bad_request(req, f"{where}A TSIG key is {{'name', 'algorithm', 'secret'}}.")
    name, algorithm, secret = key.get("name"), key.get("algorithm"), key.get("secret")
    if not isinstance(name, str) or not name.strip():
        raise bad_request(req, f"{where}The key needs a 'name'.")
    if algorithm not in ALGORITHMS:
        raise bad_request(req, f"{where}'algorithm' must be one of {', '.join(ALGORITHMS)}.")
    try:
        ok = isinstance(secret, str) and bool(base64.b64decode(secret, validate=True))
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise bad_request(req, f"{where}'secret' must be the key's secret in base64.")
    return {"name": name.strip(), "algorithm": algorithm, "secret": secret}


def _same(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    return bool(a) and all(a.get(k) == b[k] for k in ("name", "algorithm", "secret"))


def _zones_using(req: Request, key: dict[str, Any]) -> list[str]:
    return sorted(z["zone"] for z in req.state.list("dns_zones") if _same(z.get("tsigKey"), key))


def _view(req: Request, key: dict[str, Any]) -> dict[str, Any]:
    return {**key, "zonesCount": len(_zones_using(req, key))}


def get_zone_key(req: Request) -> dict[str, Any]:
    zone = _param(req, "zone")
    key = _zone_doc(req, zone).get("tsigKey")
    if not key:
        raise not_found(req, f"Zone '{zone}' has no TSIG key")
    return _view(req, key)


def put_zone_key(req: Request) -> Response:
    zone = _param(req, "zone")
    key = _check_key(req, req.json())
    with req.transaction() as tx:
        doc = _zone_doc(req, zone, tx)
        doc["tsigKey"] = key
        tx.put("dns_zones", zone, doc)
    return Response(None, 204)


def delete_zone_key(req: Request) -> Response:
    zone = _param(req, "zone")
    with req.transaction() as tx:
        doc = _zone_doc(req, zone, tx)
        if not doc.get("tsigKey"):
            raise not_found(req, f"Zone '{zone}' has no TSIG key")
        doc.pop("tsigKey")
        tx.put("dns_zones", zone, doc)
    return Response(None, 204)


def zone_key_used_by(req: Request) -> dict[str, Any]:
    key = get_zone_key(req)
    return {"zones": _zones_using(req, key)}


def list_keys(req: Request) -> dict[str, Any]:
    contracts = [c.strip().removeprefix("ctr_") for c in (req.arg("contractIds") or "").split(",")]
    contracts = [c for c in contracts if c]
    search = (req.arg("search") or "").strip().lower()
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for zone in req.state.list("dns_zones"):
        key = zone.get("tsigKey")
        if not key or (contracts and zone.get("contractId") not in contracts):
            continue
        if search and search not in key["name"].lower():
            continue
        seen.setdefault((key["name"], key["algorithm"], key["secret"]), key)
    keys = [_view(req, k) for k in seen.values()]
    sort = (req.arg("sortBy") or "name").lstrip("-")
    if sort in ("name", "algorithm", "zonesCount"):
        keys.sort(key=lambda k: k[sort], reverse=(req.arg("sortBy") or "").startswith("-"))
    return {"metadata": {"totalElements": len(keys)}, "keys": keys}


def keys_used_by(req: Request) -> dict[str, Any]:
    key = _check_key(req, req.json())
    return {"zones": _zones_using(req, key)}


def bulk_update(req: Request) -> Response:
    body = req.json()
    if not isinstance(body, dict) or set(body) != {"key", "zones"}:
        raise bad_request(req, 'The body must be {"key": {...}, "zones": ["example.com", ...]}.')
    key = _check_key(req, body["key"], "key: ")
    zones = body["zones"]
    if not isinstance(zones, list) or not zones or not all(isinstance(z, str) for z in zones):
        raise bad_request(req, "'zones' must list at least one zone name.")
    with req.transaction() as tx:
        for name in zones:
            zone = name.strip().lower().rstrip(".")
            doc = _zone_doc(req, zone, tx)
            doc["tsigKey"] = dict(key)
            tx.put("dns_zones", zone, doc)
    return Response(None, 204)


def register(router: Router) -> None:
    key = f"{BASE}/zones/{{zone}}/key"
    router.add("GET", key, get_zone_key)
    router.add("PUT", key, put_zone_key)
    router.add("DELETE", key, delete_zone_key)
    router.add("GET", key + "/used-by", zone_key_used_by)
    router.add("GET", f"{BASE}/keys", list_keys)
    router.add("POST", f"{BASE}/keys/used-by", keys_used_by)
    router.add("POST", f"{BASE}/keys/bulk-update", bulk_update)
