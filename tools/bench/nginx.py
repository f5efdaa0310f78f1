"""The native target: nginx (Debian package) on loopback with TLS and HTTP/2, serving canned JSON.

It measures the clients alone: nginx answers a small GET in microseconds, so what remains is the
client's own cost. The benchmark starts it with its own config in a temporary directory (a free
port on 127.0.0.1, a trustme certificate for `localhost` and `127.0.0.1`) and stops it at the end.
The large rule tree is served compressed from precompressed siblings (`brotli_static` when the
Debian module is installed, else `gzip_static`), and uncompressed from a second location.
nginx does not check EdgeGrid signatures; the clients still sign every request.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import trustme

from tools.bench.payloads import LARGE_IDENTITY_PATH, LARGE_PATH, SMALL_PATH, write_payloads

BROTLI_STATIC_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_certs(root: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a leaf for localhost/127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    ca_path, cert_path, key_path = root / "ca.pem", root / "cert.pem", root / "key.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    leaf.private_key_pem.write_to_path(str(key_path))
    with cert_path.open("wb") as fh:
        for blob in leaf.cert_chain_pems:
            fh.write(blob.bytes())
    return ca_path, cert_path, key_path


CONFIG = """\
{load_modules}
worker_processes 1;
user root root;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/json;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    http2_max_concurrent_streams 128;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache off;
        gzip off;
        location = {small} {{ alias {root}/www/small.json; }}
        location = {large} {{
            gzip_static on;
            {brotli_static}
            alias {root}/www/large.json;
        }}
        location = {identity} {{ alias {root}/www/large.json; }}
        location / {{ return 404 '{{"title":"Not Found","status":404}}'; }}
    }}
}}
"""


class NginxTarget:
    """nginx serving the canned payloads over TLS + HTTP/2 on 127.0.0.1."""

    name = "nginx"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = 0
        self.ca_path = root / "ca.pem"
        self.brotli = BROTLI_STATIC_MODULE.exists()
        self.sizes: dict[str, int] = {}
        self._proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return nginx_binary() is not None

    def start(self) -> NginxTarget:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        write_certs(self.root)
        self.sizes = write_payloads(self.root / "www")
        self.port = free_port()
        config = CONFIG.format(
            root=self.root,
            port=self.port,
            load_modules=f"load_module {BROTLI_STATIC_MODULE};" if self.brotli else "",
            brotli_static="brotli_static on;" if self.brotli else "",
            small=SMALL_PATH,
            large=LARGE_PATH,
            identity=LARGE_IDENTITY_PATH,
        )
        conf = self.root / "nginx.conf"
        conf.write_text(config)
        self._proc = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(self.root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise RuntimeError(f"nginx failed to start: {err.strip()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start listening within 10 s")

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()  # SIGTERM: fast shutdown of master and worker
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._proc = None
