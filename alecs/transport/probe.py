"""`probe()`: measure one fresh round trip to a section's host, phase by phase, right now.

Unlike normal calls, a probe bypasses the DNS cache and the pool on purpose: it resolves the name
with the resolver, opens a new TCP connection, does a TLS handshake (ALPN h2/http1.1) and sends
one signed GET, timing each phase. The answer's status does not matter (a 401 or 404 still
measures time to first byte); only network failures are reported as `error`.
"""

from __future__ import annotations

import time

import httpcore2
import httpx2
from pydantic import BaseModel

from alecs.transport.dns import Resolver, is_ip_literal
from alecs.transport.pool import SectionClient


class ProbeResult(BaseModel):
    """Timings of one fresh connection to a section's host, in milliseconds."""

    section: str
    host: str
    address: str | None = None
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    ttfb_ms: float | None = None
    total_ms: float | None = None
    http_version: str | None = None
    tls_version: str | None = None
    status: int | None = None
    proxy: str | None = None
    error: str | None = None


def split_host(host: str) -> tuple[str, int]:
    """`name:port` (or `[v6]:port`, or `name`) -> (name, port), port 443 by default."""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, int(rest[1:]) if rest.startswith(":") else 443
    if host.count(":") == 1:
        name, port = host.split(":")
        return name, int(port)
    return host, 443


def _ms(start: float, end: float) -> float:
    return round((end - start) * 1000, 3)


async def run_probe(
    section: SectionClient,
    resolver: Resolver,
    *,
    path: str = "/",
    io_timeout: float = 10.0,
    proxy: str | None = None,
) -> ProbeResult:
    name, port = split_host(section.host)
    result = ProbeResult(section=section.section, host=section.host, proxy=proxy)
    backend = httpcore2.AnyIOBackend()
    stream: httpcore2.AsyncNetworkStream | None = None
    phase = "dns"
    start = time.perf_counter()
    try:
        if is_ip_literal(name):
            addresses = [name.strip("[]")]
        else:
            addresses = list(await resolver(name, port))
        t_dns = time.perf_counter()
        result.dns_ms = _ms(start, t_dns)
        result.address = addresses[0]
        phase = "connect"
        stream = await backend.connect_tcp(addresses[0], port, timeout=io_timeout)
        t_connect = time.perf_counter()
        result.connect_ms = _ms(t_dns, t_connect)
        phase = "tls"
        context = section.ssl_context
        context.set_alpn_protocols(section.alpn_protocols)
        stream = await stream.start_tls(context, server_hostname=name, timeout=io_timeout)
        t_tls = time.perf_counter()
        result.tls_ms = _ms(t_connect, t_tls)
        ssl_object = stream.get_extra_info("ssl_object")
        alpn = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        result.tls_version = ssl_object.version() if ssl_object is not None else None
        origin = httpcore2.Origin(b"https", name.encode("ascii"), port)
        connection: httpcore2.AsyncConnectionInterface
        if alpn == "h2":
            connection = httpcore2.AsyncHTTP2Connection(origin=origin, stream=stream)
        else:
            connection = httpcore2.AsyncHTTP11Connection(origin=origin, stream=stream)
        stream = None  # owned by the connection now
        phase = "request"
        request = section.client.build_request("GET", path)
        section.auth.sign(request)
        url = request.url
        core_request = httpcore2.Request(
            method=b"GET",
            url=httpcore2.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            extensions={"timeout": {"read": io_timeout, "write": io_timeout}},
        )
        t_send = time.perf_counter()
        try:
            response = await connection.handle_async_request(core_request)
            t_first = time.perf_counter()
            result.ttfb_ms = _ms(t_send, t_first)
            result.status = response.status
            version = response.extensions.get("http_version", b"HTTP/1.1")
            result.http_version = version.decode("ascii", "replace")
            await response.aread()
            await response.aclose()
        finally:
            await connection.aclose()
        result.total_ms = _ms(start, time.perf_counter())
    except (OSError, httpcore2.TimeoutException, httpcore2.NetworkError) as exc:
        result.error = f"{phase} failed: {type(exc).__name__}: {exc}"
    except (httpcore2.ProtocolError, httpx2.HTTPError) as exc:
        result.error = f"{phase} failed: {type(exc).__name__}: {exc}"
    finally:
        if stream is not None:
            await stream.aclose()
    return result
