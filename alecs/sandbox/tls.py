"""The sandbox's local certificate authority and server certificate.

Generated once with trustme and kept in the state directory, so that clients can trust
`DIR/ca.pem` across restarts. The leaf certificate covers `localhost`, `127.0.0.1` and `::1`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
IDENTITIES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the CA certificate (what clients trust) and the server's chain and key."""

    ca_path: Path
    cert_path: Path
    key_path: Path


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def ensure_tls(state_dir: Path) -> TlsFiles:
    """Return the TLS files in `state_dir`, creating the CA and the leaf on first use."""
    state_dir.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(state_dir / CA_FILE, state_dir / CERT_FILE, state_dir / KEY_FILE)
    ca_key = state_dir / CA_KEY_FILE
    if all(p.is_file() and p.stat().st_size > 0 for p in (*_paths(files), ca_key)):
        return files

    import trustme  # only needed the first time

    ca = trustme.CA(organization_name="alecs sandbox")
    leaf = ca.issue_cert(*IDENTITIES, common_name="localhost")
    atomic_write(ca_key, ca.private_key_pem.bytes(), mode=0o600)
    atomic_write(files.key_path, leaf.private_key_pem.bytes(), mode=0o600)
    atomic_write(files.cert_path, b"".join(pem.bytes() for pem in leaf.cert_chain_pems))
    atomic_write(files.ca_path, ca.cert_pem.bytes())
    return files


def _paths(files: TlsFiles) -> tuple[Path, Path, Path]:
    return files.ca_path, files.cert_path, files.key_path
