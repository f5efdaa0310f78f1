"""Network Lists (v2) endpoints of the sandbox.

Shaped like ../shared/akamai-apis/apis/network-lists/v2, under `/network-list/v2`:

- `GET /network-lists`: `listType` (IP/GEO), `search` (name or element substring),
  `includeElements` (default false), `extended`;
- `POST /network-lists`: create (201); `contractId` and `groupId` go together and must be
  the account's;
- `GET /network-lists/{id}`: `includeElements` (default true), `extended`;
- `PUT /network-lists/{id}`: full update with `syncPoint` (optimistic concurrency: a stale
  one gets 409);
- `DELETE /network-lists/{id}`: only lists never activated (409 otherwise);
- `POST /network-lists/{id}/append`: add elements (202, a complete response, as documented);
- `PUT`/`DELETE /network-lists/{id}/elements?element=`: add / remove one element;
- `PUT /network-lists/{id}/details`: name and description (204);
- `POST /network-lists/{id}/environments/{env}/activate`: activate the current syncPoint
  (200, PENDING_ACTIVATION);
- `GET /network-lists/{id}/environments/{env}/status`: activation status, `Retry-After`
  while pending;
- `GET /network-lists/{id}/sync-points/{n}/history`: the list as activated at syncPoint n;
- `GET /activations/{activationId}`: activation details;
- `POST /notifications/subscribe|unsubscribe` with `{"recipients": [...], "uniqueIds":
  [...]}`: who is told about changes to those lists (204; kept per list as
  `notificationRecipients` in `network_list_subscriptions`; 404 for an unknown list).

Every change increments the list's `syncPoint`. Activation status per environment: INACTIVE
(never), PENDING_ACTIVATION until the sandbox's delay for `netlists.activation` has passed on
the sandbox clock, then ACTIVE (FAILED when the comments contain `[sandbox:fail]`); ACTIVE
becomes MODIFIED when the list changed after the activated syncPoint. Elements are checked
like Akamai does: IPv4/IPv6 addresses or CIDR blocks for IP lists, two-letter country codes
for GEO lists (400 "Invalid Input Error" with `fieldErrors`).

Documents live in the account's `network_lists` collection (seeded by seed.py) with an
internal `activationState` member, and activations in `network_list_activations`.
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any

from alecs.sandbox.framework import ApiProblem, Request, Response, Router
from alecs.sandbox.state import operation_remaining, operation_state

BASE = "/network-list/v2"
TYPES = ("IP", "GEO")
ENVIRONMENTS = ("STAGING", "PRODUCTION")
LISTS = "network_lists"
ACTIVATIONS = "network_list_activations"
FAIL_MARKER = "[sandbox:fail]"
ACTIVATION_ID_BASE = 130_000
ERROR_TYPES = "https://problems.luna.akamaiapis.net/network-lists/error-types"
_GEO = re.compile(r"^[A-Za-z]{2}$")
_STATES = ("PENDING_ACTIVATION", "ACTIVE")


def register(router: Router) -> None:
    lists = f"{BASE}/network-lists"
    one = f"{lists}/{{networkListId}}"
    router.add("GET", lists, list_lists)
    router.add("POST", lists, create_list)
    router.add("GET", one, get_list)
    router.add("PUT", one, update_list)
    router.add("DELETE", one, delete_list)
    router.add("POST", f"{one}/append", append_elements)
    router.add("PUT", f"{one}/elements", add_element)
    router.add("DELETE", f"{one}/elements", remove_element)
    router.add("PUT", f"{one}/details", update_details)
    router.add("POST", f"{one}/environments/{{environment}}/activate", activate)
    router.add("GET", f"{one}/environments/{{environment}}/status", activation_status)
    router.add("GET", f"{one}/sync-points/{{syncPoint}}/history", history)
    router.add("GET", f"{BASE}/activations/{{activationId}}", get_activation)
    router.add("POST", f"{BASE}/notifications/subscribe", subscribe)
    router.add("POST", f"{BASE}/notifications/unsubscribe", unsubscribe)


# ---------------------------------------------------------------------------------------------
# Problems


def _problem(status: int, title: str, code: str, detail: str, **extra: Any) -> ApiProblem:
    return ApiProblem(status, detail, title=title, type=f"{ERROR_TYPES}/{code}", **extra)


def _invalid(detail: str, field_errors: dict[str, str] | None = None) -> ApiProblem:
    extra = {"fieldErrors": field_errors} if field_errors else {}
    return _problem(400, "Invalid Input Error", "INVALID-INPUT-ERROR", detail, **extra)


def _not_found(list_id: str) -> ApiProblem:
    return _problem(404, "Not Found", "NOT-FOUND", f"Network list {list_id} was not found.")


def _find(req: Request) -> dict[str, Any]:
    list_id = req.params["networkListId"]
    doc = req.state.get(LISTS, list_id)
    if doc is None:
        raise _not_found(list_id)
    doc["activationState"] = _envs(doc)  # before any change: seeded snapshots stay as seeded
    return doc


def _writable(doc: dict[str, Any]) -> None:
    if doc.get("readOnly") or doc.get("shared"):
        raise _problem(
            403,
            "Forbidden",
            "FORBIDDEN",
            f"Network list {doc['uniqueId']} is read-only for this API client.",
        )


def _bool_arg(req: Request, name: str, default: bool) -> bool:
    value = req.arg(name)
    if value is None:
        return default
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _invalid(f"'{name}' must be true or false.", {name: "must be true or false"})


def _environment(req: Request) -> str:
    env = req.params["environment"]
    if env not in ENVIRONMENTS:
        raise _invalid(
            f"Unknown environment {env!r}: use STAGING or PRODUCTION.",
            {"environment": "must be STAGING or PRODUCTION"},
        )
    return env


# ---------------------------------------------------------------------------------------------
# Elements


def check_elements(list_type: str, elements: Any, field: str = "list") -> list[str]:
    """Elements as stored (GEO upper-cased), duplicates removed; 400 naming the bad ones."""
    if not isinstance(elements, list) or not all(isinstance(e, str) for e in elements):
        raise _invalid(f"'{field}' must be an array of strings.", {field: "must be strings"})
    out: list[str] = []
    bad: list[str] = []
    for raw in elements:
        element = raw.strip()
        if list_type == "GEO":
            if _GEO.match(element):
                element = element.upper()
            else:
                bad.append(raw)
                continue
        else:
            try:
                if "/" in element:
                    ipaddress.ip_network(element, strict=False)
                else:
                    ipaddress.ip_address(element)
            except ValueError:
                bad.append(raw)
                continue
        if element not in out:
            out.append(element)
    if bad:
        what = "two-letter country codes" if list_type == "GEO" else "IP addresses or CIDR blocks"
        shown = ", ".join(repr(b) for b in bad[:10]) + (" ..." if len(bad) > 10 else "")
        raise _invalid(
            f"Invalid element(s) for a {list_type} list: {shown}. Allowed: {what}.",
            {field: f"invalid {list_type} element(s): {shown}"},
        )
    return out


# ---------------------------------------------------------------------------------------------
# Activation state


def _envs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-environment activation records; seeded lists start ACTIVE at their syncPoint."""
    envs = doc.get("activationState")
    if envs is None:
        envs = {}
        for env in ENVIRONMENTS:
            if doc.get(f"{env.lower()}ActivationStatus") == "ACTIVE":
                envs[env] = {
                    "activationId": None,
                    "syncPoint": doc["syncPoint"],
                    "list": list(doc.get("list") or []),  # the activated snapshot
                }
    return envs


