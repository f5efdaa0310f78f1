"""Property hostname buckets: hostnames kept on the property per network, not per version.

- `GET /papi/v1/properties/{propertyId}/hostnames`: one item per hostname with its staging and
  production edge hostname (`stagingCnameTo`, `productionCertType`, ...); `includeCertStatus`;
- `PATCH /papi/v1/properties/{propertyId}/hostnames`: `{"network", "add": [...], "remove":
  [names], "note", "notifyEmails"}` changes one network's bucket through a hostname
  activation (PENDING for the `papi.activation` delay, then ACTIVE); answers `activationLink`,
  `activationId` and the network's hostnames;
- `GET .../hostnames/diff`: the hostnames whose staging and production settings differ;
- `GET .../hostname-activations[/{hostnameActivationId}]`, `DELETE` on a PENDING one cancels it
  (ABORTED, the bucket as before);
- `GET /papi/v1/hostnames`: every property hostname of the account, one item per network
  (`hostname`, `cnameTo`, `network`, `contractId`, `groupId` filters; `sort` hostname:a|d;
  `offset`/`limit`);
- `GET /papi/v1/hostnames/{hostname}/audit-history`: ADD/REMOVE through hostname activations
  and ACTIVATE of property versions that serve it;
- `POST /papi/v1/hostnames/certificate-challenges` with `{"cnamesFrom": [...]}`: the DNS
  validation CNAME of each hostname's default (Akamai-managed) certificate.

A property without bucket data starts from the hostnames of its versions active on each network.
Documents: `hostname_buckets` (key: propertyId; `{"buckets": {"STAGING": {name: item},
"PRODUCTION": ...}}`), `hostname_activations` (key: activation id; with `operation`, the bucket
it replaced and the names it added and removed).
"""

from __future__ import annotations

import hashlib
from typing import Any

from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.papi_common import respond, with_prefix
from alecs.sandbox.papi_model import NETWORKS, property_states, render_activation, version_key
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
                "added": sorted(set(bucket) - set(buckets[network])),
                "removed": sorted(set(buckets[network]) - set(bucket)),
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
    hidden = ("operation", "previous", "status", "added", "removed")
    item = {k: v for k, v in doc.items() if k not in hidden}
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


# ---------------------------------------------------------------------------------------------
# Account-wide hostnames


def _int_arg(req: Request, name: str, default: int, minimum: int) -> int:
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum:
        req.fail(400, f"The query parameter '{name}' must be a whole number >= {minimum}.")
    return int(raw)


def account_hostnames(req: Request) -> Response:
    wanted = (req.arg("hostname") or "").strip().lower()
    cname_to = (req.arg("cnameTo") or "").strip().lower()
    network = (req.arg("network") or "").upper()
    if network and network not in NETWORKS:
        req.fail(400, "The query parameter 'network' must be STAGING or PRODUCTION.")
    contract = with_prefix("ctr_", req.arg("contractId") or "") if req.arg("contractId") else None
    group = with_prefix("grp_", req.arg("groupId") or "") if req.arg("groupId") else None
    sort = req.arg("sort") or "hostname:a"
    if sort not in ("hostname:a", "hostname:d"):
        req.fail(400, "The query parameter 'sort' must be hostname:a or hostname:d.")
    items = []
    for prop in req.state.list("properties"):
        if (contract and prop["contractId"] != contract) or (group and prop["groupId"] != group):
            continue
        for item in _merged(_buckets(req, prop)):
            if wanted and wanted not in item["cnameFrom"]:
                continue
            if network and f"{_PREFIX[network]}CnameTo" not in item:
                continue
            targets = [item.get("stagingCnameTo"), item.get("productionCnameTo")]
            if cname_to and cname_to not in [str(t).lower() for t in targets if t]:
                continue
            # one item per network the hostname is on (the schema's staging or production
            # shape; never both in one item)
            for net, prefix in _PREFIX.items():
                if f"{prefix}CnameTo" not in item or (network and net != network):
                    continue
                entry = {
                    "contractId": prop["contractId"],
                    "groupId": prop["groupId"],
                    "propertyId": prop["propertyId"],
                    "propertyName": prop["propertyName"],
                    "cnameFrom": item["cnameFrom"],
                    "propertyType": "TRADITIONAL",
                    f"{prefix}CnameType": "EDGE_HOSTNAME",
                }
                for field in ("CertType", "EdgeHostnameId", "CnameTo"):
                    entry[f"{prefix}{field}"] = item[f"{prefix}{field}"]
                items.append(entry)
    items.sort(
        key=lambda i: (i["cnameFrom"], i["propertyId"], "productionCnameTo" in i),
        reverse=sort == "hostname:d",
    )
    offset = _int_arg(req, "offset", 0, 0)
    limit = _int_arg(req, "limit", 999, 1)
    page = items[offset : offset + limit]
    hostnames: dict[str, Any] = {
        "totalItems": len(items),
        "currentItemCount": len(page),
        "items": page,
    }
    if offset + limit < len(items):
        hostnames["nextLink"] = f"/papi/v1/hostnames?offset={offset + limit}&limit={limit}"
    body = {
        "accountId": req.account_id,
        "currentSort": sort,
        "defaultSort": "hostname:a",
        "availableSort": ["hostname:a", "hostname:d"],
        "hostnames": hostnames,
    }
    return respond(req, body)


