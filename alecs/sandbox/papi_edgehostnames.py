"""Edge hostnames (`/papi/v1/edgehostnames`): list, get and create, per contract.

A new edge hostname shows `"status": "PENDING"` until the sandbox's delay for
`papi.edgehostname` has passed. The domain suffix decides how it is secured, as on Akamai:
`edgesuite.net` (no TLS or STANDARD_TLS), `edgekey.net` (ENHANCED_TLS, needs a CPS
`certEnrollmentId`), `akamaized.net` (SHARED_CERT).
"""

from __future__ import annotations

import re
from typing import Any

from alecs.sandbox.framework import Request, Response, Router
from alecs.sandbox.papi_common import require_contract, require_group, respond, with_prefix
from alecs.sandbox.papi_properties import NOT_FOUND
from alecs.sandbox.state import operation_done

SUFFIXES = {
    "edgesuite.net": (None, "STANDARD_TLS"),
    "edgekey.net": ("ENHANCED_TLS",),
    "akamaized.net": ("SHARED_CERT",),
}
IP_VERSIONS = ("IPV4", "IPV6_COMPLIANCE")
_PREFIX = re.compile(r"^(?=.{1,63}$)[a-z0-9]([a-z0-9\-.]*[a-z0-9])?$")


def render(doc: dict[str, Any], now: float) -> dict[str, Any]:
    item = {
        "edgeHostnameId": doc["edgeHostnameId"],
        "edgeHostnameDomain": doc["edgeHostnameDomain"],
        "productId": doc["productId"],
        "domainPrefix": doc["domainPrefix"],
        "domainSuffix": doc["domainSuffix"],
        "secure": bool(doc.get("secure", False)),
        "ipVersionBehavior": doc.get("ipVersionBehavior", "IPV4"),
    }
    op = doc.get("operation")
    if op and not operation_done(op, now):
        item["status"] = "PENDING"
    if doc.get("useCases"):
        item["useCases"] = doc["useCases"]
    return item


def _envelope(req: Request, contract_id: str, group_id: str, items: list[Any]) -> dict[str, Any]:
    return {
        "accountId": req.account_id,
        "contractId": contract_id,
        "groupId": group_id,
        "edgeHostnames": {"items": items},
    }


def list_edge_hostnames(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    now = req.now()
    items = [render(d, now) for d in req.state.list("edgehostnames", contractId=contract_id)]
    return respond(req, _envelope(req, contract_id, group_id, items))


def get_edge_hostname(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    ehn_id = with_prefix("ehn_", req.params["edgeHostnameId"])
    doc = req.state.get("edgehostnames", ehn_id)
    if doc is None or doc["contractId"] != contract_id:
        req.fail(404, NOT_FOUND)
    return respond(req, _envelope(req, contract_id, group_id, [render(doc, req.now())]))


def create_edge_hostname(req: Request) -> Response:
    contract_id = require_contract(req)
    group_id = require_group(req, contract_id)
    body = req.json()
    if not isinstance(body, dict):
        req.fail(400, "The request body must be a JSON object (productId, domainPrefix, ...).")
    product = body.get("productId")
    if not isinstance(product, str) or not product.strip():
        req.fail(400, "'productId' is required, for example 'prd_Fresca'.")
    product_id = with_prefix("prd_", product)
    product_doc = req.state.get("products", product_id)
    if product_doc is None or contract_id not in product_doc["contractIds"]:
        req.fail(400, f"The product {product_id} is not available on contract {contract_id}.")
    prefix = str(body.get("domainPrefix") or "").strip().lower()
    if not _PREFIX.match(prefix):
        req.fail(400, "'domainPrefix' is required: a hostname like www.example.com.")
    suffix = str(body.get("domainSuffix") or "").strip().lower()
    if suffix not in SUFFIXES:
        req.fail(400, "'domainSuffix' must be one of " + ", ".join(SUFFIXES) + ".")
    network = body.get("secureNetwork")
    if network not in SUFFIXES[suffix]:
        allowed = ", ".join(str(n) for n in SUFFIXES[suffix] if n) or "none"
        req.fail(
            400,
            f"'secureNetwork' {network!r} does not go with {suffix}; use: "
            + (allowed if None not in SUFFIXES[suffix] else f"{allowed} or omit it"),
        )
    ip_version = body.get("ipVersionBehavior")
    if ip_version not in IP_VERSIONS:
        req.fail(400, "'ipVersionBehavior' is required: " + " or ".join(IP_VERSIONS) + ".")
    enrollment = body.get("certEnrollmentId")
    if network == "ENHANCED_TLS":
        if (
            not isinstance(enrollment, int)
            or req.state.get("cps_enrollments", str(enrollment)) is None
        ):
            req.fail(
                400,
                "'certEnrollmentId' is required for ENHANCED_TLS: the id of a CPS enrollment "
                "of this account that covers the hostname.",
            )
    domain = f"{prefix}.{suffix}"
    if req.state.list("edgehostnames", edgeHostnameDomain=domain):
        req.fail(400, f"The edge hostname {domain} already exists.")
    use_cases = body.get("useCases") or []
    operation = req.schedule("papi.edgehostname")
    with req.transaction() as tx:
        ehn_id = f"ehn_{tx.next_id('edgehostname')}"
        doc = {
            "edgeHostnameId": ehn_id,
            "edgeHostnameDomain": domain,
            "productId": product_id,
            "domainPrefix": prefix,
            "domainSuffix": suffix,
            "secure": network is not None,
            "ipVersionBehavior": ip_version,
            "contractId": contract_id,
            "groupId": group_id,
            "operation": operation,
        }
        if network:
            doc["secureNetwork"] = network
        if enrollment is not None:
            doc["certEnrollmentId"] = enrollment
        if use_cases:
            doc["useCases"] = use_cases
        tx.put("edgehostnames", ehn_id, doc)
    link = f"/papi/v1/edgehostnames/{ehn_id}?contractId={contract_id}&groupId={group_id}"
    return respond(req, {"edgeHostnameLink": link}, 201, {"Location": link})


def register(router: Router) -> None:
    router.add("GET", "/papi/v1/edgehostnames", list_edge_hostnames)
    router.add("POST", "/papi/v1/edgehostnames", create_edge_hostname)
    router.add("GET", "/papi/v1/edgehostnames/{edgeHostnameId}", get_edge_hostname)