def env_status(doc: dict[str, Any], env: str, now: float) -> str:
    record = _envs(doc).get(env)
    if record is None:
        return "INACTIVE"
    operation = record.get("operation")
    state = operation_state(operation, now) if operation else "ACTIVE"
    if state == "ACTIVE" and record["syncPoint"] != doc["syncPoint"]:
        return "MODIFIED"
    return state


def _links(list_id: str) -> dict[str, Any]:
    one = f"{BASE}/network-lists/{list_id}"
    return {
        "activateInProduction": {
            "href": f"{one}/environments/PRODUCTION/activate",
            "method": "POST",
        },
        "activateInStaging": {"href": f"{one}/environments/STAGING/activate", "method": "POST"},
        "appendItems": {"href": f"{one}/append", "method": "POST"},
        "retrieve": {"href": one},
        "statusInProduction": {"href": f"{one}/environments/PRODUCTION/status"},
        "statusInStaging": {"href": f"{one}/environments/STAGING/status"},
        "update": {"href": one, "method": "PUT"},
    }


def render(
    doc: dict[str, Any], now: float, *, include_elements: bool, extended: bool
) -> dict[str, Any]:
    """A network list as the API shows it (schemas/retrieve.yaml, network-list.yaml)."""
    out: dict[str, Any] = {
        "name": doc["name"],
        "type": doc["type"],
        "uniqueId": doc["uniqueId"],
        "syncPoint": doc["syncPoint"],
        "networkListType": "extendedNetworkListResponse" if extended else "networkListResponse",
        "readOnly": bool(doc.get("readOnly")),
        "shared": bool(doc.get("shared")),
        "elementCount": len(doc.get("list") or []),
    }
    if doc.get("description"):
        out["description"] = doc["description"]
    if doc.get("contractId") and doc.get("groupId") is not None:
        out["contractId"] = doc["contractId"]
        out["groupId"] = doc["groupId"]
    if include_elements:
        out["list"] = list(doc.get("list") or [])
    if extended:
        for key in ("createDate", "createdBy", "updateDate", "updatedBy"):
            if doc.get(key):
                out[key] = doc[key]
        out["productionActivationStatus"] = env_status(doc, "PRODUCTION", now)
        out["stagingActivationStatus"] = env_status(doc, "STAGING", now)
    out["links"] = _links(doc["uniqueId"])
    return out


