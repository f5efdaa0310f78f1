"""Run the sandbox: hypercorn over HTTPS (HTTP/2 and HTTP/1.1 by ALPN) in a background thread.

    from alecs.sandbox.runner import SandboxThread, SandboxSettings

    with SandboxThread(SandboxSettings(port=0, state_dir=tmp, rate_limits=False)) as sb:
        creds = sb.credentials()            # section "sandbox", ca_bundle = sb.ca_path
        sb.admin.counters()["routes"]["GET /papi/v1/contracts"]["count"]

`start()` returns once the socket is listening and the server accepts connections. The thread
runs its own event loop; `stop()` closes connections and joins it.

Files in the state directory: `ca.pem` (trust this), `ca-key.pem`, `server.pem`,
`server-key.pem`, `edgerc` (sections `[sandbox]` and `[sandbox-b]`, rewritten on every start
with the current port; the tokens stay the same) and, with `persist`, `sandbox.sqlite3`.
"""

from __future__ import annotations

import asyncio
import configparser
import contextlib
import logging
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alecs.config import Credentials
from alecs.sandbox import DEFAULT_PORT, seed
from alecs.sandbox.settings import SandboxSettings
from alecs.sandbox.tls import TlsFiles, atomic_write, ensure_tls
from alecs.sandbox.verify import ApiClient

logger = logging.getLogger("alecs.sandbox")

# At DEBUG, hpack logs every decoded HTTP/2 header in clear, the client's Authorization header
# (client token, access token, signature) included, and the encoded header blocks too. Keep the
# HTTP/2 libraries at WARNING whatever level `alecs sandbox --log-level` sets (as the transport
# does for the client side); our own `alecs.sandbox` logger reports requests without headers.
for _name in ("h2", "hpack"):
    logging.getLogger(_name).setLevel(logging.WARNING)

__all__ = ["DEFAULT_PORT", "SandboxSettings", "SandboxThread"]

EDGERC_FILE = "edgerc"
SECTION_A = "sandbox"
SECTION_B = "sandbox-b"


