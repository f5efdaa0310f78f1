"""Property hostname buckets: hostnames kept on the property per network, not per version.

- `GET /papi/v1/properties/{propertyId}/hostnames`: one item per hostname with its staging and
  production edge hostname (`stagingCnameTo`, `productionCertType`, ...); `includeCertStatus`;
- `PATCH /papi/v1/properties/{propertyId}/hostnames`: `{"network", "add": [...], "remove":
  [names], "note", "notifyEmails"}` changes one network's bucket through a hostname
  activation (PENDING for the `papi.activation` delay, then ACTIVE); answers `activationLink`,
  `activationId` and the network's hostnames;
- `GET .../hostnames/diff`: the hostnames whose staging and production settings differ;
- `GET .../hostname-activations[/{hostnameActivationId}]`, `DELETE` on a PENDING one cancels it
  (ABORTED, the bucket as before).

A property without bucket data starts from the hostnames of its versions active on each network.
Documents: `hostname_buckets` (key: propertyId; `{"STAGING": {name: item}, "PRODUCTION": ...}`),
`hostname_activations` (key: activation id; with `operation` and the bucket it replaced).
"""

from __future__ import annotations

from typing import Any

from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.papi_common import respond, with_prefix
from alecs.sandbox.papi_model import NETWORKS, property_states, version_key
from alecs.sandbox.papi_properties import (
    CERT_TYPES,
    NOT_FOUND,
    context_query,
    envelope,
    find_property,
)
from alecs.sandbox.state import operation_state

_PREFIX = {"STAGING": "staging", "PRODUCTION": "production"}


def _initial_buckets(req: Request, prop: dict[str, Any]) -> dict[str, dict[str, Any]]:
    states = property_states(req.state.list("activations"), prop["propertyId"], req.now())
    buckets: dict[str, dict[str, Any]] = {}
    for network in NETWORKS:
        active = states[network].active
        doc = (
            req.state.get("property_hostnames", version_key(prop["propertyId"], active))
            if active is not None
            else None
        )
        items = (doc or {}).get("items") or []
        buckets[network] = {h["cnameFrom"]: dict(h) for h in items}
    return buckets


def _buckets(req: Request, prop: dict[str, Any]) -> dict[str, dict[str, Any]]:
    doc = req.state.get("hostname_buckets", prop["propertyId"])
    return doc["buckets"] if doc else _initial_buckets(req, prop)


def _merged(buckets: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    names = sorted(set(buckets["STAGING"]) | set(buckets["PRODUCTION"]))
    items = []
    for name in names:
        item: dict[str, Any] = {"cnameFrom": name, "cnameType": "EDGE_HOSTNAME"}
        for network, prefix in _PREFIX.items():
            host = buckets[network].get(name)
            if host is None:
                continue
            item[f"{prefix}EdgeHostnameId"] = host.get("edgeHostnameId")
            item[f"{prefix}CertType"] = host.get("certProvisioningType", "CPS_MANAGED")
            item[f"{prefix}CnameTo"] = host.get("cnameTo")
        items.append(item)
    return items


def _listing(req: Request, prop: dict[str, Any], items: list[dict[str, Any]]) -> Response:
    body = {
        **envelope(prop),
        "propertyId": prop["propertyId"],
        "hostnames": {"totalItems": len(items), "currentItemCount": len(items), "items": items},
    }
    return respond(req, body)


def list_hostnames(req: Request) -> Response:
    prop = find_property(req)
    return _listing(req, prop, _merged(_buckets(req, prop)))


def hostnames_diff(req: Request) -> Response:
    prop = find_property(req)
    buckets = _buckets(req, prop)
    items = []
    for item in _merged(buckets):
        staging, production = (buckets[n].get(item["cnameFrom"]) for n in NETWORKS)
        if staging == production:
            continue
        diff: dict[str, Any] = {"cnameFrom": item["cnameFrom"]}
        for network, host in (("staging", staging), ("production", production)):
            if host is not None:
                diff[f"{network}CnameType"] = "EDGE_HOSTNAME"
                diff[f"{network}CertType"] = host.get("certProvisioningType", "CPS_MANAGED")
                diff[f"{network}EdgeHostnameId"] = host.get("edgeHostnameId")
                diff[f"{network}CnameTo"] = host.get("cnameTo")
        items.append(diff)
    return _listing(req, prop, items)


def _new_host(req: Request, item: Any, n: int) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("cnameFrom"), str):
        req.fail(400, f"add[{n}] must be an object with cnameFrom and edgeHostnameId.")
    cert = item.get("certProvisioningType", "CPS_MANAGED")
    if cert not in CERT_TYPES:
        req.fail(400, f"add[{n}]: 'certProvisioningType' must be one of {', '.join(CERT_TYPES)}.")
    ehn = None
    if item.get("edgeHostnameId"):
        ehn = req.state.get("edgehostnames", with_prefix("ehn_", str(item["edgeHostnameId"])))
    elif item.get("cnameTo"):
        domain = str(item["cnameTo"]).strip().lower().rstrip(".")
        matches = req.state.list("edgehostnames", edgeHostnameDomain=domain)
        ehn = matches[0] if matches else None
    if ehn is None:
        req.fail(400, f"add[{n}]: give an existing edge hostname ('edgeHostnameId' or 'cnameTo').")
    return {
        "cnameType": "EDGE_HOSTNAME",
        "edgeHostnameId": ehn["edgeHostnameId"],
        "cnameFrom": item["cnameFrom"].strip().lower(),
        "cnameTo": ehn["edgeHostnameDomain"],
        "certProvisioningType": cert,
    }