def _respond(req: Request, doc: dict[str, Any], status: int = 200) -> Response:
    body = render(
        doc,
        req.now(),
        include_elements=_bool_arg(req, "includeElements", True),
        extended=_bool_arg(req, "extended", False),
    )
    return Response(body, status)


def _changed(req: Request, doc: dict[str, Any]) -> None:
    """Record a modification: keep activation records, bump syncPoint, stamp the update."""
    doc["activationState"] = _envs(doc)
    doc["syncPoint"] = int(doc["syncPoint"]) + 1
    doc["elementCount"] = len(doc.get("list") or [])
    doc["updateDate"] = _iso_ms(req)
    doc["updatedBy"] = _user(req)


def _iso_ms(req: Request) -> str:
    from alecs.sandbox.state import iso_ms

    return iso_ms(req.now())


def _user(req: Request) -> str:
    return req.client.section if req.client is not None else "sandbox"


# ---------------------------------------------------------------------------------------------
# Lists


def list_lists(req: Request) -> dict[str, Any]:
    list_type = req.arg("listType")
    if list_type is not None and list_type not in TYPES:
        raise _invalid(
            f"Unknown listType {list_type!r}: use IP or GEO.", {"listType": "must be IP or GEO"}
        )
    search = (req.arg("search") or "").strip().lower()
    include = _bool_arg(req, "includeElements", False)
    extended = _bool_arg(req, "extended", False)
    now = req.now()
    items = []
    for doc in req.state.list(LISTS):
        if list_type and doc["type"] != list_type:
            continue
        if search and search not in doc["name"].lower():
            if not any(search in e.lower() for e in doc.get("list") or []):
                continue
        items.append(render(doc, now, include_elements=include, extended=extended))
    return {
        "links": {"create": {"href": f"{BASE}/network-lists", "method": "POST"}},
        "networkLists": items,
    }


def get_list(req: Request) -> Response:
    return _respond(req, _find(req))


def _body_object(req: Request, allowed: set[str], required: tuple[str, ...]) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise _invalid(
            f"Unrecognized field(s): {', '.join(unknown)}.",
            {k: "unrecognized field" for k in unknown},
        )
    missing = [k for k in required if body.get(k) is None]
    if missing:
        raise _invalid(
            f"Missing required field(s): {', '.join(missing)}.",
            {k: "may not be null" for k in missing},
        )
    return body


def _check_name_description(body: dict[str, Any]) -> None:
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not 1 <= len(name.strip()) <= 100):
        raise _invalid("'name' must be 1 to 100 characters.", {"name": "size must be 1-100"})
    description = body.get("description")
    if description is not None and (
        not isinstance(description, str) or not 1 <= len(description) <= 255
    ):
        raise _invalid(
            "'description' must be 1 to 255 characters.",
            {"description": "size must be 1-255"},
        )


