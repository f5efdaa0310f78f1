"""Property Manager tools: rule trees (get, update with JSON Patch, diff two versions)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alecs.akamai._base import JsonValue
from alecs.akamai.papi import PapiClient, RuleChange, diff_rule_trees
from alecs.tools._common import (
    AccountSwitchKey,
    Ctx,
    Customer,
    ErrorMap,
    InputError,
    ToolOutput,
    tool,
)
from alecs.tools.papi._shared import (
    PAPI_ERRORS,
    OptionalVersion,
    PropertyRef,
    editable_version_arg,
    papi_client,
    problem_lines,
    resolve_property_id,
    resolve_version,
    version_arg,
)

TOOL_ERRORS: ErrorMap = PAPI_ERRORS

EditableVersionR = editable_version_arg("The (editable, never activated) version.")

DiffBefore = version_arg(
    "The 'before' version; default the version before version_b (new versions are made from "
    "the latest, so that is the one it was made from)."
)
DiffAfter = version_arg("The 'after' version; default latest.")


class RuleOutline(BaseModel):
    path: str = Field(description="Rule path, e.g. 'default/Offload/CSS and JavaScript'.")
    pointer: str = Field(
        description="The rule's JSON Pointer for property-rules-update patches, e.g. "
        "/rules/children/1; its n-th behavior (0-based, in the order listed) is at "
        "<pointer>/behaviors/<n>, its criteria at <pointer>/criteria/<n>."
    )
    criteria: list[str]
    behaviors: list[str]


class RulesOut(ToolOutput):
    property_id: str
    version: int
    etag: str = Field(description="Pass back as `etag` to property-rules-update.")
    rule_format: str | None = None
    errors: list[str] = Field(description="Problems that block activation.")
    warnings: list[str] = Field(description="Problems to fix or acknowledge at activation.")
    outline: list[RuleOutline] = Field(description="Every rule with its criteria and behaviors.")
    rules: dict[str, Any] | None = Field(
        None, description="The full rule tree (or the rule at rule_path) when asked for."
    )

    def summary(self) -> str:
        lines = [
            f"{self.property_id} v{self.version} rule tree ({self.rule_format}), etag "
            f"{self.etag}: {len(self.outline)} rule(s), {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s)"
        ]
        lines += [
            f"- {o.path} ({o.pointer}): {', '.join(o.behaviors) or 'no behaviors'}"
            for o in self.outline
        ]
        lines += [f"error: {e}" for e in self.errors] + [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


class RulesUpdated(ToolOutput):
    property_id: str
    version: int
    mode: Literal["replace", "patch"]
    dry_run: bool
    etag: str = Field(description="The new etag (use it for the next update).")
    previous_etag: str
    rule_format: str | None = None
    errors: list[str] = Field(description="PAPI's validation errors: they block activation.")
    warnings: list[str] = Field(description="PAPI's warnings: fix or acknowledge at activation.")

    def summary(self) -> str:
        what = "checked (dry run, not saved)" if self.dry_run else "saved"
        lines = [
            f"{self.property_id} v{self.version} rule tree {what} ({self.mode}); etag "
            f"{self.previous_etag} -> {self.etag}"
        ]
        lines += [f"error: {e}" for e in self.errors] + [f"warning: {w}" for w in self.warnings]
        if not self.errors and not self.warnings:
            lines.append("no validation errors or warnings")
        return "\n".join(lines)


class VersionDiff(ToolOutput):
    property_id: str
    version_a: int
    version_b: int
    identical: bool
    counts: dict[str, int] = Field(description="Changes by kind: added, removed, changed.")
    changes: list[RuleChange]

    def summary(self) -> str:
        if self.identical:
            return f"{self.property_id}: v{self.version_a} and v{self.version_b} rule trees match"
        lines = [
            f"{self.property_id} v{self.version_a} -> v{self.version_b}: "
            + ", ".join(f"{n} {k}" for k, n in self.counts.items())
        ]
        for c in self.changes:
            line = f"- {c.path}: {c.kind} {c.name} {c.change}"
            if c.change == "changed":
                line += f" ({_delta(c.before, c.after)})"
            lines.append(line)
        return "\n".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _delta(before: Any, after: Any, limit: int = 5) -> str:
    """`{'ttl': '7d'}`, `{'ttl': '1d'}` -> `ttl: '7d' -> '1d'` (the options that differ)."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = list(before) + [k for k in after if k not in before]
        parts = [
            f"{k}: {_short(before.get(k))} -> {_short(after.get(k))}"
            for k in keys
            if before.get(k) != after.get(k)
        ]
        more = f", +{len(parts) - limit} more" if len(parts) > limit else ""
        return "; ".join(parts[:limit]) + more
    return f"{_short(before)} -> {_short(after)}"