def patch_hostnames(req: Request) -> Response:
    prop = find_property(req)
    body = req.json()
    if not isinstance(body, dict):
        req.fail(400, "The body must be an object with 'network', 'add' and/or 'remove'.")
    network = body.get("network")
    if network not in NETWORKS:
        req.fail(400, "'network' must be STAGING or PRODUCTION.")
    add, remove = body.get("add") or [], body.get("remove") or []
    if not isinstance(add, list) or not isinstance(remove, list) or not (add or remove):
        req.fail(400, "Give hostnames to 'add' (objects) and/or 'remove' (names).")
    buckets = _buckets(req, prop)
    bucket = dict(buckets[network])
    for name in remove:
        if not isinstance(name, str) or name.strip().lower() not in bucket:
            req.fail(400, f"Cannot remove {name!r}: it is not in the {network} hostnames.")
        del bucket[name.strip().lower()]
    for n, item in enumerate(add):
        host = _new_host(req, item, n)
        bucket[host["cnameFrom"]] = host
    operation = req.schedule("papi.activation")
    with req.transaction() as tx:
        activation_id = f"atv_{tx.next_id('activation')}"
        tx.put(
            "hostname_activations",
            activation_id,
            {
                "hostnameActivationId": activation_id,
                "propertyName": prop["propertyName"],
                "propertyId": prop["propertyId"],
                "propertyVersion": prop["latestVersion"],
                "network": network,
                "activationType": "ACTIVATE",
                "submitDate": req.iso_now(),
                "updateDate": req.iso_now(),
                "note": str(body.get("note") or ""),
                "notifyEmails": list(body.get("notifyEmails") or []),
                "operation": operation,
                "previous": buckets[network],
            },
        )
        tx.put(
            "hostname_buckets",
            prop["propertyId"],
            {"buckets": {**buckets, network: bucket}},
        )
    link = (
        f"/papi/v1/properties/{prop['propertyId']}/hostname-activations/{activation_id}"
        f"?{context_query(prop)}"
    )
    body_out = {
        "activationLink": link,
        "activationId": activation_id,
        "hostnames": sorted(bucket.values(), key=lambda h: h["cnameFrom"]),
    }
    return respond(req, body_out, 202, {"Location": link})


def _render(doc: dict[str, Any], now: float) -> dict[str, Any]:
    status = doc.get("status") or operation_state(doc["operation"], now)
    item = {k: v for k, v in doc.items() if k not in ("operation", "previous", "status")}
    return {**item, "status": status}


def _activations(req: Request, prop: dict[str, Any], items: list[dict[str, Any]]) -> Response:
    body = {
        **envelope(prop),
        "totalItems": len(items),
        "currentItemCount": len(items),
        "hostnameActivations": {"items": items},
    }
    return respond(req, body)


def list_hostname_activations(req: Request) -> Response:
    prop = find_property(req)
    now = req.now()
    docs = req.state.list("hostname_activations", propertyId=prop["propertyId"])
    items = [_render(d, now) for d in sorted(docs, key=lambda d: d["submitDate"], reverse=True)]
    return _activations(req, prop, items)


def _find_activation(req: Request, prop: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    activation_id = with_prefix("atv_", req.params["hostnameActivationId"])
    doc = req.state.get("hostname_activations", activation_id)
    if doc is None or doc["propertyId"] != prop["propertyId"]:
        req.fail(404, NOT_FOUND)
    return activation_id, doc


def get_hostname_activation(req: Request) -> Response:
    prop = find_property(req)
    _id, doc = _find_activation(req, prop)
    return _activations(req, prop, [_render(doc, req.now())])


def cancel_hostname_activation(req: Request) -> Response:
    prop = find_property(req)
    activation_id, doc = _find_activation(req, prop)
    now = req.now()
    if _render(doc, now)["status"] != "PENDING":
        req.fail(
            409,
            f"The hostname activation {activation_id} is no longer pending and can't be cancelled.",
            title="Conflict",
        )
    with req.transaction() as tx:
        doc.update(status="ABORTED", updateDate=req.iso_now())
        tx.put("hostname_activations", activation_id, doc)
        current = tx.get("hostname_buckets", prop["propertyId"])
        if current is not None:
            current["buckets"][doc["network"]] = doc["previous"]
            tx.put("hostname_buckets", prop["propertyId"], current)
    return _activations(req, prop, [_render(doc, now)])


def register(router: Router) -> None:
    base = "/papi/v1/properties/{propertyId}"
    router.add("GET", base + "/hostnames", list_hostnames)
    router.add("PATCH", base + "/hostnames", patch_hostnames)
    router.add("GET", base + "/hostnames/diff", hostnames_diff)
    router.add("GET", base + "/hostname-activations", list_hostname_activations)
    activation = base + "/hostname-activations/{hostnameActivationId}"
    router.add("GET", activation, get_hostname_activation)
    router.add("DELETE", activation, cancel_hostname_activation)
