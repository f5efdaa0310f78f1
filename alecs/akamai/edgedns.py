"""Edge DNS (config-dns v2) client: zones, record sets and change lists over `Transport.request`.

    dns = EdgeDnsClient(transport, "default", account_switch_key=None)
    page = await dns.list_zones(search="example", types=["PRIMARY"])
    rs = RecordSet.build("example.com", "www", "A", 300, ["192.0.2.10"])   # validated, normalized
    result = await dns.upsert_record_set("example.com", rs)               # created / replaced
    result.soa_serial_before, result.soa_serial_after                      # the serial bump

What it takes care of (and what the tools above it need not know):

- paths under `/config-dns/v2`: `/zones`, `/zones/{zone}`, `/zones/{zone}/recordsets`,
  `/zones/{zone}/names/{name}/types/{type}`, `/changelists`;
- pagination (`page`, `pageSize`, `showAll`) and filters (`search`, `types`, `contractIds`);
- record names: relative (`www`, `_acme-challenge.www`), `@`, or fully qualified
  (`www.example.com` or with a trailing dot) all become the FQDN Edge DNS uses in paths and
  bodies (`www.example.com`); a dotted name outside the zone (`shop.example.co` in
  `example.com`) is refused naming the zone, never silently made `shop.example.co.example.com`;
- rdata in the form Edge DNS stores and returns (`canonical_rdata`): targets lower-case with a
  trailing dot, IPv6 compressed, TXT quoted, CAA `flags tag "value"`; CNAME, MX, NS, PTR and SRV
  targets must be host names (an IP address is refused naming the field);
- rdata checked and normalized per type before anything is sent (`validate_record_set`): A needs
  IPv4, AAAA IPv6, a CNAME one target and not at the apex, MX "preference host", SRV
  "priority weight port target", TXT quoting and 255-byte strings, CAA 'flags tag "value"';
  problems raise `RecordValidationError` naming the field (`rdata[1]`, `name`, `type`);
- upsert: create (POST) when the record set is absent, replace (PUT) when present, nothing when
  it is identical; the zone's SOA serial is read before and after so the bump is visible;
- a new PRIMARY zone gets Edge DNS's default SOA and NS records through a change list (create,
  then submit), as Akamai's own tools do.

Errors: Edge DNS problem documents come up as `alecs.transport.errors.AkamaiApiError`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar
from urllib.parse import quote

from pydantic import AfterValidator, BaseModel, Field

from alecs.akamai._base import AkamaiInputError, AkamaiModel, ServiceClient, reconcile
from alecs.akamai.plan import PlanChange, PlannedRequest, WritePlan
from alecs.akamai.plan import request as plan_request
from alecs.transport.errors import AkamaiApiError

if TYPE_CHECKING:
    pass

BASE = "/config-dns/v2"
ZONE_TYPES = ("PRIMARY", "SECONDARY", "ALIAS")
ZoneType = Literal["PRIMARY", "SECONDARY", "ALIAS"]
MAX_PAGE_SIZE = 1000
MAX_TTL = 2_147_483_647

# Record types Edge DNS serves (SOA is managed by Edge DNS and not written through upsert).
RECORD_TYPES = (
    "A",
    "AAAA",
    "AFSDB",
    "AKAMAICDN",
    "AKAMAITLC",
    "CAA",
    "CERT",
    "CNAME",
    "DNSKEY",
    "DS",
    "HINFO",
    "HTTPS",
    "LOC",
    "MX",
    "NAPTR",
    "NS",
    "PTR",
    "RP",
    "SOA",
    "SPF",
    "SRV",
    "SSHFP",
    "SVCB",
    "TLSA",
    "TXT",
    "ZONEMD",
)
WRITABLE_TYPES = tuple(t for t in RECORD_TYPES if t not in ("SOA", "AKAMAITLC"))
MAX_TXT_STRING = 255

_LABEL = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?)$")


class RecordValidationError(AkamaiInputError):
    """A record set (or zone name) that Edge DNS would refuse: names the field."""


# ---------------------------------------------------------------------------------------------
# Models (Edge DNS camelCase in, snake_case out)


class DnsModel(AkamaiModel):
    """Reads Edge DNS's camelCase members into snake_case fields."""


def with_ctr(value: str | None) -> str | None:
    """Contract ids as PAPI writes them (`ctr_1-5SBXC1`); Edge DNS and CPS drop the prefix."""
    if not value:
        return value
    text = str(value).strip()
    return text if text.startswith("ctr_") else f"ctr_{text}"


class Zone(DnsModel):
    zone: str
    type: str
    contract_id: Annotated[str | None, AfterValidator(with_ctr)] = Field(
        None, description="ctr_... (Edge DNS itself writes it without the prefix)."
    )
    activation_state: str | None = None
    comment: str | None = None
    version_id: str | None = None
    last_modified_date: str | None = None
    last_modified_by: str | None = None
    last_activation_date: str | None = None
    alias_count: int | None = None
    sign_and_serve: bool | None = None
    sign_and_serve_algorithm: str | None = None
    masters: list[str] | None = Field(None, description="SECONDARY zones: the primaries.")
    target: str | None = Field(None, description="ALIAS zones: the zone copied.")
    end_customer_id: str | None = None