def hostname_audit_history(req: Request) -> Response:
    host = req.params["hostname"].strip().lower()
    now = req.now()
    entries: list[dict[str, Any]] = []
    for doc in req.state.list("hostname_activations"):
        if doc.get("status") == "ABORTED":
            continue
        prop = req.state.get("properties", doc["propertyId"]) or {}
        for action, names in (
            ("ADD", doc.get("added") or []),
            ("REMOVE", doc.get("removed") or []),
        ):
            if host in names:
                entries.append(
                    {"action": action, "contractId": prop.get("contractId"),
                     "groupId": prop.get("groupId"), "propertyId": doc["propertyId"],
                     "network": doc["network"], "user": "sandbox",
                     "timestamp": doc["submitDate"]}
                )  # fmt: skip
    for activation in req.state.list("activations"):
        rendered = render_activation(activation, now)
        if rendered["status"] != "ACTIVE" or rendered["activationType"] != "ACTIVATE":
            continue
        key = version_key(activation["propertyId"], int(activation["propertyVersion"]))
        hosts = (req.state.get("property_hostnames", key) or {}).get("items") or []
        match = next((h for h in hosts if h.get("cnameFrom") == host), None)
        if match is None:
            continue
        entries.append(
            {"action": "ACTIVATE", "contractId": activation.get("contractId"),
             "groupId": activation.get("groupId"), "propertyId": activation["propertyId"],
             "cnameTo": match.get("cnameTo"), "network": activation["network"],
             "certProvisioningType": match.get("certProvisioningType", "CPS_MANAGED"),
             "edgeHostnameId": match.get("edgeHostnameId"), "user": "sandbox",
             "timestamp": rendered["updateDate"]}
        )  # fmt: skip
    if not entries:
        req.fail(404, f"The hostname {host} has no history in this account.")
    entries.sort(key=lambda e: e["timestamp"] or "", reverse=True)
    clean = [{k: v for k, v in e.items() if v is not None} for e in entries]
    return respond(req, {"hostname": host, "history": {"items": clean}})


def certificate_challenges(req: Request) -> Response:
    body = req.json()
    names = body.get("cnamesFrom") if isinstance(body, dict) else None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        req.fail(400, "'cnamesFrom' must list at least one property hostname.")
    items = []
    for name in names:
        host = name.strip().lower()
        token = hashlib.sha256(f"{req.account_id}/{host}".encode()).hexdigest()[:32]
        items.append(
            {
                "cnameFrom": host,
                "validationCname": {
                    "hostname": f"_acme-challenge.{host}",
                    "target": f"ac.{token}.{host}.validate-akdv.net",
                },
            }
        )
    return respond(req, {"accountId": req.account_id, "hostnames": {"items": items}})


def register(router: Router) -> None:
    router.add("GET", "/papi/v1/hostnames", account_hostnames)
    router.add("GET", "/papi/v1/hostnames/{hostname}/audit-history", hostname_audit_history)
    router.add("POST", "/papi/v1/hostnames/certificate-challenges", certificate_challenges)
    base = "/papi/v1/properties/{propertyId}"
    router.add("GET", base + "/hostnames", list_hostnames)
    router.add("PATCH", base + "/hostnames", patch_hostnames)
    router.add("GET", base + "/hostnames/diff", hostnames_diff)
    router.add("GET", base + "/hostname-activations", list_hostname_activations)
    activation = base + "/hostname-activations/{hostnameActivationId}"
    router.add("GET", activation, get_hostname_activation)
    router.add("DELETE", activation, cancel_hostname_activation)