def _check_type(value: Any) -> str:
    if value not in TYPES:
        raise _invalid(
            f"Invalid network list type: {value}. Use IP or GEO.", {"type": "must be IP or GEO"}
        )
    return str(value)


def _contract_group(req: Request, body: dict[str, Any]) -> tuple[str | None, int | None]:
    contract = body.get("contractId")
    group = body.get("groupId")
    if (contract is None) != (group is None):
        raise _invalid(
            "contractId and groupId go together: give both or neither.",
            {"contractId" if contract is None else "groupId": "required with the other"},
        )
    if contract is None:
        contracts = sorted(req.state.keys("contracts"))
        roots = [g for g in req.state.list("groups") if not g.get("parentGroupId")]
        if not contracts or not roots:
            return None, None
        return contracts[0].removeprefix("ctr_"), int(roots[0]["groupId"].removeprefix("grp_"))
    if not isinstance(contract, str) or not 5 <= len(contract) <= 20:
        raise _invalid("'contractId' must be 5 to 20 characters.", {"contractId": "size 5-20"})
    if isinstance(group, bool) or not isinstance(group, int | float):
        raise _invalid("'groupId' must be a number.", {"groupId": "must be a number"})
    contract = contract.removeprefix("ctr_")
    if req.state.get("contracts", f"ctr_{contract}") is None:
        raise _problem(
            403, "Forbidden", "FORBIDDEN", f"You don't have write access to contract {contract}."
        )
    if req.state.get("groups", f"grp_{int(group)}") is None:
        raise _problem(
            403, "Forbidden", "FORBIDDEN", f"You don't have write access to group {int(group)}."
        )
    return contract, int(group)


def create_list(req: Request) -> Response:
    body = _body_object(
        req,
        {"name", "type", "description", "contractId", "groupId", "list"},
        ("name", "type", "list"),
    )
    _check_name_description(body)
    list_type = _check_type(body["type"])
    elements = check_elements(list_type, body["list"])
    contract, group = _contract_group(req, body)
    name = body["name"].strip()
    with req.transaction() as tx:
        number = tx.next_id("networklist")
        slug = re.sub(r"[^A-Z0-9]", "", name.upper())[:24] or "LIST"
        unique_id = f"{number}_{slug}"
        stamp = _iso_ms(req)
        doc: dict[str, Any] = {
            "uniqueId": unique_id,
            "name": name,
            "type": list_type,
            "networkListType": "networkListResponse",
            "description": body.get("description") or "",
            "contractId": contract,
            "groupId": group,
            "shared": False,
            "readOnly": False,
            "syncPoint": 0,
            "elementCount": len(elements),
            "list": elements,
            "createDate": stamp,
            "createdBy": _user(req),
            "updateDate": stamp,
            "updatedBy": _user(req),
            "activationState": {},
        }
        tx.put(LISTS, unique_id, doc)
    return Response(render(doc, req.now(), include_elements=True, extended=False), 201)


def update_list(req: Request) -> Response:
    doc = _find(req)
    _writable(doc)
    body = _body_object(
        req,
        {"name", "type", "description", "list", "syncPoint", "uniqueId"},
        ("name", "type", "list", "syncPoint"),
    )
    sync_point = body["syncPoint"]
    if isinstance(sync_point, bool) or not isinstance(sync_point, int) or sync_point < 0:
        raise _invalid("'syncPoint' must be an integer >= 0.", {"syncPoint": "must be >= 0"})
    if body.get("uniqueId") not in (None, doc["uniqueId"]):
        raise _invalid(
            f"'uniqueId' {body['uniqueId']!r} does not match the URL ({doc['uniqueId']}).",
            {"uniqueId": "does not match the URL"},
        )
    if sync_point != doc["syncPoint"]:
        raise _problem(
            409,
            "Conflict",
            "CONFLICT",
            f"The submitted syncPoint {sync_point} is not the current syncPoint "
            f"{doc['syncPoint']} of network list {doc['uniqueId']}: it was modified after "
            "you retrieved it. Retrieve it again and reapply your changes.",
        )
    _check_name_description(body)
    if _check_type(body["type"]) != doc["type"]:
        raise _invalid(
            f"The type of network list {doc['uniqueId']} ({doc['type']}) cannot be changed.",
            {"type": "cannot be changed"},
        )
    elements = check_elements(doc["type"], body["list"])
    with req.transaction() as tx:
        doc["name"] = body["name"].strip()
        if "description" in body:
            doc["description"] = body["description"] or ""
        doc["list"] = elements
        _changed(req, doc)
        tx.put(LISTS, doc["uniqueId"], doc)
    return _respond(req, doc)