class JsonPatchOp(BaseModel):
    """One RFC 6902 operation on the rule tree document (paths start with /rules)."""

    model_config = ConfigDict(populate_by_name=True)

    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    path: str = Field(
        pattern=r"^/rules(/.*)?$",
        description="JSON Pointer into the rule tree, e.g. /rules/behaviors/0/options/ttl or "
        "/rules/children/- (append).",
    )
    value: JsonValue = Field(None, description="For add, replace and test.")
    from_: str | None = Field(None, alias="from", description="For move and copy.")

    def wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.op in ("add", "replace", "test"):
            out["value"] = self.value
        if self.op in ("move", "copy"):
            out["from"] = self.from_
        return out


def _outline(
    rule: dict[str, Any], path: str, out: list[RuleOutline], pointer: str = "/rules"
) -> None:
    out.append(
        RuleOutline(
            path=path,
            pointer=pointer,
            criteria=[str(c.get("name")) for c in rule.get("criteria") or []],
            behaviors=[str(b.get("name")) for b in rule.get("behaviors") or []],
        )
    )
    seen: dict[str, int] = {}
    for index, child in enumerate(rule.get("children") or []):
        name = str(child.get("name", "?"))
        seen[name] = seen.get(name, 0) + 1
        suffix = f"[{seen[name]}]" if seen[name] > 1 else ""
        _outline(child, f"{path}/{name}{suffix}", out, f"{pointer}/children/{index}")


def _find_rule(rule: dict[str, Any], path: str) -> dict[str, Any] | None:
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or parts[0] != rule.get("name", "default"):
        return None
    node = rule
    for part in parts[1:]:
        m = re.fullmatch(r"(.*)\[(\d+)\]", part)
        name, nth = (m.group(1), int(m.group(2))) if m else (part, 1)
        matches = [c for c in node.get("children") or [] if c.get("name") == name]
        if len(matches) < nth:
            return None
        node = matches[nth - 1]
    return node


