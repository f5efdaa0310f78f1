"""Property Manager tools: a property's versions."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from alecs.akamai.papi import PropertyVersion
from alecs.tools._common import AccountSwitchKey, Ctx, Customer, ErrorMap, Limit, ToolOutput, tool
from alecs.tools.dryrun import in_dry_run
from alecs.tools.papi._shared import (
    PAPI_ERRORS,
    PropertyRef,
    papi_client,
    resolve_property_id,
    resolve_version,
    version_arg,
)

TOOL_ERRORS: ErrorMap = PAPI_ERRORS

BaseVersion = version_arg("Version to copy (rules and hostnames); default latest.")


class VersionList(ToolOutput):
    property_id: str
    versions: list[PropertyVersion]

    def summary(self) -> str:
        lines = [f"{self.property_id}: {len(self.versions)} version(s), newest first"]
        lines += [
            f"- v{v.property_version} staging {v.staging_status}, production "
            f"{v.production_status}, {v.updated_date} by {v.updated_by_user}: {v.note or ''}"
            for v in self.versions
        ]
        return "\n".join(lines)


class VersionCreated(ToolOutput):
    property_id: str
    version: int = Field(description="The new version number (edit this one).")
    base_version: int

    def summary(self) -> str:
        return (
            f"created {self.property_id} v{self.version} from v{self.base_version}; edit it with "
            "property-rules-update and property-hostname-update"
        )


@tool("property-version-list", toolset="papi", kind="read", title="List property versions")
async def property_version_list(
    ctx: Ctx,
    property_id: PropertyRef,
    limit: Limit = 20,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> VersionList:
    """List a property's versions, newest first, with staging/production status, author,
    date, note and etag. Use to pick a base version or versions to compare."""
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    return VersionList(property_id=pid, versions=await papi.list_versions(pid, limit=limit))


@tool("property-version-create", toolset="papi", kind="write", title="Create a property version")
async def property_version_create(
    ctx: Ctx,
    property_id: PropertyRef,
    base_version: BaseVersion = None,
    base_version_etag: Annotated[
        str | None,
        Field(
            description="Etag of the base version (property-version-list): the copy fails "
            "if that version changed since.",
            max_length=128,
        ),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> VersionCreated:
    """Create a new editable version of a property, copied from a base version.

    Active versions can't be edited: make a new version from the active (or latest) one,
    edit it, then activate it. Returns the new version number.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    base = await resolve_version(papi, pid, base_version, field="base_version")
    if in_dry_run():
        return await papi.plan_create_version(pid, base, base_version_etag)
    number = await papi.create_version(pid, base, base_version_etag)
    return VersionCreated(property_id=pid, version=number, base_version=base)
