"""``dry_run`` on every write tool, added once by the registry.

For a tool that changes something (``spec.writes``) and does not declare ``dry_run`` itself, the
registry publishes one more argument, ``dry_run: bool = False`` (:data:`DryRunArg`), and an
output schema that is the tool's own model *or* a :class:`~alecs.akamai.plan.WritePlan`
(:func:`output_or_plan`). With ``dry_run: true`` the wrapper runs the tool body inside
:func:`~alecs.akamai.plan.reads_only`: the body validates its arguments as always, then, seeing
:func:`in_dry_run`, returns the service client's ``plan_*`` instead of writing::

    if in_dry_run():
        return await dns.plan_upsert_record_set(zone, record)
    result = await dns.upsert_record_set(zone, record)

Inside ``reads_only`` a state-changing request is refused before it is sent, so a body that
forgot to branch fails loudly instead of writing. A dry run never asks for confirmation; the
confirmation question of a real call shows the same plan (:func:`preview_text`).

A tool that declares ``dry_run`` itself (``property-rules-update``, whose dry run is PAPI's own)
keeps its argument and output.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Union

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field, RootModel

from alecs.akamai.plan import DryRunViolation, WritePlan, in_dry_run, reads_only

log = logging.getLogger("alecs.tools")

DRY_RUN = "dry_run"

DryRunArg = Annotated[
    bool,
    Field(
        description=(
            "true: check the arguments, read the current state and return the plan (what would "
            "change, as before/after per object, and what Akamai would refuse) without changing "
            "anything and without asking for confirmation. Use it to show the user a change "
            "before making it."
        ),
    ),
]
"""The ``dry_run`` argument the registry adds to every write tool."""


def declares_dry_run(fn: Callable[..., Any]) -> bool:
    """Whether the tool body takes ``dry_run`` itself (then the registry adds nothing)."""
    return DRY_RUN in inspect.signature(fn).parameters


@functools.cache
def output_or_plan(model: type[BaseModel]) -> type[RootModel[Any]]:
    """The published output of a write tool: ``model`` or a :class:`WritePlan` (a dry run).

    The schema is ``{"type": "object", "anyOf": [model, WritePlan]}``; a real call's structured
    content is exactly what it was, a dry run's is the plan.
    """
    root = RootModel[Union[model, WritePlan]]  # noqa: UP007 (a runtime union of two classes)
    return type(
        f"{model.__name__}OrPlan",
        (root,),
        {
            "model_config": ConfigDict(
                json_schema_extra={"type": "object"}, title=f"{model.__name__} or WritePlan"
            ),
            "__module__": model.__module__,
            "__doc__": f"{model.__name__}, or with dry_run: true, the WritePlan.",
        },
    )


def published_signature(fn: Callable[..., Any], *, add_dry_run: bool = True) -> inspect.Signature:
    """``fn``'s signature, annotations evaluated, with ``dry_run`` added and the output
    widened to ``model | plan`` (``add_dry_run``), or else as it is."""
    sig = inspect.signature(fn, eval_str=True)
    if not add_dry_run:
        return sig
    params = list(sig.parameters.values())
    params.append(
        inspect.Parameter(
            DRY_RUN, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=DryRunArg
        )
    )
    returns = sig.return_annotation
    if isinstance(returns, type) and issubclass(returns, BaseModel):
        returns = Annotated[CallToolResult, output_or_plan(returns)]
    return sig.replace(parameters=params, return_annotation=returns)


def publish(
    wrapper: Callable[..., Any], fn: Callable[..., Any], *, add_dry_run: bool = True
) -> None:
    """Give the tool wrapper its published signature (the SDK derives both schemas from it).

    The annotations are evaluated once, here: the SDK then sees the same ``Resolve`` objects
    the registry bound (string annotations would be evaluated anew on every look-up).
    """
    sig = published_signature(fn, add_dry_run=add_dry_run)
    wrapper.__signature__ = sig  # type: ignore[attr-defined]
    annotations = {
        name: p.annotation
        for name, p in sig.parameters.items()
        if p.annotation is not inspect.Parameter.empty
    }
    annotations["return"] = sig.return_annotation
    wrapper.__annotations__ = annotations


class NoDryRun(RuntimeError):
    """The tool body returned something other than a plan in a dry run (a missing branch)."""


async def run_dry(body: Callable[..., Awaitable[Any]], kwargs: dict[str, Any]) -> WritePlan:
    """Run a tool body as a dry run: reads only, and the result must be a :class:`WritePlan`."""
    with reads_only():
        result = await body(**kwargs)
    if not isinstance(result, WritePlan):
        raise NoDryRun(f"the tool returned {type(result).__name__}, not a plan")
    return result


def context_of(kwargs: dict[str, Any]) -> Context[Any, Any] | None:
    return next((v for v in kwargs.values() if isinstance(v, Context)), None)


async def preview_text(body: Callable[..., Awaitable[Any]], kwargs: dict[str, Any]) -> str | None:
    """The plan of a call, as text for its confirmation question (never raises; ``None`` when
    the tool has no plan)."""
    try:
        plan = await run_dry(body, kwargs)
    except (DryRunViolation, NoDryRun) as exc:  # a tool without a plan: the question alone
        log.warning("no preview: %s", exc)
        return None
    except Exception as exc:  # a preview must never stop the question being asked
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"(Preview unavailable: {detail[:300]})"
    return plan.preview()


__all__ = [
    "DRY_RUN",
    "DryRunArg",
    "NoDryRun",
    "WritePlan",
    "declares_dry_run",
    "in_dry_run",
    "output_or_plan",
    "preview_text",
    "publish",
    "published_signature",
    "run_dry",
]
