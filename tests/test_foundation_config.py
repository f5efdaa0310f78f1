"""Credentials from .edgerc sections and AKAMAI_* variables, and their error messages."""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustme

from alecs.config import (
    ConfigError,
    Credentials,
    describe_tls_trust,
    load_credentials,
    normalize_host,
    tls_verify_setting,
)
from alecs.transport import Transport, TransportError, TransportSettings

SECRETS = {
    "client_token": "akab-ctoken-SECRET-aaaa-1111",
    "client_secret": "SECRETsecretSECRETsecret0000=",
    "access_token": "akab-atoken-SECRET-bbbb-2222",
}
B_SECRETS = {
    "client_token": "akab-ctoken-BSECRET-cccc-3333",
    "client_secret": "BSECRETbsecretBSECRET9999=",
    "access_token": "akab-atoken-BSECRET-dddd-4444",
}
ALL_SECRETS = [*SECRETS.values(), *B_SECRETS.values()]

EDGERC = f"""
[default]
host = https://akab-default.luna.akamaiapis.net/
client_token = {SECRETS["client_token"]}
client_secret = {SECRETS["client_secret"]}
access_token = {SECRETS["access_token"]}
max-body = 4096

[customer-b]
host = akab-b.luna.akamaiapis.net
client_token = {B_SECRETS["client_token"]}
client_secret = {B_SECRETS["client_secret"]}
access_token = {B_SECRETS["access_token"]}
account-switch-key = 1-ABCDE:1-2RBL
headers_to_sign = X-One, X-Two
"""


@pytest.fixture
def edgerc(tmp_path: Path) -> Path:
    path = tmp_path / "edgerc"
    path.write_text(EDGERC)
    return path


def assert_no_secret(text: str) -> None:
    for secret in ALL_SECRETS:
        assert secret not in text


def test_two_sections_are_read_with_their_own_keys(edgerc: Path) -> None:
    default = load_credentials(edgerc=edgerc, env={})
    other = load_credentials(section="customer-b", edgerc=edgerc, env={})
    assert default.host == "akab-default.luna.akamaiapis.net"
    assert default.max_body == 4096
    assert default.account_key is None
    assert other.host == "akab-b.luna.akamaiapis.net"
    assert other.account_key == "1-ABCDE:1-2RBL"
    assert other.headers_to_sign == ("x-one", "x-two")
    assert other.max_body == 131072
    assert other.client_secret == B_SECRETS["client_secret"]


@pytest.mark.parametrize("key", ["account_key", "account_switch_key", "account-switch-key"])
def test_every_account_key_spelling_is_accepted(tmp_path: Path, key: str) -> None:
    path = tmp_path / "edgerc"
    path.write_text(EDGERC.replace("account-switch-key", key))
    assert load_credentials("customer-b", path, env={}).account_key == "1-ABCDE:1-2RBL"


def test_section_and_file_come_from_environment(edgerc: Path) -> None:
    env = {"AKAMAI_EDGERC": str(edgerc), "AKAMAI_SECTION": "customer-b"}
    assert load_credentials(env=env).host == "akab-b.luna.akamaiapis.net"


def test_environment_overrides_file_key_by_key(edgerc: Path) -> None:
    env = {
        "AKAMAI_CUSTOMER_B_HOST": "akab-override.luna.akamaiapis.net",
        "AKAMAI_CUSTOMER_B_ACCOUNT_KEY": "1-XYZ",
    }
    creds = load_credentials("customer-b", edgerc, env=env)
    assert creds.host == "akab-override.luna.akamaiapis.net"
    assert creds.account_key == "1-XYZ"
    assert creds.client_token == B_SECRETS["client_token"]
    default = load_credentials(edgerc=edgerc, env={"AKAMAI_HOST": "akab-env.luna.akamaiapis.net"})
    assert default.host == "akab-env.luna.akamaiapis.net"


def test_environment_alone_needs_no_file(tmp_path: Path) -> None:
    env = {
        "AKAMAI_HOST": "https://akab-env.luna.akamaiapis.net/",
        "AKAMAI_CLIENT_TOKEN": SECRETS["client_token"],
        "AKAMAI_CLIENT_SECRET": SECRETS["client_secret"],
        "AKAMAI_ACCESS_TOKEN": SECRETS["access_token"],
        "AKAMAI_EDGERC": str(tmp_path / "missing"),
    }
    creds = load_credentials(env=env)
    assert creds.host == "akab-env.luna.akamaiapis.net"
    assert creds.source == "env"


