"""Property Manager tools: activations (activate, deactivate, cancel, list, check).

Activations take minutes; a call waits at most `timeout_s` (default 45 s, under the common
60 s client timeout) with progress notifications carrying PAPI's state, obeying its
`Retry-After`, then answers with the activation id, its state and `next_call`, the exact call
that continues waiting. Activating the same version on the same network again while it is
pending attaches to that activation (same id) instead of failing. PRODUCTION activations,
deactivations and cancellations ask the user first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BeforeValidator, Field

from alecs.akamai.papi import (
    Activation,
    ActivationPendingError,
    ActivationSubmitted,
    PapiClient,
)
from alecs.akamai.waiting import papi_activation_progress
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
from alecs.tools.waits import DEFAULT_WAIT_S, NextCall, WaitSeconds, bounded_wait, continue_call

TOOL_ERRORS: ErrorMap = PAPI_ERRORS


DEFAULT_POLL_S = {"STAGING": 10.0, "PRODUCTION": 30.0}
MIN_POLL_S = 1.0


Emails = Annotated[
    list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]],
    Field(min_length=1, max_length=20),
    BeforeValidator(as_list),
    Field(description="Who Akamai emails about the activation's progress (at least one address)."),
]


TimeoutArg = WaitSeconds


class ActivationOutcome(ToolOutput):
    activation_id: str
    property_id: str
    version: int | None
    network: str
    activation_type: str
    status: str = Field(description="PENDING, ACTIVE, FAILED, ...")
    finished: bool = Field(description="True once ACTIVE/FAILED (the final state).")
    progress: float = Field(
        description="0-100 from PAPI's state (NEW 5, PENDING 10, ZONE_1-3 35/60/85); 100 only "
        "when finished."
    )
    attached: bool = Field(
        default=False,
        description="True when this call found the same activation already pending and "
        "followed it instead of submitting another.",
    )
    waited_s: float
    polls: int
    next_step: str
    next_call: NextCall | None = Field(
        default=None, description="While not finished: the exact call that continues waiting."
    )
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
    customer: str | None,
    account_switch_key: str | None,
    attached: bool = False,
) -> ActivationOutcome:
    outcome = await bounded_wait(
        ctx,
        lambda: papi.get_activation(property_id, activation_id),
        done=lambda a: a.finished,
        progress_of=lambda a: papi_activation_progress(a.status),
        describe=lambda a: f"{a.status} on {a.network} ({a.activation_id})",
        timeout_s=timeout_s if wait else 0.0,
        interval_s=_poll_interval(network),
    )
    activation, finished = outcome.state, outcome.finished
    waited, polls = round(outcome.waited_s, 3), outcome.polls
    next_call = None
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
        next_call = continue_call(
            "property-activation-get",
            property_id=property_id,
            activation_id=activation_id,
            wait=True,
            customer=customer,
            account_switch_key=account_switch_key,
        )
        hint = (
            f" PAPI expects a change in about {activation.retry_after_s:g} s."
            if activation.retry_after_s
            else ""
        )
        follow = "Followed the activation already pending. " if attached else ""
        next_step = (
            f"{follow}Still {activation.status} after {waited:g} s; this is not a failure: "
            f"activations take minutes.{hint} Continue waiting with {next_call.text} "
            f"(or cancel it with property-activation-cancel while it is pending)."
        )
    return ActivationOutcome(
        activation_id=activation.activation_id,
        property_id=property_id,
        version=activation.property_version,
        network=activation.network,
        activation_type=activation.activation_type,
        status=activation.status,
        finished=finished,
        progress=100.0 if finished else papi_activation_progress(activation.status),
        attached=attached,
        waited_s=waited,
        polls=polls,
        next_step=next_step,
        next_call=next_call,
        activation=activation,
    )


def _pending_error(exc: ActivationPendingError, customer: str | None, key: str | None) -> Exception:
    pending = exc.pending
    wait = continue_call(
        "property-activation-get",
        property_id=pending.property_id,
        activation_id=pending.activation_id,
        wait=True,
        customer=customer,
        account_switch_key=key,
    )
    cancel = continue_call(
        "property-activation-cancel",
        property_id=pending.property_id,
        activation_id=pending.activation_id,
        network=pending.network,
        customer=customer,
        account_switch_key=key,
    )
    return ToolError(
        f"{exc}. Nothing new was submitted. Wait for it with {wait.text}, or cancel it with "
        f"{cancel.text}, then call again."
    )


async def _submit_and_wait(
    ctx: Ctx,
    papi: PapiClient,
    pid: str,
    submit: Awaitable[ActivationSubmitted],
    network: str,
    wait: bool,
    timeout_s: float,
    customer: str | None,
    account_switch_key: str | None,
) -> ActivationOutcome:
    """Send an activation or deactivation (or follow the identical pending one), then wait
    within the bounded wait."""
    try:
        submitted = await submit
    except ActivationPendingError as exc:
        raise _pending_error(exc, customer, account_switch_key) from None
    how = "following pending" if submitted.attached else "submitted"
    await Progress(ctx, total=100)(0, f"{how} {submitted.activation_id} on {network}")
    return await _wait(
        ctx,
        papi,
        pid,
        submitted.activation_id,
        network=network,
        timeout_s=timeout_s,
        wait=wait,
        customer=customer,
        account_switch_key=account_switch_key,
        attached=submitted.attached,
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
    timeout_s: TimeoutArg = DEFAULT_WAIT_S,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ActivationOutcome:
    """Activate a property version on STAGING or PRODUCTION and wait until it is live.

    Activate on STAGING first and test; PRODUCTION changes the live site, so the user is
    asked to confirm. Needs the property (property-search/property-list) and who to notify;
    the version defaults to the latest. Waits at most timeout_s (default 45 s) with progress
    notifications carrying PAPI's state; activations take minutes, so the answer is often
    still PENDING with next_call, the exact call that continues waiting (not a failure).
    Calling again with the same version and network while it is pending follows that same
    activation (same atv_ id). Another version pending on the network is refused with how to
    wait for it or cancel it. Refused by PAPI while the version has rule errors.
    """
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    number = await resolve_version(papi, pid, version)
    if in_dry_run():
        return await papi.plan_activate(pid, number, network)
    submit = papi.activate_or_attach(
        pid,
        number,
        network,
        notify_emails=notify_emails,
        note=note,
        acknowledge_all_warnings=acknowledge_all_warnings,
        acknowledge_warnings=acknowledge_warnings,
        use_fast_fallback=use_fast_fallback,
    )
    return await _submit_and_wait(
        ctx, papi, pid, submit, network, wait, timeout_s, customer, account_switch_key
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
    timeout_s: TimeoutArg = DEFAULT_WAIT_S,
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
    submit = papi.activate_or_attach(
        pid, active, network, notify_emails=notify_emails, note=note, deactivate=True
    )
    return await _submit_and_wait(
        ctx, papi, pid, submit, network, wait, timeout_s, customer, account_switch_key
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
    timeout_s: TimeoutArg = DEFAULT_WAIT_S,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ActivationOutcome:
    """The state of one activation (PENDING, ACTIVE, FAILED, ...); with wait=true, wait
    for it to finish with progress notifications. Use after property-activate timed out."""
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    aid = normalize_id(activation_id, "atv_", field="activation_id")
    first = await papi.get_activation(pid, aid)
    return await _wait(
        ctx,
        papi,
        pid,
        aid,
        network=first.network,
        timeout_s=timeout_s,
        wait=wait,
        customer=customer,
        account_switch_key=account_switch_key,
    )


class ActivationCancelled(ToolOutput):
    activation_id: str
    property_id: str
    version: int | None
    network: str
    status: str = Field(description="ABORTED once PAPI has cancelled it.")
    next_step: str
    activation: Activation

    def summary(self) -> str:
        return (
            f"Cancelled {self.activation_id} (v{self.version} of {self.property_id} on "
            f"{self.network}): {self.status}. {self.next_step}"
        )


def _ask_cancel(network: str, property_id: str, activation_id: str) -> str | None:
    if network != "PRODUCTION":
        return None
    return (
        f"Cancel activation {activation_id} of property {property_id} on PRODUCTION? The "
        "version being activated will not go live."
    )


@tool(
    "property-activation-cancel",
    toolset="papi",
    kind="destructive",
    title="Cancel a pending property activation",
)
async def property_activation_cancel(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_cancel)],
    property_id: PropertyRef,
    activation_id: Annotated[
        IdText,
        BeforeValidator(int_as_text),
        Field(description="atv_... of the pending activation (from property-activate)."),
    ],
    network: Annotated[
        NetworkArg,
        Field(description="The activation's network, as property-activate returned it."),
    ],
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ActivationCancelled:
    """Cancel a property activation (or deactivation) that is still pending, before it goes
    live. PRODUCTION asks the user to confirm. Only a pending activation can be cancelled;
    one already ACTIVE is not undone this way (activate the previous version instead, or use
    fast fallback within the hour). Needs the atv_ id and network from property-activate or
    property-activation-list."""
    papi = papi_client(ctx, customer, account_switch_key)
    pid = await resolve_property_id(papi, property_id)
    aid = normalize_id(activation_id, "atv_", field="activation_id")
    current = await papi.get_activation(pid, aid)
    if current.network != network:
        raise InputError(
            "network",
            f"{aid} is an activation on {current.network}, not {network}",
            allowed=current.network,
        )
    if current.finished:
        raise InputError(
            "activation_id",
            f"{aid} is already {current.status}; only a pending activation can be cancelled",
            allowed="a pending activation (property-activation-list shows them)",
        )
    if in_dry_run():
        return await papi.plan_cancel_activation(pid, aid)
    cancelled = await papi.cancel_activation(pid, aid)
    return ActivationCancelled(
        activation_id=cancelled.activation_id,
        property_id=pid,
        version=cancelled.property_version,
        network=cancelled.network,
        status=cancelled.status,
        next_step=(
            f"v{cancelled.property_version} will not go live on {cancelled.network}; "
            "activate a version again with property-activate when ready."
        ),
        activation=cancelled,
    )