def default_state_dir() -> Path:
    """The user's data directory for the sandbox (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("alecs", appauthor=False)) / "sandbox"


def _token(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}-{secrets.token_hex(8)}"


def load_or_create_clients(state_dir: Path, headers_to_sign: Sequence[str] = ()) -> list[ApiClient]:
    """The two API clients, reusing the tokens of an existing `edgerc` in `state_dir`."""
    parser = configparser.RawConfigParser()
    path = state_dir / EDGERC_FILE
    if path.is_file():
        with contextlib.suppress(configparser.Error, OSError, UnicodeDecodeError):
            parser.read(path, encoding="utf-8")
    clients = []
    for section, account, can_switch in (
        (SECTION_A, seed.ACCOUNT_A, True),
        (SECTION_B, seed.ACCOUNT_B, False),
    ):
        values = dict(parser.items(section)) if parser.has_section(section) else {}
        clients.append(
            ApiClient(
                section=section,
                client_token=values.get("client_token") or _token("akab-sbx-client"),
                client_secret=values.get("client_secret") or secrets.token_urlsafe(32),
                access_token=values.get("access_token") or _token("akab-sbx-access"),
                account_id=account,
                can_switch_accounts=can_switch,
                headers_to_sign=tuple(h.strip().lower() for h in headers_to_sign),
            )
        )
    return clients


def write_edgerc(path: Path, clients: Sequence[ApiClient], host: str, ca_path: Path) -> None:
    lines = [
        "# alecs sandbox API clients (written by `alecs sandbox`; rewritten on each start).",
        f"# [{SECTION_A}]   account {seed.ACCOUNT_A} ({seed.ACCOUNT_NAMES[seed.ACCOUNT_A]}),",
        "#               may switch accounts with accountSwitchKey:",
    ]
    for key, account in seed.SWITCH_KEYS.items():
        lines.append(f"#                 {key}  ->  {account} ({seed.ACCOUNT_NAMES[account]})")
    lines.append(
        f"# [{SECTION_B}] account {seed.ACCOUNT_B} ({seed.ACCOUNT_NAMES[seed.ACCOUNT_B]}), "
        "a second API client without account switching."
    )
    for client in clients:
        lines += [
            "",
            f"[{client.section}]",
            f"host = {host}",
            f"client_token = {client.client_token}",
            f"client_secret = {client.client_secret}",
            f"access_token = {client.access_token}",
            f"max_body = {client.max_body}",
            f"ca_bundle = {ca_path}",
        ]
        if client.headers_to_sign:
            lines.append(f"headers_to_sign = {','.join(client.headers_to_sign)}")
    atomic_write(path, ("\n".join(lines) + "\n").encode(), mode=0o600)


class SandboxThread:
    """The sandbox server in a background thread with its own event loop."""

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self.settings = settings or SandboxSettings()
        self._tmpdir: str | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._sock: socket.socket | None = None
        self._admin: Any = None
        self.app: Any = None
        self.port = 0
        self.tls: TlsFiles | None = None
        self.clients: list[ApiClient] = []

    # -- public properties ----------------------------------------------------------------------

    @property
    def state_dir(self) -> Path:
        if self.settings.state_dir is not None:
            return Path(self.settings.state_dir)
        if self._tmpdir is None:
            self._tmpdir = tempfile.mkdtemp(prefix="alecs-sandbox-")
        return Path(self._tmpdir)

    @property
    def host(self) -> str:
        return f"{self.settings.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"https://{self.host}"

    @property
    def ca_path(self) -> Path:
        return self.state_dir / "ca.pem"

    @property
    def edgerc_path(self) -> Path:
        return self.state_dir / EDGERC_FILE

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._ready.is_set()

    def credentials(self, section: str = SECTION_A, account_key: str | None = None) -> Credentials:
        """Credentials for one of the sandbox's API clients, trusting the sandbox CA."""
        for client in self.clients:
            if client.section == section:
                return Credentials(
                    section=section,
                    host=self.host,
                    client_token=client.client_token,
                    client_secret=client.client_secret,
                    access_token=client.access_token,
                    account_key=account_key,
                    max_body=client.max_body,
                    headers_to_sign=client.headers_to_sign,
                    ca_bundle=str(self.ca_path),
                    source="sandbox",
                )
        known = ", ".join(c.section for c in self.clients) or "none (start() first)"
        raise KeyError(f"no sandbox section {section!r}; sections: {known}")

    @property
    def admin(self) -> Any:
        """A small synchronous client for the admin API (see `AdminClient`)."""
        if self._admin is None:
            from alecs.sandbox.admin import AdminClient

            self._admin = AdminClient(self.url, self.ca_path)
        return self._admin

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> SandboxThread:
        if self._thread is not None:
            raise RuntimeError("the sandbox is already started")
        from alecs.sandbox.app import SandboxApp
        from alecs.sandbox.state import DB_FILE, Store

        s = self.settings
        state_dir = self.state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self.tls = ensure_tls(state_dir)
        self.clients = load_or_create_clients(state_dir, s.headers_to_sign)
        if s.reset:  # back to the seed data: forget what an earlier --persist run kept
            for suffix in ("", "-wal", "-shm"):
                Path(f"{state_dir / DB_FILE}{suffix}").unlink(missing_ok=True)
        db_path = state_dir / DB_FILE if s.persist else None
        store = Store(db_path=db_path)
        self.app = SandboxApp(
            settings=s, clients=self.clients, store=store, switch_keys=seed.SWITCH_KEYS
        )
        family = socket.AF_INET6 if ":" in s.host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto says TCP, and without it Nagle + delayed ACK add ~40 ms to every response.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((s.host, s.port))
        except OSError as exc:
            sock.close()
            store.close()
            raise OSError(f"the sandbox cannot listen on {s.host}:{s.port}: {exc}") from None
        sock.listen(128)
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        write_edgerc(self.edgerc_path, self.clients, self.host, self.tls.ca_path)

        self._thread = threading.Thread(target=self._run, name="alecs-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"the sandbox did not start within {timeout} s")
        if self._error is not None:
            error = self._error
            self.stop()
            raise RuntimeError(f"the sandbox failed to start: {error}") from error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        thread = self._thread
        if thread is not None:
            loop, event = self._loop, self._stop_event
            if loop is not None and event is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(event.set)
            thread.join(timeout)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.app is not None:
            self.app.store.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        self._ready.clear()

    def __enter__(self) -> SandboxThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"SandboxThread(url={self.url!r}, state_dir={str(self.state_dir)!r})"

    # -- the server thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start() or logged
            if not self._ready.is_set():
                self._error = exc
                self._ready.set()
            else:
                logger.exception("the sandbox server stopped with an error")

    async def _serve(self) -> None:
        from hypercorn.asyncio.tcp_server import TCPServer
        from hypercorn.asyncio.worker_context import WorkerContext
        from hypercorn.config import Config
        from hypercorn.utils import wrap_app

        from alecs.sandbox.http1 import install_reason_phrases

        install_reason_phrases()

        assert self.tls is not None and self._sock is not None
        s = self.settings
        config = Config()
        config.certfile = str(self.tls.cert_path)
        config.keyfile = str(self.tls.key_path)
        config.alpn_protocols = ["h2", "http/1.1"]
        config.keep_alive_timeout = s.keep_alive_s
        # hypercorn closes a connection after 1,000 requests by default and drops the request
        # that crossed the limit; a client's pooled connection lives far longer than that.
        config.keep_alive_max_requests = 1_000_000
        config.graceful_timeout = s.graceful_timeout_s
        config.include_server_header = False
        config.accesslog = None
        config.errorlog = logging.getLogger("alecs.sandbox.hypercorn")
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._stop_event = asyncio.Event()
        context = WorkerContext(None)
        wrapped = wrap_app(self.app, config.wsgi_max_body_size, "asgi")
        tasks: set[asyncio.Task[Any]] = set()
        connections = self.app.connections

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            conn_sock = writer.get_extra_info("socket")
            if conn_sock is not None:
                with contextlib.suppress(OSError):
                    conn_sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = writer.get_extra_info("peername") or ("", 0)
            key = f"{peer[0]}:{peer[1]}"
            connections[key] = writer
            try:
                await TCPServer(wrapped, loop, config, context, {}, reader, writer)
            except asyncio.CancelledError:
                # stop() cancels busy connections; end the task normally, since asyncio's
                # stream callback (Python 3.11) logs a cancelled connection task as an error
                pass
            finally:
                connections.pop(key, None)
                tasks.discard(task)

        server = await asyncio.start_server(
            on_connection,
            sock=self._sock,
            ssl=config.create_ssl_context(),
            ssl_handshake_timeout=10.0,
            backlog=128,
        )
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            await context.terminated.set()
            server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)
            # Idle connections close now; busy ones get the graceful timeout, then are aborted.
            inflight = self.app.inflight
            for key, writer in list(connections.items()):
                if not inflight.get(key):
                    writer.close()
            if tasks:
                _done, pending = await asyncio.wait(set(tasks), timeout=s.graceful_timeout_s)
                if pending:
                    for writer in list(connections.values()):
                        writer.transport.abort()
                    _done, pending = await asyncio.wait(pending, timeout=0.5)
                for task in pending:
                    task.cancel()
