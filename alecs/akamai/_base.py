"""What every Akamai API client shares: the model base, the input-problem error, the client base.

Each API module (``papi.py``, ``edgedns.py``, ...) subclasses these and keeps its own public
names (``PapiModel``, ``RecordValidationError``, ``PapiClient``, ...).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, WithJsonSchema, model_validator
from pydantic.alias_generators import to_snake

from alecs.transport.errors import AmbiguousWriteError

log = logging.getLogger("alecs.akamai")
T = TypeVar("T")

JSON_TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"]
JsonValue = Annotated[Any, WithJsonSchema({"anyOf": [{"type": t} for t in JSON_TYPES]})]
"""Any JSON value, with a schema that says so (strict MCP clients reject untyped fields)."""

if TYPE_CHECKING:
    import httpx2

    from alecs.transport import Transport


class AkamaiInputError(ValueError):
    """Input an Akamai API would refuse, found before sending: names the field.

    ``field`` is the offending input, ``problem`` what is wrong with it and ``allowed`` what
    would be accepted (text, a list of choices, or None). ``message`` replaces the default
    ``"field: problem (allowed: ...)"`` text of the exception.
    """

    def __init__(
        self,
        field: str,
        problem: str,
        allowed: str | list[str] | None = None,
        *,
        message: str | None = None,
    ) -> None:
        self.field = field
        self.problem = problem
        self.allowed = allowed
        if message is None:
            message = f"{field}: {problem}" + (f" (allowed: {allowed})" if allowed else "")
        super().__init__(message)


class AkamaiModel(BaseModel):
    """Reads an API's camelCase members (``propertyId``) into snake_case fields (``property_id``).

    Only top-level names are converted; a member whose name already is a field is kept as is.
    Unknown members are ignored. Subclasses adjust the converted mapping in :meth:`_renamed`.
    """

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _from_camel(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        return cls._renamed(
            {k if k in cls.model_fields else to_snake(k): v for k, v in data.items()}
        )

    @classmethod
    def _renamed(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Hook for API-specific renames after the camelCase conversion (none by default)."""
        return data


class ServiceClient:
    """One Akamai API for one .edgerc section (and optionally another account).

    Subclasses set ``base_path`` (``"/papi/v1"``), ``api_family`` (for rate limiting) and, if
    the API wants them on every call, ``default_headers``.
    """

    base_path: ClassVar[str]
    api_family: ClassVar[str]
    default_headers: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self, transport: Transport, section: str, account_switch_key: str | None = None
    ) -> None:
        self._transport = transport
        self.section = section
        self.account_switch_key = account_switch_key

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        raise_for_status: bool = True,
    ) -> httpx2.Response:
        """``transport.request`` for ``base_path + path`` as this client's section and account.

        ``headers`` add to (and override) ``default_headers``.
        """
        merged = {**self.default_headers, **dict(headers or {})}
        return await self._transport.request(
            self.section,
            method,
            self.base_path + path,
            params=dict(params or {}),
            json=json,
            content=content,
            headers=merged or None,
            account_switch_key=self.account_switch_key,
            idempotent=idempotent,
            api_family=self.api_family,
            raise_for_status=raise_for_status,
        )


async def reconcile(
    write: Callable[[], Awaitable[T]],
    check: Callable[[], Awaitable[tuple[bool | None, T | None]]],
    *,
    what: str,
    how_to_check: str,
) -> T:
    """Run `write`; when its outcome is unknown (`AmbiguousWriteError`: the request was sent,
    then the connection broke or timed out), find out with `check` before answering.

    `check()` returns `(applied, value)`: `(True, value)` when the write is found applied (a
    create finds its object by name, a guarded PUT re-reads what it wrote): `value` is returned
    as if the response had arrived. `(False, None)`: not applied, the error says it is safe to
    send again. `(None, None)`, or a check that fails: unknown, and the error says how to check
    (`how_to_check`). A write therefore never ends in a bare network error.
    """
    try:
        return await write()
    except AmbiguousWriteError as lost:
        try:
            applied, value = await check()
        except Exception as failure:  # the check itself failed: the outcome stays unknown
            lost.settle(None)
            raise lost.resolved(None, how_to_check) from failure
        # The circuit breaker counts the call's final outcome: applied means the host worked
        # and only its answer was lost.
        lost.settle(bool(applied and value is not None))
        if applied and value is not None:
            log.warning("%s: the response was lost but the write was applied (checked)", what)
            return value
        raise lost.resolved(applied, how_to_check) from lost


def contains(sent: Any, current: Any) -> bool:
    """Whether `current` holds everything `sent` holds (the server may add members, such as
    ids and defaults, to what it stores): objects member by member, lists item by item."""
    if isinstance(sent, Mapping):
        return isinstance(current, Mapping) and all(
            k in current and contains(v, current[k]) for k, v in sent.items()
        )
    if isinstance(sent, list):
        return (
            isinstance(current, list)
            and len(sent) == len(current)
            and all(contains(a, b) for a, b in zip(sent, current, strict=True))
        )
    return bool(sent == current)