def delete_list(req: Request) -> dict[str, Any]:
    doc = _find(req)
    _writable(doc)
    envs = _envs(doc)
    if envs:
        now = req.now()
        where = ", ".join(f"{env} ({env_status(doc, env, now)})" for env in sorted(envs))
        raise _problem(
            409,
            "Conflict",
            "CONFLICT",
            f"Network list {doc['uniqueId']} has been activated ({where}); only lists that "
            "were never activated can be deleted. To stop using it, remove its elements and "
            "activate that, or remove it from your security configurations.",
        )
    with req.transaction() as tx:
        tx.delete(LISTS, doc["uniqueId"])
    return {"status": 200, "uniqueId": doc["uniqueId"], "syncPoint": doc["syncPoint"]}


def append_elements(req: Request) -> Response:
    doc = _find(req)
    _writable(doc)
    body = _body_object(req, {"list"}, ("list",))
    elements = check_elements(doc["type"], body["list"])
    current = list(doc.get("list") or [])
    new = [e for e in elements if e not in current]
    if new:
        with req.transaction() as tx:
            doc["list"] = current + new
            _changed(req, doc)
            tx.put(LISTS, doc["uniqueId"], doc)
    return _respond(req, doc, 202)


def _element_arg(req: Request, doc: dict[str, Any]) -> str:
    value = req.arg("element")
    if value is None or not value.strip():
        raise _invalid("The query parameter 'element' is required.", {"element": "required"})
    return check_elements(doc["type"], [value], "element")[0]


def add_element(req: Request) -> Response:
    doc = _find(req)
    _writable(doc)
    element = _element_arg(req, doc)
    if element not in (doc.get("list") or []):
        with req.transaction() as tx:
            doc["list"] = [*(doc.get("list") or []), element]
            _changed(req, doc)
            tx.put(LISTS, doc["uniqueId"], doc)
    return _respond(req, doc)


def remove_element(req: Request) -> Response:
    doc = _find(req)
    _writable(doc)
    element = _element_arg(req, doc)
    if element not in (doc.get("list") or []):
        raise _problem(
            404,
            "Not Found",
            "NOT-FOUND",
            f"Element {element} is not in network list {doc['uniqueId']}.",
        )
    with req.transaction() as tx:
        doc["list"] = [e for e in doc["list"] if e != element]
        _changed(req, doc)
        tx.put(LISTS, doc["uniqueId"], doc)
    return _respond(req, doc)


def update_details(req: Request) -> Response:
    doc = _find(req)
    _writable(doc)
    body = _body_object(req, {"name", "description"}, ("name",))
    _check_name_description(body)
    with req.transaction() as tx:
        doc["name"] = body["name"].strip()
        if "description" in body:
            doc["description"] = body["description"] or ""
        _changed(req, doc)
        tx.put(LISTS, doc["uniqueId"], doc)
    return Response(None, 204)


# ---------------------------------------------------------------------------------------------
# Activations


def _status_doc(
    doc: dict[str, Any], env: str, now: float, activation: dict[str, Any] | None
) -> dict[str, Any]:
    """schemas/status.yaml for one environment."""
    record = _envs(doc).get(env)
    out: dict[str, Any] = {
        "uniqueId": doc["uniqueId"],
        "syncPoint": record["syncPoint"] if record else doc["syncPoint"],
        "activationStatus": env_status(doc, env, now),
    }
    if activation is not None:
        out["activationId"] = activation["activationId"]
        if activation.get("comments"):
            out["activationComments"] = activation["comments"]
        out["fast"] = not activation.get("initial", False)
        out["dispatchCount"] = activation.get("dispatchCount", 1)
    links = _links(doc["uniqueId"])
    out["links"] = {
        k: links[k]
        for k in ("appendItems", "retrieve", "statusInProduction", "statusInStaging", "update")
    }
    if activation is not None:
        out["links"]["activationDetails"] = {
            "href": f"{BASE}/activations/{activation['activationId']}"
        }
    return out