class ZonePage(BaseModel):
    zones: list[Zone]
    page: int
    page_size: int
    total: int


class RecordSet(BaseModel):
    """One record set: every record with the same name and type (Edge DNS's unit of change)."""

    name: str = Field(description="Fully qualified name, e.g. www.example.com.")
    type: str
    ttl: int
    rdata: list[str]

    @classmethod
    def build(cls, zone: str, name: str, type: str, ttl: int, rdata: Sequence[str]) -> RecordSet:
        """A validated, normalized record set for `zone` (see `validate_record_set`)."""
        return validate_record_set(zone, name, type, ttl, rdata)

    def body(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "ttl": self.ttl, "rdata": list(self.rdata)}

    def same_as(self, other: RecordSet | None) -> bool:
        """Same TTL and the same records (order and letter case of names do not matter)."""
        if other is None:
            return False
        return (
            self.name.lower() == other.name.lower()
            and self.type == other.type
            and self.ttl == other.ttl
            and sorted(_canonical(v, self.type) for v in self.rdata)
            == sorted(_canonical(v, self.type) for v in other.rdata)
        )


class RecordSetPage(BaseModel):
    zone: str
    record_sets: list[RecordSet]
    page: int
    page_size: int
    total: int
    types: list[str] = Field(default_factory=list)


class UpsertResult(BaseModel):
    action: Literal["created", "replaced", "unchanged"]
    record_set: RecordSet
    previous: RecordSet | None = None
    soa_serial_before: int | None = None
    soa_serial_after: int | None = None


class DeleteResult(BaseModel):
    deleted: RecordSet
    soa_serial_before: int | None = None
    soa_serial_after: int | None = None


# ---------------------------------------------------------------------------------------------
# Names and rdata


def normalize_zone(value: str, field: str = "zone") -> str:
    """`Example.COM.` -> `example.com`; raises RecordValidationError when it is not a name."""
    text = _strip_scheme(str(value)).strip().lower().rstrip(".")
    if not text or "." not in text or not _valid_name(text):
        raise RecordValidationError(field, f"{value!r} is not a zone name", "like example.com")
    return text


def zone_type_settings(
    type: str, masters: Sequence[str] | None = None, target: str | None = None
) -> tuple[list[str], str | None]:
    """The rules of a zone's type, checked before anything is sent.

    A SECONDARY zone needs ``masters`` (IP addresses of its primary nameservers) and only it
    has them; an ALIAS zone needs ``target`` (the zone it copies) and only it has one. Returns
    the masters stripped and the target normalized; raises RecordValidationError naming the
    field.
    """
    cleaned = [m.strip() for m in masters or []]
    if type == "SECONDARY":
        if not cleaned:
            raise RecordValidationError("masters", "a SECONDARY zone needs its primary nameservers")
        for i, m in enumerate(cleaned):
            try:
                ipaddress.ip_address(m)
            except ValueError:
                raise RecordValidationError(
                    f"masters[{i}]", f"{masters[i]!r} is not an IP address", "192.0.2.53"
                ) from None
    elif cleaned:
        raise RecordValidationError("masters", f"only SECONDARY zones have masters, not {type}")
    if type == "ALIAS":
        if not target:
            raise RecordValidationError("target", "an ALIAS zone needs the zone it copies")
        target = normalize_zone(target, "target")
    elif target:
        raise RecordValidationError("target", f"only ALIAS zones have a target, not {type}")
    return cleaned, target


def record_fqdn(name: str, zone: str, field: str = "name") -> str:
    """A record name as Edge DNS wants it (FQDN, no trailing dot).

    Accepted: `@` or empty (the apex), one label relative to the zone (`www`), a name ending with
    the zone (`www.example.com`, with or without a trailing dot), and a relative name with at
    most one label after its last service label (`_acme-challenge.www`, `sel._domainkey`,
    `_sip._tcp`). Refused, naming
    the zone: any other dotted name that does not end with the zone (`shop.example.co` in
    `example.com` is a typo or another zone, never `shop.example.co.example.com`), and an
    absolute name (trailing dot) outside the zone.
    """
    zone = zone.lower().rstrip(".")
    text = str(name).strip().lower()
    if text in ("", "@"):
        return zone
    absolute = text.endswith(".")
    text = text[:-1] if absolute else text
    if text.endswith(".") or text.startswith(".") or ".." in text:
        raise RecordValidationError(
            field, f"{name!r} has an empty label", "like www or www." + zone
        )
    inside = text == zone or text.endswith("." + zone)
    if not inside and (absolute or not _relative_ok(text)):
        raise RecordValidationError(
            field,
            f"{name!r} is not in zone {zone}",
            f"a name in zone {zone}: one label relative to it (www), the full name "
            f"(www.{zone}) or @ for the apex; a dotted name is taken as fully qualified, so "
            f"write {text}.{zone} if that is really meant, or use the zone {text} belongs to",
        )
    fqdn = text if inside else f"{text}.{zone}"
    if len(fqdn) > 253 or not _valid_name(fqdn, wildcard=True):
        raise RecordValidationError(
            field,
            f"{name!r} is not a valid DNS name",
            "labels of letters, digits, '-' or '_' (1-63 characters); '*' only as first label",
        )
    return fqdn


