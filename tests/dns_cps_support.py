"""Helpers shared by the Edge DNS and CPS tests (tests/test_dns_*.py, tests/test_cps_*.py).

- `call` / `call_error`: call a tool through a real MCP client that must succeed / fail;
- `record_exchanges(sandbox, families)`: while the block runs, every request the sandbox answers
  on those API families is recorded (method, path, query, headers, body, status, response,
  content type), by wrapping the sandbox's route handlers; nothing of the client is mocked;
- `CONTACT`, `ORG`: contact and org arguments for certificate-dv-enrollment-create.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from mcp import Client

from alecs.sandbox.framework import ApiProblem, Response

warnings.filterwarnings("ignore", message=".*deprecated.*")

ACCOUNT_A = "act_1-5SBXA1"
ACCOUNT_B = "act_1-7SBXB2"
SWITCH_TO_B = "1-7SBXB2:1-8SBX"
CONTRACT_A = "ctr_1-5SBXC1"
CONTACT = {
    "first_name": "Ada",
    "last_name": "Admin",
    "email": "ada@example.com",
    "phone": "+1 617 555 0100",
}
TECH = {
    "first_name": "Tom",
    "last_name": "Tech",
    "email": "tom@akamai.example",
    "phone": "+1 617 555 0101",
}
ORG = {
    "name": "Sandbox Demo Co",
    "address_line_one": "1 Example Street",
    "city": "Cambridge",
    "region": "MA",
    "postal_code": "02142",
    "country": "us",
    "phone": "+1 617 555 0100",
}


async def call(client: Client, name: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Call a tool that must succeed; return its structured content."""
    result = await client.call_tool(name, args, **kw)
    assert not result.is_error, f"{name}: {result.content[0].text}"
    assert result.structured_content is not None
    return result.structured_content


async def call_error(client: Client, name: str, args: dict[str, Any], **kw: Any) -> str:
    """Call a tool that must fail; return its error text."""
    result = await client.call_tool(name, args, **kw)
    assert result.is_error, f"{name} should have failed: {result.content[0].text}"
    return result.content[0].text


@dataclass
class Exchange:
    method: str
    route: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int
    response: Any
    content_type: str

    @property
    def target(self) -> str:
        return unquote(self.path) + (f"?{self.query}" if self.query else "")


@contextlib.contextmanager
def record_exchanges(sandbox: Any, families: tuple[str, ...]) -> Iterator[list[Exchange]]:
    """Record every request the sandbox answers for `families` (e.g. ("dns",)) while the
    block runs, by wrapping those routes' handlers; restores them afterwards."""
    seen: list[Exchange] = []
    routes = [r for r in sandbox.app.router.routes if r.family in families]
    originals = {id(r): r.handler for r in routes}

    def wrap(route: Any, handler: Any) -> Any:
        def recorded(req: Any) -> Any:
            body = json.loads(req.body) if req.body else None
            try:
                result = handler(req)
            except ApiProblem as exc:
                doc = exc.document(path=req.path, instance=req.instance)
                status, payload, ctype = exc.status, doc, "application/problem+json"
                seen.append(
                    Exchange(req.method, route.template, req.path, req.query_string,
                             dict(req.headers), body, status, payload, ctype)
                )  # fmt: skip
                raise
            response = result if isinstance(result, Response) else Response(result)
            seen.append(
                Exchange(req.method, route.template, req.path, req.query_string,
                         dict(req.headers), body, response.status, response.body,
                         response.content_type)
            )  # fmt: skip
            return result

        return recorded

    for route in routes:
        route.handler = wrap(route, route.handler)
    try:
        yield seen
    finally:
        for route in routes:
            route.handler = originals[id(route)]
