"""Property Manager tools: activations (activate, deactivate, list, check).

Activations wait with progress notifications until ACTIVE or FAILED, obeying PAPI's
`Retry-After`; a timeout returns the state and how to check again. PRODUCTION activations and
deactivations ask the user first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from alecs.akamai.papi import Activation, PapiClient
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    Ctx,
    Customer,
    ErrorMap,
    IdText,
    InputError,
    Limit,
    NetworkArg,
    Progress,
    ToolOutput,
    as_list,
    confirmation,
    int_as_text,
    normalize_id,
    poll,
    tool,
    upper_text,
)
from alecs.tools.dryrun import in_dry_run
from alecs.tools.papi._shared import (
    PAPI_ERRORS,
    OptionalVersion,
    PropertyRef,
    papi_client,
    resolve_property_id,
    resolve_version,
)

TOOL_ERRORS: ErrorMap = PAPI_ERRORS


DEFAULT_POLL_S = {"STAGING": 10.0, "PRODUCTION": 30.0}
MIN_POLL_S = 1.0


Emails = Annotated[
    list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]],
    Field(min_length=1, max_length=20),
    BeforeValidator(as_list),
    Field(description="Who Akamai emails about the activation's progress (at least one address)."),
]


TimeoutArg = Annotated[
    float,
    Field(
        ge=0,
        le=3600,
        description="How long to wait for ACTIVE/FAILED, in seconds (staging usually takes "
        "minutes, production longer). On timeout the current state comes back with how to "
        "check again.",
    ),
]


class ActivationOutcome(ToolOutput):
    activation_id: str
    property_id: str
    version: int | None
    network: str
    activation_type: str
    status: str = Field(description="PENDING, ACTIVE, FAILED, ...")
    finished: bool = Field(description="True once ACTIVE/FAILED (the final state).")
    waited_s: float
    polls: int
    next_step: str
    activation: Activation

    def summary(self) -> str:
        return (
            f"{self.activation_type} {self.property_id} v{self.version} on {self.network}: "
            f"{self.status} ({self.activation_id}). {self.next_step}"
        )


class ActivationList(ToolOutput):
    property_id: str
    activations: list[Activation]

    def summary(self) -> str:
        lines = [f"{self.property_id}: {len(self.activations)} activation(s), newest first"]
        lines += [
            f"- {a.activation_id} {a.activation_type} v{a.property_version} {a.network} "
            f"{a.status} {a.submit_date}"
            for a in self.activations
        ]
        return "\n".join(lines)


def _ask_activate(network: str, property_id: str, version: int | None) -> str | None:
    if network != "PRODUCTION":
        return None
    which = f"version {version}" if version is not None else "the latest version"
    return (
        f"Activate {which} of property {property_id} on PRODUCTION? This changes the live "
        "site's delivery configuration."
    )


def _ask_deactivate(network: str, property_id: str) -> str | None:
    if network != "PRODUCTION":
        return None
    return (
        f"Deactivate property {property_id} on PRODUCTION? Its hostnames stop being served by "
        "this configuration on the live network."
    )


def _poll_interval(network: str) -> Callable[[Activation], float]:
    def interval(activation: Activation) -> float:
        hint = activation.retry_after_s
        return max(MIN_POLL_S, hint if hint is not None else DEFAULT_POLL_S[network])

    return interval


async def _wait(
    ctx: Ctx,
    papi: PapiClient,
    property_id: str,
    activation_id: str,
    *,
    network: str,
    timeout_s: float,
    wait: bool,
) -> ActivationOutcome:
    progress = Progress(ctx, total=100)
    if wait:
        outcome = await poll(
            lambda: papi.get_activation(property_id, activation_id),
            done=lambda a: a.finished,
            timeout_s=timeout_s,
            interval_s=_poll_interval(network),
            progress=progress,
            describe=lambda a: f"{a.status} on {a.network} ({a.activation_id})",
        )
        activation, finished = outcome.state, outcome.finished
        waited, polls = round(outcome.waited_s, 3), outcome.polls
    else:
        activation = await papi.get_activation(property_id, activation_id)
        finished, waited, polls = activation.finished, 0.0, 1
    check = (
        f"property-activation-get property_id={property_id} activation_id={activation_id} wait=true"
    )
    if activation.status == "ACTIVE" and activation.activation_type == "DEACTIVATE":
        next_step = f"Deactivated on {network}."
    elif activation.status == "ACTIVE":
        next_step = f"v{activation.property_version} is live on {network}."
        if network == "STAGING":
            next_step += " Test it on staging, then activate on PRODUCTION."
    elif finished:
        cause = activation.failure_cause or {}
        next_step = (
            f"The activation ended {activation.status}"
            + (f": {cause.get('detail') or cause}" if cause else "")
            + ". Fix the cause and activate again."
        )
    else:
        hint = (
            f" PAPI expects a change in about {activation.retry_after_s:g} s."
            if activation.retry_after_s
            else ""
        )
        next_step = (
            f"Still {activation.status} after {waited:g} s; this is not a failure.{hint} Check "
            f"again with {check}."
        )
    return ActivationOutcome(
        activation_id=activation.activation_id,
        property_id=property_id,
        version=activation.property_version,
        network=activation.network,
        activation_type=activation.activation_type,
        status=activation.status,
        finished=finished,
        waited_s=waited,
        polls=polls,
        next_step=next_step,
        activation=activation,
    )


@tool(
    "property-activate",
    toolset="papi",
    kind="write",
    title="Activate a property version",
    destructive=True,
)
async def property_activate(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_activate)],
    property_id: PropertyRef,
    notify_emails: Emails,
    network: NetworkArg = "STAGING",
    version: OptionalVersion = None,
    note: Annotated[
        str | None, Field(description="Why (shown in the activation history).", max_length=500)
    ] = None,
    acknowledge_all_warnings: Annotated[
        bool,
        Field(description="Acknowledge every rule warning (Akamai's recommended setting)."),
    ] = True,
    acknowledge_warnings: Annotated[
        list[str] | None,
        Field(description="With acknowledge_all_warnings false: warning messageIds (msg_...)."),
    ] = None,
    use_fast_fallback: Annotated[
        bool,
        Field(description="Fall back to the previous version (within an hour of activating)."),
    ] = False,
    wait: Annotated[
        bool, Field(description="Wait for ACTIVE/FAILED with progress notifications.")
    ] = True,
    timeout_s: TimeoutArg = 600,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ActivationOutcome:
    """Activate a property version on STAGING or PRODUCTION and wait until it is live.

    Activate on STAGING first and test; PRODUCTION changes the live site, so the user is
    asked to confirm. Needs the property (property-search/property-list) and who to notify;
    the version defaults to the latest. Waits with progress notifications until ACTIVE or
    FAILED, checking as often as PAPI's Retry-After suggests; when timeout_s passes first
    the result says the current state and how to check again (not a failure). Refused by
    PAPI while another activation of the property on that network is pending, or while
    the version has rule errors.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    number = await resolve_version(papi, pid, version)
    if in_dry_run():
        return await papi.plan_activate(pid, number, network)
    activation_id = await papi.activate(
        pid,
        number,
        network,
        notify_emails=notify_emails,
        note=note,
        acknowledge_all_warnings=acknowledge_all_warnings,
        acknowledge_warnings=acknowledge_warnings,
        use_fast_fallback=use_fast_fallback,
    )
    await Progress(ctx, total=100)(0, f"submitted {activation_id} on {network}")
    return await _wait(
        ctx, papi, pid, activation_id, network=network, timeout_s=timeout_s, wait=wait
    )


