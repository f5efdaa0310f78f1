"""Credentials for Akamai's EdgeGrid APIs: `.edgerc` sections and `AKAMAI_*` environment variables.

alecs calls an `.edgerc` section a *customer*. Where the values come from, in order:

1. The `.edgerc` file: `--edgerc`, else `AKAMAI_EDGERC`, else `~/.edgerc`; section `--section`,
   else `AKAMAI_SECTION`, else `default`.
2. Environment variables in Akamai's own convention override or replace the file:
   `AKAMAI_{SECTION}_HOST` etc. for a named section, `AKAMAI_HOST` etc. for the default one.
   With all of host, client_token, client_secret and access_token in the environment, no file is
   needed at all.

Errors are one line naming the file, the section and the key, and never a secret value.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MAX_BODY = 131072
SECRET_FIELDS = ("client_token", "client_secret", "access_token")
REQUIRED_KEYS = ("host", "client_token", "client_secret", "access_token")
ACCOUNT_KEY_NAMES = ("account_key", "account_switch_key")  # dashes are folded to underscores
ENV_KEYS = {
    "host": "HOST",
    "client_token": "CLIENT_TOKEN",
    "client_secret": "CLIENT_SECRET",
    "access_token": "ACCESS_TOKEN",
    "account_key": "ACCOUNT_KEY",
    "max_body": "MAX_BODY",
    "ca_bundle": "CA_BUNDLE",
}


class ConfigError(Exception):
    """A configuration problem, stated in one line that names file, section and key."""


def mask(value: str | None) -> str:
    """Show at most the last four characters of a secret, enough to tell two apart."""
    if not value:
        return "<unset>"
    if len(value) <= 8:
        return "****"
    return "****" + value[-4:]


def normalize_host(host: str) -> str:
    """`https://akab-x.luna.akamaiapis.net/` -> `akab-x.luna.akamaiapis.net`."""
    host = host.strip()
    for scheme in ("https://", "http://"):
        if host.lower().startswith(scheme):
            host = host[len(scheme) :]
    return host.rstrip("/")


@dataclass(frozen=True)
class Credentials:
    """One API client's credentials: an `.edgerc` section. repr and str never show a secret."""

    section: str
    host: str
    client_token: str = field(repr=False)
    client_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    account_key: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    headers_to_sign: tuple[str, ...] = ()
    ca_bundle: str | None = None
    source: str = "env"

    def __repr__(self) -> str:
        return (
            f"Credentials(section={self.section!r}, host={self.host!r}, "
            f"client_token={mask(self.client_token)!r}, client_secret='****', "
            f"access_token={mask(self.access_token)!r}, "
            f"account_key={'set' if self.account_key else None!r}, max_body={self.max_body}, "
            f"headers_to_sign={self.headers_to_sign!r}, ca_bundle={self.ca_bundle!r}, "
            f"source={self.source!r})"
        )

    __str__ = __repr__

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    def summary(self) -> dict[str, object]:
        """What `alecs config check` prints: everything useful, secrets masked."""
        return {
            "section": self.section,
            "source": self.source,
            "host": self.host,
            "client_token": mask(self.client_token),
            "client_secret": "****",
            "access_token": mask(self.access_token),
            "account_key": "set" if self.account_key else "not set",
            "max_body": self.max_body,
            "headers_to_sign": list(self.headers_to_sign),
            "ca_bundle": self.ca_bundle or "system default",
        }


def default_edgerc_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("AKAMAI_EDGERC") or "~/.edgerc").expanduser()