def test_ca_bundle_from_section_or_environment(edgerc: Path, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    creds = load_credentials(edgerc=edgerc, env={"AKAMAI_CA_BUNDLE": str(ca)})
    assert creds.ca_bundle == str(ca)
    with pytest.raises(ConfigError, match="ca_bundle"):
        load_credentials(edgerc=edgerc, env={"AKAMAI_CA_BUNDLE": str(tmp_path / "nope.pem")})


@pytest.mark.parametrize(
    "host",
    [
        "akab-x.luna.akamaiapis.net",
        "https://akab-x.luna.akamaiapis.net/",
        "http://akab-x.luna.akamaiapis.net",
        " akab-x.luna.akamaiapis.net// ",
    ],
)
def test_host_is_normalized(host: str) -> None:
    assert normalize_host(host) == "akab-x.luna.akamaiapis.net"


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nothere"
    with pytest.raises(ConfigError) as err:
        load_credentials(edgerc=missing, env={})
    assert str(missing) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_section_lists_existing_sections(edgerc: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_credentials("nosuch", edgerc, env={})
    message = str(err.value)
    assert "[nosuch]" in message and "default, customer-b" in message
    assert str(edgerc) in message


def test_missing_key_names_file_section_and_key(tmp_path: Path) -> None:
    path = tmp_path / "edgerc"
    path.write_text(EDGERC.replace(f"client_secret = {SECRETS['client_secret']}\n", ""))
    with pytest.raises(ConfigError) as err:
        load_credentials(edgerc=path, env={})
    message = str(err.value)
    assert str(path) in message and "[default]" in message and "'client_secret'" in message
    assert_no_secret(message)


@pytest.mark.parametrize(
    "text",
    [
        "host = before-any-section\n" + EDGERC,
        EDGERC + "\n[default]\nthis line has no equals sign\n",
    ],
)
def test_malformed_file_is_one_clear_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "edgerc"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_credentials(edgerc=path, env={})
    message = str(err.value)
    assert "malformed" in message and str(path) in message
    assert "\n" not in message
    assert_no_secret(message)


def test_malformed_line_is_named_by_its_number_only(tmp_path: Path) -> None:
    path = tmp_path / "edgerc"
    path.write_text(f"[default]\nhost = h\naccess_token {SECRETS['access_token']}\n")
    with pytest.raises(ConfigError) as err:
        load_credentials(edgerc=path, env={})
    message = str(err.value)
    assert f"{path}: malformed .edgerc at line 3:" in message and "key = value" in message
    assert_no_secret(message)


def test_bad_max_body_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "edgerc"
    path.write_text(EDGERC.replace("max-body = 4096", "max-body = lots"))
    with pytest.raises(ConfigError, match="max_body"):
        load_credentials(edgerc=path, env={})


def test_repr_str_and_summary_mask_secrets(edgerc: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    creds = load_credentials("customer-b", edgerc, env={})
    logging.getLogger("test").debug("loaded %s %r %s", creds, creds, creds.summary())
    for text in (repr(creds), str(creds), str(creds.summary()), caplog.text, f"{creds!r}"):
        assert_no_secret(text)
    assert "akab-b.luna.akamaiapis.net" in repr(creds)


def test_credentials_type_is_immutable() -> None:
    creds = Credentials("s", "h", "ct", "cs", "at")
    with pytest.raises(AttributeError):
        creds.host = "other"  # type: ignore[misc]


def test_tls_trust_is_the_section_bundle_then_ssl_cert_file_then_requests_ca_bundle(
    tmp_path: Path,
) -> None:
    section_ca, ssl_cert_file, requests_bundle = (tmp_path / f"{n}.pem" for n in "abc")
    for path in (section_ca, ssl_cert_file, requests_bundle):
        path.write_text("-----BEGIN CERTIFICATE-----\n")
    creds = Credentials("s", "h", "ct", "cs", "at")
    env = {"SSL_CERT_FILE": str(ssl_cert_file), "REQUESTS_CA_BUNDLE": str(requests_bundle)}
    with_bundle = dataclasses.replace(creds, ca_bundle=str(section_ca))
    assert tls_verify_setting(with_bundle, env) == str(section_ca)
    assert tls_verify_setting(creds, env) == str(ssl_cert_file)
    assert tls_verify_setting(creds, {"REQUESTS_CA_BUNDLE": str(requests_bundle)}) == str(
        requests_bundle
    )
    assert tls_verify_setting(creds, {"SSL_CERT_FILE": str(tmp_path / "gone.pem")}) is True
    assert tls_verify_setting(creds, {}) is True
    assert describe_tls_trust(creds, env) == f"{ssl_cert_file} (from SSL_CERT_FILE)"
    assert describe_tls_trust(creds, {}) == "system default"


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
async def test_the_transport_trusts_the_ca_named_by_the_environment(
    sandbox: Any, sandbox_credentials: Credentials, tmp_path: Path, monkeypatch, variable: str
) -> None:
    """Over real TLS to the sandbox: a section without ca_bundle trusts the variable's CA."""
    creds = dataclasses.replace(sandbox_credentials, ca_bundle=None)
    settings = TransportSettings(rate_limiting=False)
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)

    monkeypatch.setenv(variable, str(sandbox.ca_path))
    async with Transport([creds], settings) as t:
        response = await t.request("sandbox", "GET", "/papi/v1/contracts")
    assert response.status_code == 200

    monkeypatch.setenv(variable, str(other_ca))
    async with Transport([creds], settings) as t:
        with pytest.raises(TransportError) as info:
            await t.request("sandbox", "GET", "/papi/v1/contracts")
    assert info.value.kind == "tls"


def _alecs(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("AKAMAI_")}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "alecs", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_cli_config_check_prints_masked_values(edgerc: Path) -> None:
    result = _alecs("config", "check", "--section", "customer-b", "--edgerc", str(edgerc))
    assert result.returncode == 0, result.stderr
    assert "akab-b.luna.akamaiapis.net" in result.stdout
    assert "account_key" in result.stdout and "set" in result.stdout
    assert "max_body" in result.stdout and "131072" in result.stdout
    assert_no_secret(result.stdout + result.stderr)


def test_cli_config_check_names_the_ca_it_trusts(edgerc: Path, tmp_path: Path) -> None:
    corporate_ca = tmp_path / "corp-ca.pem"
    corporate_ca.write_text("-----BEGIN CERTIFICATE-----\n")
    result = _alecs(
        "config",
        "check",
        "--edgerc",
        str(edgerc),
        "--json",
        env_extra={"SSL_CERT_FILE": str(corporate_ca)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ca_bundle"] == f"{corporate_ca} (from SSL_CERT_FILE)"


def test_cli_config_check_missing_section_exits_2_with_one_line(edgerc: Path) -> None:
    result = _alecs("config", "check", "--section", "nosuch", "--edgerc", str(edgerc))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "default, customer-b" in lines[0]
    assert_no_secret(result.stdout + result.stderr)


def test_cli_version() -> None:
    result = _alecs("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("alecs ")