@tool("property-rules-get", toolset="papi", kind="read", title="Get a property version's rule tree")
async def property_rules_get(
    ctx: Ctx,
    property_id: PropertyRef,
    version: OptionalVersion = None,
    full: Annotated[
        bool, Field(description="Return the whole rule tree JSON, not only the outline.")
    ] = False,
    rule_path: Annotated[
        str | None,
        Field(
            description="Return only this rule in full, e.g. 'default/Offload' (paths are "
            "in the outline).",
            max_length=1000,
        ),
    ] = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> RulesOut:
    """Get a version's rule tree: its etag (needed to update it), rule format, PAPI's
    validation errors and warnings, and an outline of every rule with its criteria and
    behaviors.

    Rule trees can be large: by default only the outline comes back; ask for full=true for
    the whole JSON, or rule_path for one rule. Edit with property-rules-update.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    number = await resolve_version(papi, pid, version)
    tree = await papi.get_rules(pid, number)
    outline: list[RuleOutline] = []
    _outline(tree.rules, str(tree.rules.get("name", "default")), outline)
    body: dict[str, Any] | None = tree.rules if full else None
    if rule_path:
        body = _find_rule(tree.rules, rule_path)
        if body is None:
            raise InputError(
                "rule_path",
                f"no rule {rule_path!r} in {pid} v{number}",
                allowed=[o.path for o in outline][:50],
            )
    return RulesOut(
        property_id=pid,
        version=number,
        etag=tree.etag,
        rule_format=tree.rule_format,
        errors=problem_lines(tree.errors),
        warnings=problem_lines(tree.warnings),
        outline=outline,
        rules=body,
    )


@tool(
    "property-rules-update",
    toolset="papi",
    kind="write",
    title="Update a property version's rule tree",
    destructive=True,
)
async def property_rules_update(
    ctx: Ctx,
    property_id: PropertyRef,
    version: EditableVersionR,
    etag: Annotated[
        str,
        Field(
            description="The rule tree's etag from property-rules-get (or the last update): "
            "the update fails with 412 if someone changed the tree since.",
            min_length=1,
            max_length=128,
        ),
    ],
    rules: Annotated[
        dict[str, Any] | None,
        Field(
            description="Full replacement: the top-level 'default' rule object (name, "
            "options, criteria, behaviors, children). A {'rules': {...}} wrapper is accepted."
        ),
    ] = None,
    patch: Annotated[
        list[JsonPatchOp] | None,
        Field(description="Instead of rules: JSON Patch operations (RFC 6902).", max_length=500),
    ] = None,
    rule_format: Annotated[
        str | None,
        Field(
            description="Switch the version to this rule format (e.g. v2024-10-21).",
            max_length=32,
        ),
    ] = None,
    dry_run: Annotated[
        bool, Field(description="Validate only: PAPI checks the tree but saves nothing.")
    ] = False,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> RulesUpdated:
    """Change a version's rule tree: a full replacement (rules) or a JSON Patch (patch),
    guarded by the etag.

    Get the tree and its etag with property-rules-get first. Versions that have been
    activated are frozen: create a new one with property-version-create. Returns the new
    etag and PAPI's validation errors (they block activation) and warnings (acknowledged at
    activation). An unknown behavior or malformed tree is refused with PAPI's message.
    """
    if (rules is None) == (patch is None):
        raise InputError(
            "rules",
            "give either rules (full replacement) or patch (JSON Patch), not both and not neither",
            allowed="rules or patch",
        )
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    version = await resolve_version(papi, pid, version)
    clean_etag = etag.strip().strip('"')
    if rules is not None:
        tree_rules = rules["rules"] if isinstance(rules.get("rules"), dict) else rules
        tree = await papi.update_rules(
            pid, version, tree_rules, etag=clean_etag, rule_format=rule_format, dry_run=dry_run
        )
        mode: Literal["replace", "patch"] = "replace"
    else:
        if rule_format:
            raise InputError("rule_format", "a rule format change needs a full replacement (rules)")
        ops = [op.wire() for op in patch or []]
        if not ops:
            raise InputError("patch", "no operations", allowed="one or more JSON Patch ops")
        tree = await papi.patch_rules(pid, version, ops, etag=clean_etag, dry_run=dry_run)
        mode = "patch"
    return RulesUpdated(
        property_id=pid,
        version=version,
        mode=mode,
        dry_run=dry_run,
        etag=tree.etag,
        previous_etag=clean_etag,
        rule_format=tree.rule_format,
        errors=problem_lines(tree.errors),
        warnings=problem_lines(tree.warnings),
    )


@tool(
    "property-version-diff", toolset="papi", kind="read", title="Compare two versions' rule trees"
)
async def property_version_diff(
    ctx: Ctx,
    property_id: PropertyRef,
    version_a: DiffBefore = None,
    version_b: DiffAfter = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> VersionDiff:
    """What changed between two versions' rule trees: rules, behaviors and criteria added,
    removed or changed (with before/after options), by rule path.

    By default version_b is the latest and version_a the version before it (the one it was
    made from); pass version_a=production to review it against what is live before
    activating it.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    b = await resolve_version(papi, pid, version_b, field="version_b")
    if version_a is None:
        base = PapiClient.base_version(b)
        if base is None:
            raise InputError(
                "version_a",
                f"v{b} is the first version of {pid}, so it has no base to compare with",
                allowed="a version to compare with (a number, latest, staging or production)",
            )
        a = base
    else:
        a = await resolve_version(papi, pid, version_a, field="version_a")
    before = await papi.get_rules(pid, a, validate=False)
    after = await papi.get_rules(pid, b, validate=False)
    changes = diff_rule_trees(before.rules, after.rules)
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.change] = counts.get(change.change, 0) + 1
    return VersionDiff(
        property_id=pid,
        version_a=a,
        version_b=b,
        identical=not changes,
        counts=counts,
        changes=changes,
    )
