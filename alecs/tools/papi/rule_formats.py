"""Property Manager tools that help write rules: rule formats, and the behaviors and criteria
a property version may use with their options (from the rule format schema).

Read-only. Outputs are compact on purpose (they go into a model's context): names only unless
one behavior or criterion is asked for, then only its options (type, required, enum,
default, pattern, bounds).
"""

from __future__ import annotations

import difflib
import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BeforeValidator, Field

from alecs.akamai.papi import (
    AvailableFeatures,
    FeatureKind,
    OptionSpec,
    feature_schema,
    option_specs,
    sorted_rule_formats,
)
from alecs.tools._common import (
    AccountSwitchKey,
    Ctx,
    Customer,
    ErrorMap,
    InputError,
    ToolOutput,
    int_as_text,
    tool,
)
from alecs.tools.papi._shared import (
    PAPI_ERRORS,
    OptionalVersion,
    PropertyRef,
    papi_client,
    resolve_property_id,
    resolve_version,
)

TOOL_ERRORS: ErrorMap = PAPI_ERRORS

SHOWN_ENUM = 12  # enum values of one option in a summary line


# --------------------------------------------------------------------------- rule formats


class RuleFormatList(ToolOutput):
    rule_formats: list[str] = Field(description="Dated formats, newest first; each is frozen.")
    newest: str | None = Field(description="What 'latest' (not frozen) resolves to now.")
    property_id: str | None = None
    version: int | None = None
    version_rule_format: str | None = Field(None, description="The format the version uses.")
    newer: list[str] = Field(default_factory=list, description="Formats newer than the version's.")

    def summary(self) -> str:
        lines = [
            f"{len(self.rule_formats)} rule format(s), newest first; each dated format is "
            f"frozen, 'latest' is not (now {self.newest}): " + ", ".join(self.rule_formats)
        ]
        if self.property_id:
            used = self.version_rule_format or "unknown"
            state = (
                "it follows the newest features"
                if used == "latest"
                else f"{len(self.newer)} newer format(s)"
                if self.newer
                else "the newest"
            )
            lines.append(f"{self.property_id} v{self.version} uses {used} ({state})")
        return "\n".join(lines)


OptionalPropertyRef = Annotated[
    Annotated[str, Field(max_length=200)] | None,  # the limit inside: null stays valid
    BeforeValidator(int_as_text),
    Field(description="Also say which format this property's version uses (prp_123, 123 or name)."),
]


