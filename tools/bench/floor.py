"""The floor: the least a client can do to get a response, to measure the target's service time.

A raw TLS socket speaking HTTP/1.1 keep-alive: one pre-built request per call (EdgeGrid-signed
afresh, since the sandbox rejects replayed nonces), the response read by Content-Length and
never decoded or parsed. Its p50 at RTT 0 through the latency proxy is the target's own service
time plus loopback and proxy hops: the "physical limit" of a call is RTT plus that.
`pipelined()` sends a burst of requests in one write on one connection and reads the answers:
the service time of a whole burst.
"""

from __future__ import annotations

import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from akamai.edgegrid.edgegrid import EdgeGridAuthHeaders, eg_timestamp

from alecs.config import Credentials


@dataclass
class _Signable:
    method: str
    url: str
    headers: Any
    body: bytes


class FloorClient:
    """Minimal HTTP/1.1-over-TLS client (blocking). Not a product: a measuring stick."""

    def __init__(self, creds: Credentials, *, connect_host: str = "127.0.0.1") -> None:
        self.creds = creds
        host, _, port = creds.host.rpartition(":")
        self.hostname = host
        self.port = int(port)
        self.connect_host = connect_host
        self._signer = EdgeGridAuthHeaders(
            creds.client_token, creds.client_secret, creds.access_token, max_body=creds.max_body
        )
        self._ctx = ssl.create_default_context(cafile=creds.ca_bundle)
        self._ctx.set_alpn_protocols(["http/1.1"])
        self._sock: ssl.SSLSocket | None = None
        self._buf = bytearray()

    def connect(self) -> None:
        raw = socket.create_connection((self.connect_host, self.port), timeout=30)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = self._ctx.wrap_socket(raw, server_hostname=self.hostname)
        self._buf = bytearray()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def request_bytes(
        self, path: str, params: dict[str, Any] | None = None, accept_encoding: str = "identity"
    ) -> bytes:
        target = path + ("?" + urlencode(params) if params else "")
        url = f"https://{self.creds.host}{target}"
        auth = self._signer.make_auth_header(
            _Signable("GET", url, {}, b""), eg_timestamp(), uuid.uuid4()
        )
        return (
            f"GET {target} HTTP/1.1\r\nHost: {self.creds.host}\r\n"
            f"Accept-Encoding: {accept_encoding}\r\nAuthorization: {auth}\r\n\r\n"
        ).encode()

    def _fill(self) -> None:
        assert self._sock is not None
        data = self._sock.recv(262144)
        if not data:
            raise ConnectionError("connection closed by the target")
        self._buf += data

    def read_response(self) -> tuple[int, int]:
        """Read one response; return (status, body bytes)."""
        while (end := self._buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        head = bytes(self._buf[:end]).decode("latin-1").split("\r\n")
        del self._buf[: end + 4]
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(self._buf) < length:
                self._fill()
            del self._buf[:length]
            return status, length
        if headers.get("transfer-encoding", "").lower() == "chunked":
            total = 0
            while True:
                while (eol := self._buf.find(b"\r\n")) < 0:
                    self._fill()
                size = int(bytes(self._buf[:eol]).split(b";")[0], 16)
                del self._buf[: eol + 2]
                while len(self._buf) < size + 2:
                    self._fill()
                del self._buf[: size + 2]
                total += size
                if size == 0:
                    return status, total
        raise ValueError("response without Content-Length or chunked encoding")

    def get(
        self, path: str, params: dict[str, Any] | None = None, accept_encoding: str = "identity"
    ) -> tuple[int, int]:
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        self._sock.sendall(self.request_bytes(path, params, accept_encoding))
        return self.read_response()

    def pipelined(
        self, path: str, count: int, params: dict[str, Any] | None = None
    ) -> tuple[float, list[int]]:
        """Send `count` requests in one write, read all answers: (seconds, statuses)."""
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        blob = b"".join(self.request_bytes(path, {**(params or {}), "n": i}) for i in range(count))
        start = time.perf_counter()
        self._sock.sendall(blob)
        statuses = [self.read_response()[0] for _ in range(count)]
        return time.perf_counter() - start, statuses