def default_section(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("AKAMAI_SECTION") or "default"


def _env_prefix(section: str) -> str:
    if section == "default":
        return "AKAMAI_"
    return "AKAMAI_" + section.upper().replace("-", "_") + "_"


def _env_values(section: str, env: Mapping[str, str]) -> dict[str, str]:
    prefix = _env_prefix(section)
    values: dict[str, str] = {}
    for key, suffix in ENV_KEYS.items():
        value = env.get(prefix + suffix)
        if value:
            values[key] = value
    if "account_key" not in values and env.get(prefix + "ACCOUNT_SWITCH_KEY"):
        values["account_key"] = env[prefix + "ACCOUNT_SWITCH_KEY"]
    return values


class _EdgeRcParser(configparser.RawConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr.strip().lower().replace("-", "_")


def read_edgerc(path: Path) -> _EdgeRcParser:
    """Parse an `.edgerc` file, raising ConfigError with a one-line reason."""
    if not path.exists():
        raise ConfigError(f"{path}: file not found (set --edgerc or AKAMAI_EDGERC)")
    if not path.is_file():
        raise ConfigError(f"{path}: not a file")
    parser = _EdgeRcParser(default_section="\x00none", interpolation=None, strict=False)
    try:
        with path.open(encoding="utf-8") as fh:
            parser.read_file(fh)
    except configparser.MissingSectionHeaderError:
        raise ConfigError(
            f"{path}: malformed .edgerc: text before the first [section] header"
        ) from None
    except configparser.ParsingError as exc:
        # Name the line numbers only: the lines themselves may hold a secret.
        numbers = [str(number) for number, _line in exc.errors[:5]]
        where = f"line{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"
        raise ConfigError(
            f"{path}: malformed .edgerc at {where}: expected 'key = value' or a [section] header"
        ) from None
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        where = f" at line {line}" if line else ""
        raise ConfigError(f"{path}: malformed .edgerc{where}: {type(exc).__name__}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {type(exc).__name__}") from None
    return parser


def list_sections(path: Path | None = None, env: Mapping[str, str] | None = None) -> list[str]:
    """Sections of the `.edgerc` file (empty when there is none)."""
    env = os.environ if env is None else env
    path = path or default_edgerc_path(env)
    if not path.exists():
        return []
    return read_edgerc(path).sections()


def _parse_int(value: str, *, where: str, key: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{where}: key '{key}' must be an integer, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{where}: key '{key}' must be positive")
    return number


def load_credentials(
    section: str | None = None,
    edgerc: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Credentials:
    """Credentials for one section, from the `.edgerc` file and `AKAMAI_*` variables.

    Environment variables win over the file, key by key. When the environment alone has the
    four required keys the file is optional.
    """
    env = os.environ if env is None else env
    section = section or default_section(env)
    path = Path(edgerc).expanduser() if edgerc else default_edgerc_path(env)
    env_values = _env_values(section, env)
    have_all_in_env = all(k in env_values for k in REQUIRED_KEYS)

    file_values: dict[str, str] = {}
    source = "env"
    if path.exists():
        parser = read_edgerc(path)
        if parser.has_section(section):
            file_values = {k: v.strip() for k, v in parser.items(section)}
            source = f"{path} + env" if env_values else str(path)
        elif not have_all_in_env:
            existing = ", ".join(parser.sections()) or "none"
            raise ConfigError(f"{path}: section [{section}] not found; sections: {existing}")
    elif not have_all_in_env:
        if env_values:
            missing = next(k for k in REQUIRED_KEYS if k not in env_values)
            raise ConfigError(
                f"environment [{section}]: missing key '{missing}' "
                f"({_env_prefix(section)}{ENV_KEYS[missing]}) and {path} does not exist"
            )
        raise ConfigError(
            f"{path}: file not found and no {_env_prefix(section)}* credentials in the "
            "environment (set --edgerc or AKAMAI_EDGERC)"
        )

    values = {**file_values, **env_values}
    where = f"{path} [{section}]" if file_values else f"environment [{section}]"
    for key in REQUIRED_KEYS:
        if not values.get(key):
            raise ConfigError(f"{where}: missing key '{key}'")

    account_key = values.get("account_key")
    if not account_key:
        for name in ACCOUNT_KEY_NAMES:
            if values.get(name):
                account_key = values[name]
                break

    max_body = DEFAULT_MAX_BODY
    if values.get("max_body"):
        max_body = _parse_int(values["max_body"], where=where, key="max_body")

    headers_raw = values.get("headers_to_sign", "")
    headers = tuple(
        h.strip().lower()
        for h in headers_raw.split(",")
        if h.strip() and h.strip().lower() != "none"
    )

    ca_bundle = values.get("ca_bundle") or env.get("AKAMAI_CA_BUNDLE") or None
    if ca_bundle:
        ca_path = Path(ca_bundle).expanduser()
        if not ca_path.is_file():
            raise ConfigError(f"{where}: key 'ca_bundle' points to a missing file: {ca_path}")
        ca_bundle = str(ca_path)

    return Credentials(
        section=section,
        host=normalize_host(values["host"]),
        client_token=values["client_token"],
        client_secret=values["client_secret"],
        access_token=values["access_token"],
        account_key=account_key or None,
        max_body=max_body,
        headers_to_sign=headers,
        ca_bundle=ca_bundle,
        source=source,
    )


def tls_verify_setting(creds: Credentials, env: Mapping[str, str] | None = None) -> str | bool:
    """What to trust for TLS: the section's CA bundle, else SSL_CERT_FILE/REQUESTS_CA_BUNDLE,
    else the system store (True). Verification is never turned off."""
    return _tls_trust(creds, env)[0]


def describe_tls_trust(creds: Credentials, env: Mapping[str, str] | None = None) -> str:
    """What `tls_verify_setting` trusts, in words (for `alecs config check`)."""
    verify, source = _tls_trust(creds, env)
    if verify is True:
        return "system default"
    return f"{verify} (from {source})"


def _tls_trust(
    creds: Credentials, env: Mapping[str, str] | None = None
) -> tuple[str | bool, str | None]:
    env = os.environ if env is None else env
    if creds.ca_bundle:
        return creds.ca_bundle, "ca_bundle or AKAMAI_CA_BUNDLE"
    for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = env.get(var)
        if value and Path(value).is_file():
            return value, var
    return True, None