def _relative_ok(text: str) -> bool:
    """A relative name that cannot be a fully qualified name misread: at most one label after
    the last service label (`www`, `_dmarc`, `_acme-challenge.www`, `sel._domainkey`,
    `_sip._tcp`); `shop.example.co` or `www.eu` could be names in other zones."""
    labels = text.split(".")
    service = [i for i, label in enumerate(labels) if label.startswith("_")]
    after = len(labels) - (service[-1] + 1 if service else 0)
    return after <= 1


def relative_name(fqdn: str, zone: str) -> str:
    """`www.example.com` in `example.com` -> `www`; the apex -> `@`."""
    fqdn, zone = fqdn.lower().rstrip("."), zone.lower().rstrip(".")
    if fqdn == zone:
        return "@"
    return fqdn[: -(len(zone) + 1)] if fqdn.endswith("." + zone) else fqdn


def _strip_scheme(text: str) -> str:
    return re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text.strip(), flags=re.I).split("/", 1)[0]


def _valid_name(name: str, *, wildcard: bool = False) -> bool:
    labels = name.split(".")
    for i, label in enumerate(labels):
        if label == "*" and wildcard and i == 0:
            continue
        if not _LABEL.match(label):
            return False
    return True


def canonical_rdata(rtype: str, value: str) -> str:
    """One rdata value the way Edge DNS stores and returns it.

    Host names lower-case and fully qualified with a trailing dot (CNAME, NS, PTR, MX and SRV
    targets), AKAMAICDN edge hostnames without the dot, IPv6 compressed (`2001:db8::10`), TXT
    and SPF as quoted character strings, CAA as `flags tag "value"`, other types with their
    whitespace collapsed. A value that would not validate is only whitespace-collapsed, so
    records written by other tools still compare.
    """
    rtype = str(rtype).strip().upper()
    try:
        return _validate_one(rtype, value, "rdata")
    except RecordValidationError:
        text = " ".join(str(value).split())
        return text.lower() if rtype in _CASELESS else text


_CASELESS = frozenset({"A", "AAAA", "AKAMAICDN", "CNAME", "MX", "NS", "PTR", "SRV"})


def _canonical(value: str, rtype: str = "") -> str:
    """Comparable form of one rdata (see `canonical_rdata`)."""
    return canonical_rdata(rtype, value)


_HOST_TARGET_TYPES = {"CNAME": "CNAME target", "NS": "name server", "PTR": "PTR target"}


def _target(value: str, field: str, *, what: str = "target") -> str:
    """A hostname in rdata, fully qualified with a trailing dot (`www.example.com.`).

    An IP address is refused: CNAME, MX, NS, SRV and PTR point at names (use an A or AAAA
    record for an address).
    """
    text = value.strip().lower()
    bare = text.rstrip(".")
    try:
        ipaddress.ip_address(bare.strip("[]"))
    except ValueError:
        pass
    else:
        raise RecordValidationError(
            field,
            f"{value!r} is an IP address; a {what} must be a host name",
            "a hostname like www.example.net (for an address use an A or AAAA record)",
        )
    if not bare or "." not in bare or not _valid_name(bare) or bare.rsplit(".", 1)[1].isdigit():
        raise RecordValidationError(
            field,
            f"{value!r} is not a fully qualified {what}",
            "a hostname like www.example.net (a trailing dot is added)",
        )
    return bare + "."


def _uint16(text: str, field: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise RecordValidationError(field, f"{what} {text!r} is not a number 0-65535")
    return int(text)


def _txt(value: str, field: str) -> str:
    """TXT/SPF rdata in master-file form: one or more quoted strings of at most 255 bytes.

    Unquoted text is quoted (quotes and backslashes escaped) and split into 255-byte strings;
    quoted input is checked as given.
    """
    text = value.strip()
    if not text:
        raise RecordValidationError(field, "empty TXT value", 'text, or "quoted strings"')
    if text.startswith('"'):
        strings = _parse_quoted(text, field)
    else:
        strings = _split_bytes(text)
    for s in strings:
        if len(s.encode()) > MAX_TXT_STRING:
            raise RecordValidationError(
                field,
                f"a TXT string is {len(s.encode())} bytes; each quoted string holds at most 255",
                'split long values into several "quoted" "strings" (or pass unquoted text)',
            )
    return " ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in strings)


def _parse_quoted(text: str, field: str) -> list[str]:
    strings: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] != '"':
            raise RecordValidationError(
                field,
                f"unexpected text after a quoted string at position {i}",
                'either unquoted text or only "quoted" "strings"',
            )
        i += 1
        buf: list[str] = []
        while True:
            if i >= n:
                raise RecordValidationError(field, "unbalanced quotes", 'like "v=spf1 -all"')
            ch = text[i]
            if ch == "\\" and i + 1 < n:
                buf.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                i += 1
                break
            buf.append(ch)
            i += 1
        strings.append("".join(buf))
    return strings