@tool(
    "property-deactivate",
    toolset="papi",
    kind="write",
    title="Deactivate a property",
    destructive=True,
)
async def property_deactivate(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_deactivate)],
    property_id: PropertyRef,
    notify_emails: Emails,
    network: NetworkArg = "STAGING",
    note: Annotated[str | None, Field(description="Why.", max_length=500)] = None,
    wait: Annotated[bool, Field(description="Wait until the deactivation completes.")] = True,
    timeout_s: TimeoutArg = 600,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ActivationOutcome:
    """Stop serving a property on STAGING or PRODUCTION (deactivates the active version).

    PRODUCTION asks the user to confirm. Needed before property-delete. Waits with progress
    notifications like property-activate.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    prop = await papi.get_property(pid)
    active = prop.staging_version if network == "STAGING" else prop.production_version
    if active is None:
        raise InputError("network", f"{pid} is not active on {network}; nothing to deactivate")
    if in_dry_run():
        return await papi.plan_activate(pid, active, network, deactivate=True)
    activation_id = await papi.activate(
        pid, active, network, notify_emails=notify_emails, note=note, deactivate=True
    )
    await Progress(ctx, total=100)(0, f"submitted {activation_id} on {network}")
    return await _wait(
        ctx, papi, pid, activation_id, network=network, timeout_s=timeout_s, wait=wait
    )


@tool(
    "property-activation-list", toolset="papi", kind="read", title="List a property's activations"
)
async def property_activation_list(
    ctx: Ctx,
    property_id: PropertyRef,
    network: Annotated[
        Literal["STAGING", "PRODUCTION"] | None,
        BeforeValidator(upper_text),
        Field(description="Only this network."),
    ] = None,
    limit: Limit = 20,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ActivationList:
    """The property's activation history (activations and deactivations on both networks),
    newest first, with status, version, note and who was notified."""
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    items = await papi.list_activations(pid)
    if network:
        items = [a for a in items if a.network == network]
    return ActivationList(property_id=pid, activations=items[:limit])


@tool("property-activation-get", toolset="papi", kind="read", title="Check an activation")
async def property_activation_get(
    ctx: Ctx,
    property_id: PropertyRef,
    activation_id: Annotated[
        IdText,
        BeforeValidator(int_as_text),
        Field(description="atv_... (from property-activate or the list)."),
    ],
    wait: Annotated[
        bool, Field(description="Keep waiting (with progress) until ACTIVE/FAILED.")
    ] = False,
    timeout_s: TimeoutArg = 300,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ActivationOutcome:
    """The state of one activation (PENDING, ACTIVE, FAILED, ...); with wait=true, wait
    for it to finish with progress notifications. Use after property-activate timed out."""
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    aid = normalize_id(activation_id, "atv_", field="activation_id")
    first = await papi.get_activation(pid, aid)
    return await _wait(ctx, papi, pid, aid, network=first.network, timeout_s=timeout_s, wait=wait)