def _current_activation(req: Request, doc: dict[str, Any], env: str) -> dict[str, Any] | None:
    record = _envs(doc).get(env)
    if not record or record.get("activationId") is None:
        return None
    return req.state.get(ACTIVATIONS, str(record["activationId"]))


def _retry_after(record: dict[str, Any] | None, now: float) -> dict[str, str]:
    operation = (record or {}).get("operation")
    if operation and operation_state(operation, now) == "PENDING_ACTIVATION":
        return {"Retry-After": str(max(1, math.ceil(operation_remaining(operation, now))))}
    return {}


def _activate_body(req: Request) -> dict[str, Any]:
    body = req.json(required=False)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    unknown = sorted(set(body) - {"comments", "notificationRecipients", "siebelTicketId"})
    if unknown:
        raise _invalid(
            f"Unrecognized field(s): {', '.join(unknown)}.",
            {k: "unrecognized field" for k in unknown},
        )
    if not isinstance(body.get("comments", ""), str):
        raise _invalid("'comments' must be a string.", {"comments": "must be a string"})
    recipients = body.get("notificationRecipients")
    if recipients is not None:
        if (
            not isinstance(recipients, list)
            or not recipients
            or not all(
                isinstance(r, str) and re.fullmatch(r"[^@\s]+@[^@\s]+", r) for r in recipients
            )
        ):
            raise _invalid(
                "'notificationRecipients' must be a non-empty array of email addresses.",
                {"notificationRecipients": "must be email addresses"},
            )
        if len(set(recipients)) != len(recipients):
            raise _invalid(
                "'notificationRecipients' must not repeat an address.",
                {"notificationRecipients": "must be unique"},
            )
    return body


def activate(req: Request) -> Response:
    env = _environment(req)
    doc = _find(req)
    _writable(doc)
    body = _activate_body(req)
    now = req.now()
    envs = _envs(doc)
    record = envs.get(env)
    if record is not None and env_status(doc, env, now) == "PENDING_ACTIVATION":
        current = _current_activation(req, doc, env)
        if record["syncPoint"] == doc["syncPoint"]:  # the same version: nothing new to do
            return Response(_status_doc(doc, env, now, current), 200, _retry_after(record, now))
        raise _invalid(
            f"An activation of network list {doc['uniqueId']} (syncPoint "
            f"{record['syncPoint']}) is still pending on {env}; wait until it completes.",
            {"environment": "activation pending"},
        )
    comments = body.get("comments") or ""
    final = "FAILED" if FAIL_MARKER in comments else None
    with req.transaction() as tx:
        activation_id = ACTIVATION_ID_BASE + tx.next_id("networklist_activation")
        operation = req.schedule("netlists.activation", states=_STATES, final=final)
        activation = {
            "activationId": activation_id,
            "uniqueId": doc["uniqueId"],
            "environment": env,
            "syncPoint": doc["syncPoint"],
            "comments": comments,
            "notificationRecipients": body.get("notificationRecipients") or [],
            "createDate": _iso_ms(req),
            "createdBy": _user(req),
            "initial": record is None,
            "dispatchCount": 1,
            "list": list(doc.get("list") or []),
            "operation": operation,
        }
        tx.put(ACTIVATIONS, str(activation_id), activation)
        envs[env] = {
            "activationId": activation_id,
            "syncPoint": doc["syncPoint"],
            "operation": operation,
        }
        doc["activationState"] = envs
        tx.put(LISTS, doc["uniqueId"], doc)
    return Response(_status_doc(doc, env, now, activation), 200, _retry_after(envs[env], req.now()))


def activation_status(req: Request) -> Response:
    env = _environment(req)
    doc = _find(req)
    now = req.now()
    activation = _current_activation(req, doc, env)
    return Response(
        _status_doc(doc, env, now, activation), 200, _retry_after(_envs(doc).get(env), now)
    )