@tool("property-rule-format-list", toolset="papi", kind="read", title="List PAPI rule formats")
async def property_rule_format_list(
    ctx: Ctx,
    property_id: OptionalPropertyRef = None,
    version: OptionalVersion = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> RuleFormatList:
    """List rule formats (the dated behavior sets of rule trees), newest first.

    A dated format is frozen: its behaviors and options never change. 'latest' always
    follows the newest. With property_id, also the format its version uses. Change a
    version's format with property-rules-update (rule_format).
    """
    wanted = (property_id or "").strip()
    if version is not None and not wanted:
        raise InputError("version", "a version needs property_id", allowed="property_id too")
    papi = papi_client(ctx, customer, account_switch_key)
    formats = sorted_rule_formats(await papi.list_rule_formats())
    out = RuleFormatList(rule_formats=formats, newest=formats[0] if formats else None)
    if wanted:
        pid = await resolve_property_id(papi, wanted)
        number = await resolve_version(papi, pid, version)
        used = (await papi.get_version(pid, number)).rule_format
        out.property_id, out.version, out.version_rule_format = pid, number, used
        if used in formats:
            out.newer = formats[: formats.index(used)]
    return out


# --------------------------------------------------------------------------- behaviors


class BehaviorCatalog(ToolOutput):
    property_id: str
    version: int
    product_id: str | None = None
    rule_format: str | None = None
    behaviors: list[str] | None = Field(None, description="Available behavior names.")
    criteria: list[str] | None = Field(None, description="Available criterion names.")
    name: str | None = None
    kind: Literal["behavior", "criterion"] | None = None
    options: list[OptionSpec] | None = Field(None, description="The named one's options.")
    example: dict[str, Any] | None = Field(
        None, description="A value to add at <rule pointer>/behaviors/- (or /criteria/-)."
    )

    def summary(self) -> str:
        head = f"{self.property_id} v{self.version} ({self.product_id}, {self.rule_format})"
        if self.name is None:
            return "\n".join(
                [
                    f"{head}: {len(self.behaviors or [])} behavior(s): "
                    + ", ".join(self.behaviors or []),
                    f"{len(self.criteria or [])} criteria: " + ", ".join(self.criteria or []),
                    "options of one: name=<behavior or criterion>",
                ]
            )
        options = self.options or []
        required = [o.name for o in options if o.required]
        lines = [
            f"{self.name} ({self.kind}) in {head}: {len(options)} option(s); required: "
            + (", ".join(required) or "none")
        ]
        lines += [f"- {_option_line(o)}" for o in options]
        member = "behaviors" if self.kind == "behavior" else "criteria"
        lines.append(
            f"add at <rule pointer>/{member}/- (pointers: property-rules-get): "
            + json.dumps(self.example, separators=(",", ":"))
        )
        return "\n".join(lines)


def _option_line(option: OptionSpec) -> str:
    parts = [option.type or "any"]
    if option.required:
        parts.append("required")
    if option.enum is not None:
        shown = [json.dumps(v) for v in option.enum[:SHOWN_ENUM]]
        more = f"|... ({len(option.enum)})" if len(option.enum) > SHOWN_ENUM else ""
        parts.append("one of " + "|".join(shown) + more)
    if option.default is not None:
        parts.append(f"default {json.dumps(option.default)}")
    if option.pattern:
        parts.append(f"pattern {option.pattern}")
    if option.minimum is not None or option.maximum is not None:
        parts.append(f"range {option.minimum}..{option.maximum}")
    if option.max_length is not None:
        parts.append(f"max {option.max_length} chars")
    text = f"{option.name}: " + ", ".join(parts)
    return f"{text} ({option.description})" if option.description else text


_PLACEHOLDERS: dict[str, Any] = {
    "string": "<string>",
    "boolean": False,
    "integer": 0,
    "number": 0,
    "object": {},
}


def _example(name: str, options: list[OptionSpec]) -> dict[str, Any]:
    """The behavior or criterion with its required options (default, else first enum value,
    else a placeholder of its type) to add to a rule."""
    values: dict[str, Any] = {}
    for option in options:
        if not option.required:
            continue
        if option.default is not None:
            values[option.name] = option.default
        elif option.enum:
            values[option.name] = option.enum[0]
        elif (option.type or "").startswith("array"):
            values[option.name] = []
        else:
            values[option.name] = _PLACEHOLDERS.get(option.type or "", "<value>")
    return {"name": name, "options": values}


def _unknown(
    name: str, where: str, behaviors: AvailableFeatures, criteria: AvailableFeatures
) -> InputError:
    names = [f.name for f in behaviors.items] + [f.name for f in criteria.items]
    by_lower = {n.lower(): n for n in names}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=5, cutoff=0.6)
    close += [n.lower() for n in names if name.lower() in n.lower() and n.lower() not in close]
    return InputError(
        "name",
        f"{name!r} is not a behavior or criterion available to {where}",
        allowed=[by_lower[c] for c in close[:8]]
        or "a name from property-behavior-list without name",
    )


NameArg = Annotated[
    Annotated[str, Field(max_length=100)] | None,
    Field(description="A behavior or criterion (e.g. caching, path): return its options."),
]


@tool(
    "property-behavior-list",
    toolset="papi",
    kind="read",
    title="List behaviors and criteria a property version may use",
)
async def property_behavior_list(
    ctx: Ctx,
    property_id: PropertyRef,
    version: OptionalVersion = None,
    name: NameArg = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> BehaviorCatalog:
    """The behaviors and criteria a property version may use (names), or with name, that
    one's options from its rule format schema: type, required, enum, default, pattern.

    Use before property-rules-update to write valid behaviors and criteria.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    number = await resolve_version(papi, pid, version)
    behaviors = await papi.available_features(pid, number, "behaviors")
    criteria = await papi.available_features(pid, number, "criteria")
    out = BehaviorCatalog(
        property_id=pid,
        version=number,
        product_id=behaviors.product_id or criteria.product_id,
        rule_format=behaviors.rule_format or criteria.rule_format,
    )
    wanted = (name or "").strip()
    if not wanted:
        out.behaviors = sorted(f.name for f in behaviors.items)
        out.criteria = sorted(f.name for f in criteria.items)
        return out
    kind: FeatureKind = "behaviors"
    found = behaviors.find(wanted)
    if found is None:
        kind, found = "criteria", criteria.find(wanted)
    if found is None:
        raise _unknown(wanted, f"{pid} v{number}", behaviors, criteria)
    if not out.product_id or not out.rule_format:
        raise ToolError(f"PAPI did not say the product and rule format of {pid} v{number}")
    schema = await papi.rule_format_schema(out.product_id, out.rule_format)
    feature = feature_schema(schema, kind, found.name, found.schema_link)
    if feature is None:
        raise ToolError(
            f"{found.name} is available to {pid} v{number} but missing from the schema of "
            f"{out.product_id} {out.rule_format}"
        )
    options = option_specs(schema, feature)
    out.name = found.name
    out.kind = "behavior" if kind == "behaviors" else "criterion"
    out.options = options
    out.example = _example(found.name, options)
    return out
