"""Property Manager tools: a property version's hostnames."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from alecs.akamai.papi import Hostname
from alecs.tools._common import (
    AccountSwitchKey,
    Ctx,
    Customer,
    ErrorMap,
    InputError,
    ToolOutput,
    as_list,
    int_as_text,
    normalize_id,
    tool,
)
from alecs.tools.dryrun import in_dry_run
from alecs.tools.papi._shared import (
    PAPI_ERRORS,
    OptionalVersion,
    PropertyRef,
    clean_hostname,
    editable_version_arg,
    papi_client,
    resolve_property_id,
    resolve_version,
)

TOOL_ERRORS: ErrorMap = PAPI_ERRORS

EditableVersionH = editable_version_arg("The (editable) version to change.")


class HostnameListOut(ToolOutput):
    property_id: str
    version: int
    etag: str
    hostnames: list[Hostname]

    def summary(self) -> str:
        lines = [f"{self.property_id} v{self.version}: {len(self.hostnames)} hostname(s)"]
        lines += [
            f"- {h.cname_from} -> {h.cname_to} ({h.edge_hostname_id})" for h in self.hostnames
        ]
        return "\n".join(lines)


class HostnameUpdated(HostnameListOut):
    added: list[str] = Field(description="Hostnames new on the version.")
    replaced: list[str] = Field(
        default_factory=list,
        description="Hostnames the version already had, now with the edge hostname and "
        "certificate type given.",
    )
    removed: list[str]

    def summary(self) -> str:
        head = (
            f"{self.property_id} v{self.version}: added {', '.join(self.added) or 'none'}, "
            f"removed {', '.join(self.removed) or 'none'}"
            + (f", re-pointed {', '.join(self.replaced)}" if self.replaced else "")
            + f"; etag {self.etag}"
        )
        return head + "\n" + super().summary()


class HostnameAdd(BaseModel):
    """A hostname to serve with the property, and the edge hostname it CNAMEs to."""

    hostname: str = Field(description="The site's hostname, e.g. www.example.com.", max_length=253)
    edge_hostname: Annotated[str, Field(max_length=253), BeforeValidator(int_as_text)] = Field(
        description="Edge hostname domain (www.example.com.edgekey.net) or id (ehn_123); see "
        "edge-hostname-list, or create one with edge-hostname-create."
    )
    cert_provisioning_type: Literal["CPS_MANAGED", "DEFAULT"] = Field(
        "CPS_MANAGED",
        description="CPS_MANAGED (certificate from a CPS enrollment) or DEFAULT (Akamai-managed "
        "domain-validated certificate).",
    )


@tool(
    "property-hostname-list",
    toolset="papi",
    kind="read",
    title="List a property version's hostnames",
)
async def property_hostname_list(
    ctx: Ctx,
    property_id: PropertyRef,
    version: OptionalVersion = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> HostnameListOut:
    """The hostnames a property version serves, each with the edge hostname it CNAMEs to
    (cname_from -> cname_to) and the certificate type."""
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    number = await resolve_version(papi, pid, version)
    hosts = await papi.get_hostnames(pid, number)
    return HostnameListOut(
        property_id=pid, version=number, etag=hosts.etag, hostnames=hosts.hostnames
    )


@tool(
    "property-hostname-update",
    toolset="papi",
    kind="write",
    title="Add or remove hostnames of a version",
    destructive=True,
)
async def property_hostname_update(
    ctx: Ctx,
    property_id: PropertyRef,
    version: EditableVersionH,
    add: Annotated[
        list[HostnameAdd] | None, Field(description="Hostnames to add.", max_length=100)
    ] = None,
    remove: Annotated[
        Annotated[list[Annotated[str, Field(max_length=253)]], Field(max_length=100)] | None,
        BeforeValidator(as_list),
        Field(description="Hostnames of this version to remove, e.g. ['old.example.com']."),
    ] = None,
    etag: Annotated[
        str | None,
        Field(
            description="Hostnames etag from property-hostname-list; omit to apply the "
            "change to the current hostnames.",
            max_length=128,
        ),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> HostnameUpdated:
    """Add hostnames to (and/or remove them from) a property version.

    Each added hostname names the edge hostname it will CNAME to (edge-hostname-list, or
    create one with edge-hostname-create); adding one the version already has re-points
    it. Removing a hostname the version doesn't have is refused before anything changes
    (property-hostname-list shows them). Activated versions can't change: create a new
    version first (property-version-create). Takes effect when the version is activated.
    """
    if not add and not remove:
        raise InputError("add", "nothing to change", allowed="add and/or remove")
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    items: list[dict[str, Any]] = []
    for n, h in enumerate(add or []):
        item: dict[str, Any] = {
            "cnameType": "EDGE_HOSTNAME",
            "cnameFrom": clean_hostname(h.hostname, f"add[{n}].hostname"),
            "certProvisioningType": h.cert_provisioning_type,
        }
        edge = h.edge_hostname.strip()
        if re.fullmatch(r"(?i)(ehn_)?\d+", edge):
            item["edgeHostnameId"] = normalize_id(edge, "ehn_", field=f"add[{n}].edge_hostname")
        else:
            item["cnameTo"] = clean_hostname(edge, f"add[{n}].edge_hostname")
        items.append(item)
    removed = [clean_hostname(r, "remove") for r in remove or []]
    version = await resolve_version(papi, pid, version)
    current = await papi.get_hostnames(pid, version)
    present = {h.cname_from.lower() for h in current.hostnames}
    absent = [r for r in removed if r not in present]
    if absent:
        raise InputError(
            "remove",
            f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not a hostname of "
            f"{pid} v{version}; nothing was changed",
            allowed=sorted(present) or "none: the version has no hostnames",
        )
    if in_dry_run():
        return await papi.plan_patch_hostnames(
            pid,
            version,
            add=items,
            remove=removed,
            etag=etag.strip().strip('"') if etag else None,
        )
    hosts = await papi.patch_hostnames(
        pid,
        version,
        add=items,
        remove=removed,
        etag=etag.strip().strip('"') if etag else current.etag,
    )
    names = [i["cnameFrom"] for i in items]
    return HostnameUpdated(
        property_id=pid,
        version=version,
        etag=hosts.etag,
        hostnames=hosts.hostnames,
        added=[n for n in names if n not in present],
        replaced=[n for n in names if n in present],
        removed=removed,
    )
