"""What the PAPI endpoints of the sandbox share.

- `with_prefix("ctr_", "1-5SBXC1")` accepts IDs with or without their prefix, as PAPI does;
- `require_contract(req)`, `require_group(req, contract_id)` read and check `contractId` and
  `groupId` against the account's data (400 when missing, 403 when not the account's);
- `respond(req, doc)` honours `PAPI-Use-Prefixes: false` by stripping ID prefixes;
- `listen(app, fn)` reports every PAPI exchange (request and response) to `fn`;
  `RecordingRouter(router)` registers routes whose exchanges are reported.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from alecs.sandbox.framework import ApiProblem, Request, Response, Router

PREFIXES = {
    "accountId": "act_",
    "contractId": "ctr_",
    "groupId": "grp_",
    "parentGroupId": "grp_",
    "productId": "prd_",
    "propertyId": "prp_",
    "cpcodeId": "cpc_",
    "edgeHostnameId": "ehn_",
    "activationId": "atv_",
    "assetId": "aid_",
}
_LIST_PREFIXES = {"contractIds": "ctr_", "productIds": "prd_"}


def with_prefix(prefix: str, value: str) -> str:
    """`1-5SBXC1` or `ctr_1-5SBXC1` -> `ctr_1-5SBXC1`."""
    value = value.strip()
    return value if value.startswith(prefix) else prefix + value


def strip_prefixes(doc: Any) -> Any:
    """Remove ID prefixes everywhere (the `PAPI-Use-Prefixes: false` representation)."""
    if isinstance(doc, list):
        return [strip_prefixes(v) for v in doc]
    if not isinstance(doc, dict):
        return doc
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in PREFIXES and isinstance(value, str):
            out[key] = value.removeprefix(PREFIXES[key])
        elif key in _LIST_PREFIXES and isinstance(value, list):
            out[key] = [
                v.removeprefix(_LIST_PREFIXES[key]) if isinstance(v, str) else v for v in value
            ]
        else:
            out[key] = strip_prefixes(value)
    return out


def respond(req: Request, doc: Any, status: int = 200, headers: dict[str, str] | None = None):
    """A JSON response in the representation the client asked for."""
    if (req.header("papi-use-prefixes") or "true").strip().lower() == "false":
        doc = strip_prefixes(doc)
    return Response(doc, status, dict(headers or {}))


def account_info(req: Request) -> dict[str, Any]:
    return req.state.get("account", "account") or {"accountId": req.account_id}


def require_contract(req: Request) -> str:
    contract_id = with_prefix("ctr_", req.arg("contractId", required=True) or "")
    if req.state.get("contracts", contract_id) is None:
        req.fail(
            403,
            f"The contract {contract_id} is not available to account {req.account_id}. "
            "List the account's contracts with GET /papi/v1/contracts.",
            title="Forbidden",
        )
    return contract_id


def require_group(req: Request, contract_id: str | None = None) -> str:
    group_id = with_prefix("grp_", req.arg("groupId", required=True) or "")
    group = req.state.get("groups", group_id)
    if group is None:
        req.fail(
            403,
            f"The group {group_id} is not available to account {req.account_id}. "
            "List the account's groups with GET /papi/v1/groups.",
            title="Forbidden",
        )
    if contract_id is not None and contract_id not in group["contractIds"]:
        req.fail(
            400,
            f"The group {group_id} does not use contract {contract_id}; its contracts: "
            + ", ".join(group["contractIds"]),
        )
    return group_id


# ---------------------------------------------------------------------------------------------
# Exchange listeners: see every PAPI request and the response the sandbox gave it


@dataclass
class Exchange:
    """One PAPI request as the sandbox received it and the response it answered with."""

    method: str
    route: str  # the route template, e.g. "/papi/v1/properties/{propertyId}"
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int
    response: Any  # the JSON document answered (None for no body)
    content_type: str
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


Listener = Callable[[Exchange], None]
_listeners: weakref.WeakKeyDictionary[Any, list[Listener]] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def listen(app: Any, listener: Listener) -> Iterator[None]:
    """Call `listener(exchange)` for every PAPI request `app` (a SandboxApp) answers, while
    the block runs (from the sandbox's thread). Tests use it to check each request and
    response against the official OpenAPI schemas."""
    _listeners.setdefault(app, []).append(listener)
    try:
        yield
    finally:
        _listeners[app].remove(listener)


def _emit(req: Request, response: Response, *, problem: bool = False) -> None:
    listeners = _listeners.get(req.app)
    if not listeners:
        return
    exchange = Exchange(
        method=req.method,
        route=req.route.template if req.route else req.path,
        path=req.path,
        query=req.query_string,
        headers=dict(req.headers),
        body=req.body,
        status=response.status,
        response=copy.deepcopy(response.body),
        content_type="application/problem+json" if problem else response.content_type,
        response_headers=dict(response.headers),
    )
    for listener in list(listeners):
        listener(exchange)


def _recorded(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    @functools.wraps(handler)
    def wrapper(req: Request) -> Any:
        if not _listeners.get(req.app):
            return handler(req)
        try:
            result = handler(req)
        except ApiProblem as exc:
            doc = exc.document(path=req.path, instance=req.instance)
            _emit(req, Response(doc, exc.status, dict(exc.headers)), problem=True)
            raise
        if inspect.isawaitable(result):  # async handlers are passed through unrecorded
            return result
        response = result if isinstance(result, Response) else Response(result)
        _emit(req, response)
        return response

    return wrapper


class RecordingRouter:
    """Registers routes on the real router with their handlers wrapped by `_recorded`."""

    def __init__(self, router: Router) -> None:
        self._router = router

    def add(self, method: str, template: str, handler: Callable[[Request], Any], **kw: Any):
        return self._router.add(method, template, _recorded(handler), **kw)