def history(req: Request) -> Response:
    doc = _find(req)
    try:
        sync_point = int(req.params["syncPoint"])
    except ValueError:
        raise _invalid("'syncPoint' must be an integer.", {"syncPoint": "integer"}) from None
    snapshot = None
    for activation in req.state.list(ACTIVATIONS, uniqueId=doc["uniqueId"]):
        if activation["syncPoint"] == sync_point:
            snapshot = activation["list"]
    for record in _envs(doc).values():  # seeded activations keep their snapshot
        if snapshot is None and record.get("activationId") is None:
            if record["syncPoint"] == sync_point:
                snapshot = record.get("list") or []
    if snapshot is None:
        raise _problem(
            404,
            "Not Found",
            "NOT-FOUND",
            f"syncPoint {sync_point} of network list {doc['uniqueId']} was never activated.",
        )
    version = {**doc, "syncPoint": sync_point, "list": snapshot}
    body = render(
        version, req.now(), include_elements=True, extended=_bool_arg(req, "extended", False)
    )
    return Response(body, 200)


def get_activation(req: Request) -> dict[str, Any]:
    raw = req.params["activationId"]
    activation = req.state.get(ACTIVATIONS, raw) if raw.isdigit() else None
    if activation is None:
        raise _problem(404, "Not Found", "NOT-FOUND", f"Activation {raw} was not found.")
    now = req.now()
    doc = req.state.get(LISTS, activation["uniqueId"])
    state = operation_state(activation["operation"], now)
    status = {
        "PENDING_ACTIVATION": "RECEIVED",
        "ACTIVE": "ACTIVATED",
        "FAILED": "FAILED",
    }[state]
    if doc is None:  # the list is gone: describe the activation alone
        network_list: dict[str, Any] = {
            "uniqueId": activation["uniqueId"],
            "syncPoint": activation["syncPoint"],
            "activationStatus": state,
            "activationId": activation["activationId"],
        }
    else:
        network_list = _status_doc(doc, activation["environment"], now, activation)
        record = _envs(doc).get(activation["environment"]) or {}
        if record.get("activationId") != activation["activationId"]:
            network_list["activationStatus"] = state  # superseded: this activation's own state
            network_list["syncPoint"] = activation["syncPoint"]
    return {
        "activationId": activation["activationId"],
        "createDate": activation["createDate"],
        "createdBy": activation["createdBy"],
        "environment": activation["environment"],
        "initial": activation.get("initial", False),
        "status": status,
        "networkList": network_list,
    }


# ---------------------------------------------------------------------------------------------
# Notification subscriptions


def _subscription_body(req: Request) -> tuple[list[str], list[str]]:
    body = req.json()
    if not isinstance(body, dict) or set(body) - {"recipients", "uniqueIds"}:
        raise _invalid('The body must be {"recipients": [...], "uniqueIds": [...]}.')
    recipients, ids = body.get("recipients"), body.get("uniqueIds")
    errors = {}
    if (
        not isinstance(recipients, list)
        or not recipients
        or not all(
            isinstance(r, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", r) for r in recipients
        )
    ):
        errors["recipients"] = "at least one e-mail address"
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        errors["uniqueIds"] = "at least one network list id"
    if errors:
        raise _invalid("The subscription is not valid.", errors)
    for list_id in ids:
        if req.state.get(LISTS, list_id) is None:
            raise _not_found(list_id)
    return list(dict.fromkeys(recipients)), list(dict.fromkeys(ids))


def _update_subscriptions(req: Request, *, add: bool) -> Response:
    recipients, ids = _subscription_body(req)
    with req.transaction() as tx:
        for list_id in ids:
            doc = tx.get("network_list_subscriptions", list_id) or {"uniqueId": list_id}
            current = list(doc.get("notificationRecipients") or [])
            if add:
                current += [r for r in recipients if r not in current]
            else:
                current = [r for r in current if r not in recipients]
            doc["notificationRecipients"] = current
            tx.put("network_list_subscriptions", list_id, doc)
    return Response(None, 204)


def subscribe(req: Request) -> Response:
    return _update_subscriptions(req, add=True)


def unsubscribe(req: Request) -> Response:
    return _update_subscriptions(req, add=False)