def _split_bytes(text: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:
        width = len(ch.encode())
        if size + width > MAX_TXT_STRING:
            out.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    out.append("".join(current))
    return out


def txt_strings(rdata: str) -> list[str]:
    """The character strings of one TXT rdata (`'"a" "b"'` -> `['a', 'b']`)."""
    text = rdata.strip()
    if not text.startswith('"'):
        return [text]
    try:
        return _parse_quoted(text, "rdata")
    except RecordValidationError:
        return [text]


def _validate_one(rtype: str, value: str, field: str) -> str:
    if not isinstance(value, str):
        raise RecordValidationError(field, "must be a string")
    text = value.strip()
    if not text:
        raise RecordValidationError(field, "empty value")
    if rtype == "A":
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            raise RecordValidationError(
                field, f"{value!r} is not an IPv4 address", "like 192.0.2.10"
            ) from None
    if rtype == "AAAA":
        try:
            return str(ipaddress.IPv6Address(text))
        except ValueError:
            raise RecordValidationError(
                field, f"{value!r} is not an IPv6 address", "like 2001:db8::10"
            ) from None
    if rtype in _HOST_TARGET_TYPES:
        return _target(text, field, what=_HOST_TARGET_TYPES[rtype])
    if rtype == "AKAMAICDN":
        return _target(text, field, what="edge hostname").rstrip(".")
    if rtype == "MX":
        parts = text.split()
        if len(parts) != 2:
            raise RecordValidationError(
                field, f"{value!r} is not 'preference host'", "like '10 mx1.example.com.'"
            )
        pref = _uint16(parts[0], field, "preference")
        host = "." if parts[1] == "." else _target(parts[1], field, what="mail host")
        return f"{pref} {host}"
    if rtype == "SRV":
        parts = text.split()
        if len(parts) != 4:
            raise RecordValidationError(
                field,
                f"{value!r} is not 'priority weight port target'",
                "like '10 60 5060 sip.example.com.'",
            )
        names = ("priority", "weight", "port")
        nums = [_uint16(p, field, w) for p, w in zip(parts[:3], names, strict=True)]
        host = "." if parts[3] == "." else _target(parts[3], field, what="SRV target")
        return " ".join(str(n) for n in nums) + " " + host
    if rtype in ("TXT", "SPF"):
        return _txt(text, field)
    if rtype == "CAA":
        m = re.fullmatch(r"(\d{1,3})\s+([A-Za-z0-9]+)\s+(.+)", text)
        if not m or int(m.group(1)) > 255:
            raise RecordValidationError(
                field, f"{value!r} is not 'flags tag value'", "like '0 issue \"letsencrypt.org\"'"
            )
        caa_value = m.group(3).strip()
        if caa_value.startswith('"'):
            if len(caa_value) < 2 or not caa_value.endswith('"'):
                raise RecordValidationError(field, "unbalanced quotes in the CAA value")
            caa_value = caa_value[1:-1]
        return f'{int(m.group(1))} {m.group(2).lower()} "{caa_value}"'
    return " ".join(text.split())


def validate_record_set(
    zone: str, name: str, type: str, ttl: int, rdata: Sequence[str]
) -> RecordSet:
    """Check and normalize a record set for `zone`; raise RecordValidationError naming the
    field (`zone`, `name`, `type`, `ttl`, `rdata` or `rdata[i]`)."""
    zone = normalize_zone(zone)
    rtype = str(type).strip().upper()
    if rtype not in RECORD_TYPES:
        raise RecordValidationError(
            "type", f"{type!r} is not a record type Edge DNS serves", ", ".join(WRITABLE_TYPES)
        )
    if rtype not in WRITABLE_TYPES:
        raise RecordValidationError(
            "type",
            f"Edge DNS manages {rtype} records itself (the SOA serial changes with every edit)",
            ", ".join(WRITABLE_TYPES),
        )
    fqdn = record_fqdn(name, zone)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= MAX_TTL:
        raise RecordValidationError("ttl", f"{ttl!r} is not a TTL", f"seconds, 0-{MAX_TTL}")
    values = list(rdata or [])
    if not values:
        raise RecordValidationError("rdata", "at least one value is needed")
    if rtype == "CNAME":
        if fqdn == zone:
            raise RecordValidationError(
                "name",
                f"a CNAME can't be at the zone apex ({zone})",
                "a name below the apex (www); at the apex use A/AAAA, or AKAMAICDN for an "
                "Akamai edge hostname",
            )
        if len(values) != 1:
            raise RecordValidationError(
                "rdata", f"a CNAME has exactly one target; got {len(values)}"
            )
    if rtype == "AKAMAICDN" and len(values) != 1:
        raise RecordValidationError(
            "rdata", f"an AKAMAICDN record has exactly one edge hostname; got {len(values)}"
        )
    normalized: list[str] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        field = f"rdata[{i}]"
        one = _validate_one(rtype, value, field)
        key = _canonical(one, rtype)
        if key in seen:
            raise RecordValidationError(field, f"duplicates rdata[{seen[key]}] ({one})")
        seen[key] = i
        normalized.append(one)
    return RecordSet(name=fqdn, type=rtype, ttl=ttl, rdata=normalized)


def record_type(value: str, field: str = "type") -> str:
    """`cname` -> `CNAME`; raises RecordValidationError for a type Edge DNS does not serve."""
    rtype = str(value).strip().upper()
    if rtype not in RECORD_TYPES:
        raise RecordValidationError(
            field, f"{value!r} is not a record type Edge DNS serves", ", ".join(RECORD_TYPES)
        )
    return rtype


def soa_serial(record: RecordSet | None) -> int | None:
    """The serial of an SOA record set (`mname rname serial refresh retry expire minimum`)."""
    if record is None or not record.rdata:
        return None
    parts = record.rdata[0].split()
    try:
        return int(parts[2])
    except (IndexError, ValueError):
        return None


def zone_for(hostname: str, zones: Iterable[str]) -> str | None:
    """The longest zone in `zones` that contains `hostname` (None when none does)."""
    host = hostname.lower().rstrip(".")
    best: str | None = None
    for zone in zones:
        z = zone.lower().rstrip(".")
        if (host == z or host.endswith("." + z)) and (best is None or len(z) > len(best)):
            best = z
    return best


# ---------------------------------------------------------------------------------------------
# The client


def _seg(value: str) -> str:
    return quote(value, safe="*")


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _page(meta: Mapping[str, Any], count: int, page: int, page_size: int) -> tuple[int, int, int]:
    return (
        int(meta.get("page", page) or page),
        int(meta.get("pageSize", page_size) or page_size),
        int(meta.get("totalElements", count) or 0),
    )


T = TypeVar("T")


async def window(
    fetch: Callable[[int, int], Awaitable[tuple[list[T], int]]], *, offset: int, limit: int
) -> tuple[list[T], int]:
    """Items ``offset`` to ``offset + limit`` of a list Edge DNS pages by ``page``/``pageSize``.

    ``fetch(page, page_size)`` returns one page and the total. One request when ``offset`` is
    a multiple of ``limit``, else two (the window spans two pages of ``limit`` items).
    """
    if limit < 1 or offset < 0:
        raise ValueError("limit must be >= 1 and offset >= 0")
    first = offset // limit + 1
    items, total = await fetch(first, limit)
    items = items[offset - (first - 1) * limit :]
    if len(items) < limit and first * limit < total:
        more, total = await fetch(first + 1, limit)
        items += more
    return items[:limit], total


class EdgeDnsClient(ServiceClient):
    """Edge DNS for one .edgerc section (and optionally another account)."""

    base_path = BASE
    api_family = "dns"
    default_headers: ClassVar[Mapping[str, str]] = {"Accept": "application/json"}

    # -- zones -----------------------------------------------------------------------------------

    async def list_zones(
        self,
        *,
        search: str | None = None,
        types: Iterable[str] | None = None,
        contract_ids: Iterable[str] | None = None,
        page: int = 1,
        page_size: int = 25,
        show_all: bool = False,
        sort_by: str | None = None,
    ) -> ZonePage:
        """One page of the zones this account manages (or all of them with `show_all`)."""
        params = _params(
            search=search or None,
            types=",".join(t.upper() for t in types) if types else None,
            contractIds=",".join(contract_ids) if contract_ids else None,
            sortBy=sort_by,
        )
        if show_all:
            params["showAll"] = "true"
        else:
            params.update(page=page, pageSize=page_size)
        doc = (await self._call("GET", "/zones", params=params)).json()
        zones = [Zone.model_validate(z) for z in doc.get("zones", [])]
        number, size, total = _page(doc.get("metadata") or {}, len(zones), page, page_size)
        return ZonePage(zones=zones, page=number, page_size=size, total=total)

    async def zones_window(
        self,
        *,
        offset: int = 0,
        limit: int = 25,
        search: str | None = None,
        types: Iterable[str] | None = None,
        contract_ids: Iterable[str] | None = None,
    ) -> tuple[list[Zone], int]:
        """Zones ``offset`` to ``offset + limit`` (paged as Edge DNS pages) and the total."""
        types = list(types) if types else None
        contract_ids = list(contract_ids) if contract_ids else None

        async def fetch(page: int, size: int) -> tuple[list[Zone], int]:
            found = await self.list_zones(
                search=search, types=types, contract_ids=contract_ids, page=page, page_size=size
            )
            return found.zones, found.total

        return await window(fetch, offset=offset, limit=limit)

    async def zone_names(self) -> list[str]:
        """Every zone name this account manages (one request, `showAll`)."""
        return [z.zone for z in (await self.list_zones(show_all=True)).zones]

    async def get_zone(self, zone: str) -> Zone:
        zone = normalize_zone(zone)
        return Zone.model_validate((await self._call("GET", f"/zones/{_seg(zone)}")).json())

    async def get_zone_file(self, zone: str) -> str:
        """The zone as an RFC 1035 master file (`text/dns`; AKAMAICDN and AKAMAITLC records
        appear as comment lines)."""
        zone = normalize_zone(zone)
        resp = await self._call(
            "GET", f"/zones/{_seg(zone)}/zone-file", headers={"Accept": "text/dns"}
        )
        return resp.text

    async def create_zone(
        self,
        zone: str,
        type: ZoneType,
        *,
        contract_id: str,
        group_id: int,
        comment: str | None = None,
        masters: Sequence[str] | None = None,
        target: str | None = None,
        sign_and_serve: bool | None = None,
        end_customer_id: str | None = None,
        default_records: bool = True,
    ) -> Zone:
        """Create a zone (`POST /zones?contractId=&gid=`).

        The type's rules (:func:`zone_type_settings`) are checked first; ``contract_id`` may
        carry its ``ctr_`` prefix. A PRIMARY zone then gets Edge DNS's default SOA and NS
        records through a change list (created and submitted at once), unless
        `default_records` is False.
        """
        zone = normalize_zone(zone)
        masters, target = zone_type_settings(type, masters, target)
        contract_id = contract_id.strip().removeprefix("ctr_")
        body: dict[str, Any] = {"zone": zone, "type": type}
        if comment:
            body["comment"] = comment
        if masters:
            body["masters"] = list(masters)
        if target:
            body["target"] = target
        if sign_and_serve is not None and type != "ALIAS":
            body["signAndServe"] = sign_and_serve
        if end_customer_id:
            body["endCustomerId"] = end_customer_id

        async def write() -> Zone:
            resp = await self._call(
                "POST", "/zones", params={"contractId": contract_id, "gid": group_id}, json=body
            )
            return Zone.model_validate(resp.json())

        async def check() -> tuple[bool | None, Zone | None]:
            try:
                return True, await self.get_zone(zone)
            except AkamaiApiError as exc:
                if exc.status == 404:
                    return False, None
                raise

        created = await reconcile(
            write, check, what=f"zone {zone}", how_to_check=f"dns-zone-get for {zone}"
        )
        if type == "PRIMARY" and default_records:
            await self.create_change_list(zone)
            await self.submit_change_list(zone, comment=comment)  # None keeps the comment
            created = await self.get_zone(zone)
        return created

    # -- change lists ----------------------------------------------------------------------------

    async def create_change_list(self, zone: str, *, overwrite: str = "stale") -> dict[str, Any]:
        """A change list from the zone's current version (for a new PRIMARY zone it holds the
        default SOA and NS records)."""
        resp = await self._call(
            "POST", "/changelists", params={"zone": normalize_zone(zone), "overwrite": overwrite}
        )
        return dict(resp.json())

    async def submit_change_list(self, zone: str, *, comment: str | None = None) -> None:
        # The spec marks skipSignAndServeSafetyCheck as required: send the safe value.
        await self._call(
            "POST",
            f"/changelists/{_seg(normalize_zone(zone))}/submit",
            params=_params(comment=comment, skipSignAndServeSafetyCheck="false"),
        )

    # -- record sets -----------------------------------------------------------------------------

    async def list_record_sets(
        self,
        zone: str,
        *,
        types: Iterable[str] | None = None,
        search: str | None = None,
        page: int = 1,
        page_size: int = 25,
        show_all: bool = False,
        sort_by: str | None = None,
    ) -> RecordSetPage:
        zone = normalize_zone(zone)
        params = _params(
            types=",".join(t.upper() for t in types) if types else None,
            search=search or None,
            sortBy=sort_by,
        )
        if show_all:
            params["showAll"] = "true"
        else:
            params.update(page=page, pageSize=page_size)
        doc = (await self._call("GET", f"/zones/{_seg(zone)}/recordsets", params=params)).json()
        records = [RecordSet.model_validate(r) for r in doc.get("recordsets", [])]
        meta = doc.get("metadata") or {}
        number, size, total = _page(meta, len(records), page, page_size)
        return RecordSetPage(
            zone=zone,
            record_sets=records,
            page=number,
            page_size=size,
            total=total,
            types=list(meta.get("types") or []),
        )

    async def record_sets_window(
        self,
        zone: str,
        *,
        offset: int = 0,
        limit: int = 50,
        types: Iterable[str] | None = None,
        search: str | None = None,
    ) -> tuple[list[RecordSet], int]:
        """Record sets ``offset`` to ``offset + limit`` of a zone and the total."""
        types = list(types) if types else None

        async def fetch(page: int, size: int) -> tuple[list[RecordSet], int]:
            found = await self.list_record_sets(
                zone, types=types, search=search, page=page, page_size=size
            )
            return found.record_sets, found.total

        return await window(fetch, offset=offset, limit=limit)

    def _rs_path(self, zone: str, fqdn: str, rtype: str) -> str:
        return f"/zones/{_seg(zone)}/names/{_seg(fqdn)}/types/{_seg(rtype)}"

    async def get_record_set(self, zone: str, name: str, type: str) -> RecordSet:
        zone = normalize_zone(zone)
        fqdn = record_fqdn(name, zone)
        resp = await self._call("GET", self._rs_path(zone, fqdn, type.upper()))
        return RecordSet.model_validate(resp.json())

    async def find_record_set(self, zone: str, name: str, type: str) -> RecordSet | None:
        """The record set, or None when Edge DNS answers 404."""
        try:
            return await self.get_record_set(zone, name, type)
        except AkamaiApiError as exc:
            if exc.status == 404:
                return None
            raise

    async def soa_serial(self, zone: str) -> int | None:
        zone = normalize_zone(zone)
        return soa_serial(await self.find_record_set(zone, zone, "SOA"))

    async def create_record_set(self, zone: str, record: RecordSet) -> RecordSet:
        return await self._write_record_set("POST", zone, record)

    async def replace_record_set(self, zone: str, record: RecordSet) -> RecordSet:
        return await self._write_record_set("PUT", zone, record)

    async def _write_record_set(self, method: str, zone: str, record: RecordSet) -> RecordSet:
        """Create (POST) or replace (PUT) one record set; a lost answer is reconciled by
        reading the record set back."""
        zone = normalize_zone(zone)

        async def write() -> RecordSet:
            resp = await self._call(
                method, self._rs_path(zone, record.name, record.type), json=record.body()
            )
            return RecordSet.model_validate(resp.json()) if resp.content else record

        return await reconcile(
            write,
            lambda: self._record_check(zone, record),
            what=f"record set {record.name} {record.type}",
            how_to_check=f"dns-record-get for {record.name} {record.type} in {zone}",
        )

    async def _record_check(
        self, zone: str, record: RecordSet
    ) -> tuple[bool | None, RecordSet | None]:
        """After a lost response: the record set as Edge DNS has it now. The same data: the
        write was applied; absent or different: it was not (sending it again is safe)."""
        current = await self.find_record_set(zone, record.name, record.type)
        if current is not None and record.same_as(current):
            return True, current
        return False, None

    async def upsert_record_set(self, zone: str, record: RecordSet) -> UpsertResult:
        """Create the record set, or replace it when one with that name and type exists."""
        zone = normalize_zone(zone)
        previous = await self.find_record_set(zone, record.name, record.type)
        before = await self.soa_serial(zone)
        if record.same_as(previous):
            assert previous is not None
            return UpsertResult(
                action="unchanged",
                record_set=previous,
                previous=previous,
                soa_serial_before=before,
                soa_serial_after=before,
            )
        if previous is None:
            try:
                saved = await self.create_record_set(zone, record)
                action: Literal["created", "replaced"] = "created"
            except AkamaiApiError as exc:
                if exc.status != 409:
                    raise
                # Created by someone else meanwhile: replace it. Any other conflict (a CNAME
                # at the name, ...) is Edge DNS's answer to show as it is.
                previous = await self.find_record_set(zone, record.name, record.type)
                if previous is None:
                    raise
                saved = await self.replace_record_set(zone, record)
                action = "replaced"
        else:
            saved = await self.replace_record_set(zone, record)
            action = "replaced"
        return UpsertResult(
            action=action,
            record_set=saved,
            previous=previous,
            soa_serial_before=before,
            soa_serial_after=await self.soa_serial(zone),
        )

    async def delete_record_set(self, zone: str, name: str, type: str) -> DeleteResult:
        """Delete a record set; returns what was deleted (read first) and the SOA serials."""
        zone = normalize_zone(zone)
        fqdn = record_fqdn(name, zone)
        rtype = type.upper()
        existing = await self.get_record_set(zone, fqdn, rtype)
        before = await self.soa_serial(zone)

        async def write() -> bool:
            await self._call("DELETE", self._rs_path(zone, fqdn, rtype))
            return True

        async def check() -> tuple[bool | None, bool | None]:
            gone = await self.find_record_set(zone, fqdn, rtype) is None
            return (True, True) if gone else (False, None)

        await reconcile(
            write,
            check,
            what=f"delete of {fqdn} {rtype}",
            how_to_check=f"dns-record-get for {fqdn} {rtype} in {zone}",
        )
        return DeleteResult(
            deleted=existing, soa_serial_before=before, soa_serial_after=await self.soa_serial(zone)
        )

    # -- dry-run plans (read only: see alecs/akamai/plan.py) ------------------------------------

    async def plan_upsert_record_set(self, zone: str, record: RecordSet) -> WritePlan:
        """What `upsert_record_set` would do: the record set before and after, and the SOA
        serial that would follow (Edge DNS adds 1 per change)."""
        zone = normalize_zone(zone)
        previous = await self.find_record_set(zone, record.name, record.type)
        before = await self.soa_serial(zone)
        target = f"{record.name} {record.type}"
        unchanged = record.same_as(previous)
        errors = [] if unchanged else await self._record_problems(zone, record)
        path = f"{self.base_path}{self._rs_path(zone, record.name, record.type)}"
        if unchanged:
            change = PlanChange(
                action="unchanged", target=target, before=previous.body() if previous else None
            )
            requests: list[PlannedRequest] = []
        else:
            change = PlanChange(
                action="replace" if previous else "create",
                target=target,
                before=previous.body() if previous else None,
                after=record.body(),
            )
            requests = [plan_request("PUT" if previous else "POST", path, record.body())]
        return WritePlan(
            operation=f"{'replace' if previous else 'create'} the {record.type} record set "
            f"{record.name} in zone {zone}"
            if not unchanged
            else f"leave the {record.type} record set {record.name} in zone {zone} as it is",
            target={"zone": zone, "name": record.name, "type": record.type},
            changes=[change],
            requests=requests,
            details={
                "action": "unchanged" if unchanged else ("replaced" if previous else "created"),
                "soa_serial_before": before,
                "soa_serial_after": before if unchanged or errors else _next_serial(before),
            },
            errors=errors,
            would_change=not unchanged and not errors,
        )

    async def _zone_problems(self, zone: str) -> list[str]:
        """Why Edge DNS would refuse any record change in `zone` (a SECONDARY zone)."""
        info = await self.get_zone(zone)
        if info.type == "SECONDARY":
            return [
                f"{zone} is a SECONDARY zone: its records come from its primaries "
                f"({', '.join(info.masters or [])}) and can't be edited in Edge DNS"
            ]
        return []

    async def _record_problems(self, zone: str, record: RecordSet) -> list[str]:
        return await self._zone_problems(zone) or await self._cname_conflicts(zone, record)

    async def _cname_conflicts(self, zone: str, record: RecordSet) -> list[str]:
        """Why Edge DNS would refuse the record set for sharing a name with a CNAME (409)."""
        fqdn = record.name.rstrip(".").lower()
        if record.type == "CNAME":
            if fqdn == zone:
                return [f"a CNAME can't sit at the zone apex {zone}"]
            page = await self.list_record_sets(zone, search=fqdn, show_all=True)
            others = sorted(
                r.type
                for r in page.record_sets
                if r.name.rstrip(".").lower() == fqdn and r.type != "CNAME"
            )
            if others:
                return [f"{fqdn} has {', '.join(others)} records; a CNAME can't share its name"]
            return []
        if await self.find_record_set(zone, record.name, "CNAME") is not None:
            return [f"{fqdn} has a CNAME record; no other record type may share its name"]
        return []

    async def plan_delete_record_set(self, zone: str, name: str, type: str) -> WritePlan:
        """What `delete_record_set` would do: the record set that would go, and the serials."""
        zone = normalize_zone(zone)
        fqdn = record_fqdn(name, zone)
        rtype = type.upper()
        existing = await self.find_record_set(zone, fqdn, rtype)
        before = await self.soa_serial(zone)
        errors = await self._zone_problems(zone)
        if existing is None:
            errors.append(f"zone {zone} has no {rtype} record set {fqdn}")
        return WritePlan(
            operation=f"delete the {rtype} record set {fqdn} from zone {zone}",
            target={"zone": zone, "name": fqdn, "type": rtype},
            changes=[
                PlanChange(
                    action="delete",
                    target=f"{fqdn} {rtype}",
                    before=existing.body() if existing else None,
                )
            ]
            if existing
            else [],
            requests=[plan_request("DELETE", f"{self.base_path}{self._rs_path(zone, fqdn, rtype)}")]
            if existing
            else [],
            details={
                "soa_serial_before": before,
                "soa_serial_after": _next_serial(before) if existing and not errors else before,
            },
            errors=errors,
            would_change=existing is not None and not errors,
        )

    async def plan_create_zone(
        self,
        zone: str,
        type: ZoneType,
        *,
        contract_id: str,
        group_id: int,
        comment: str | None = None,
        masters: Sequence[str] | None = None,
        target: str | None = None,
        sign_and_serve: bool | None = None,
        default_records: bool = True,
    ) -> WritePlan:
        """What `create_zone` would do: the zone, its contract and group, whether it exists."""
        zone = normalize_zone(zone)
        body: dict[str, Any] = {"zone": zone, "type": type}
        if comment:
            body["comment"] = comment
        if masters:
            body["masters"] = list(masters)
        if target:
            body["target"] = normalize_zone(target, "target")
        if sign_and_serve is not None and type != "ALIAS":
            body["signAndServe"] = sign_and_serve
        try:
            existing: Zone | None = await self.get_zone(zone)
        except AkamaiApiError as exc:
            if exc.status != 404:
                raise
            existing = None
        contract = "ctr_" + contract_id.removeprefix("ctr_")
        errors = []
        if existing is not None:
            errors.append(f"zone {zone} already exists ({existing.type}); Edge DNS answers 409")
        requests = [plan_request("POST", f"{self.base_path}/zones", body, "create the zone")]
        if type == "PRIMARY" and default_records:
            requests += [
                plan_request(
                    "POST", f"{self.base_path}/changelists", None, "change list: SOA and NS"
                ),
                plan_request(
                    "POST", f"{self.base_path}/changelists/{_seg(zone)}/submit", None, "submit"
                ),
            ]
        return WritePlan(
            operation=f"create the {type} zone {zone} in contract {contract}, group {group_id}",
            target={
                "zone": zone,
                "type": type,
                "contract_id": contract,
                "group_id": f"grp_{group_id}",
            },
            changes=[
                PlanChange(
                    action="create",
                    target=f"zone {zone}",
                    before=existing.model_dump(exclude_none=True) if existing else None,
                    after=body,
                    note="with Edge DNS's default SOA and NS records"
                    if type == "PRIMARY" and default_records
                    else None,
                )
            ],
            requests=requests,
            details={"already_exists": existing is not None},
            errors=errors,
            would_change=existing is None,
        )


def _next_serial(serial: int | None) -> int | None:
    """The SOA serial after one change (Edge DNS and the sandbox add 1, modulo 2**32)."""
    return None if serial is None else (serial + 1) % 4294967296
