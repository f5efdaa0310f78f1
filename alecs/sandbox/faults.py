"""Fault injection: latency, jitter, 5xx errors and connection resets, per route pattern.

A fault rule (JSON through `POST /_sandbox/faults`, or built from the command-line flags)::

    {
      "pattern": "POST /ccu/v3/*",   # fnmatch on "METHOD /path" or "/path", against both the
                                      # request path and the route template; "*" = everything
      "latency_ms": 200,             # added before the request is handled
      "jitter_ms": 50,               # plus uniform 0..jitter_ms
      "error_rate": 0.5,             # probability of answering `error_status` instead
      "error_status": 503,
      "retry_after_s": null,         # adds Retry-After to injected errors
      "reset_rate": 0.0,             # probability of aborting the TCP connection (RST)
      "phase": "before",             # "before": the request is not processed;
                                      # "after": processed (writes applied), then the fault
      "times": null                  # apply to the next N matching requests only
    }

All matching rules apply in order: latencies add up; the first error or reset wins.
`seed` on the fault set makes the random choices reproducible.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

_FIELDS = (
    "pattern",
    "latency_ms",
    "jitter_ms",
    "error_rate",
    "error_status",
    "retry_after_s",
    "reset_rate",
    "phase",
    "times",
)


class FaultConfigError(ValueError):
    """A fault rule that cannot be used; the message names the field."""


@dataclass
class FaultRule:
    pattern: str = "*"
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    retry_after_s: float | None = None
    reset_rate: float = 0.0
    phase: str = "before"
    times: int | None = None
    applied: int = field(default=0, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        if not isinstance(data, dict):
            raise FaultConfigError("a fault rule must be a JSON object")
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise FaultConfigError(
                f"unknown fault field(s) {', '.join(unknown)}; allowed: {', '.join(_FIELDS)}"
            )
        rule = cls()
        for name in _FIELDS:
            if name in data and data[name] is not None:
                setattr(rule, name, data[name])
        rule.validate()
        return rule

    def validate(self) -> None:
        if not isinstance(self.pattern, str) or not self.pattern:
            raise FaultConfigError("'pattern' must be a non-empty string such as '/papi/*'")
        for name in ("latency_ms", "jitter_ms"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise FaultConfigError(f"'{name}' must be a number >= 0")
        for name in ("error_rate", "reset_rate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise FaultConfigError(f"'{name}' must be a probability between 0 and 1")
        if not isinstance(self.error_status, int) or not 400 <= self.error_status <= 599:
            raise FaultConfigError("'error_status' must be an HTTP status from 400 to 599")
        if self.phase not in ("before", "after"):
            raise FaultConfigError("'phase' must be 'before' or 'after'")
        if self.times is not None and (not isinstance(self.times, int) or self.times < 1):
            raise FaultConfigError("'times' must be a positive integer or null")
        if self.retry_after_s is not None and (
            not isinstance(self.retry_after_s, int | float) or self.retry_after_s < 0
        ):
            raise FaultConfigError("'retry_after_s' must be a number >= 0 or null")

    def matches(self, method: str, path: str, template: str | None) -> bool:
        if self.times is not None and self.applied >= self.times:
            return False
        pattern = self.pattern
        if " " in pattern:
            want_method, _, pattern = pattern.partition(" ")
            if want_method != "*" and want_method.upper() != method.upper():
                return False
        if fnmatch.fnmatchcase(path, pattern):
            return True
        return template is not None and fnmatch.fnmatchcase(template, pattern)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FaultDecision:
    """What to do to one request."""

    delay_s: float = 0.0
    error_status: int | None = None
    retry_after_s: float | None = None
    reset: bool = False
    phase: str = "before"


class Faults:
    """The active fault rules (thread-safe: the admin API and the server share it)."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = list(rules or [])
        self._random = random.Random(seed)

    def set(self, rules: list[FaultRule], *, seed: int | None = None, replace: bool = True) -> None:
        with self._lock:
            if replace:
                self._rules = list(rules)
            else:
                self._rules.extend(rules)
            if seed is not None:
                self._random.seed(seed)

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def decide(self, method: str, path: str, template: str | None) -> FaultDecision:
        decision = FaultDecision()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path, template):
                    continue
                rule.applied += 1
                decision.delay_s += rule.latency_ms / 1000.0
                if rule.jitter_ms:
                    decision.delay_s += self._random.uniform(0, rule.jitter_ms) / 1000.0
                if decision.reset or decision.error_status is not None:
                    continue
                if rule.reset_rate and self._random.random() < rule.reset_rate:
                    decision.reset = True
                    decision.phase = rule.phase
                elif rule.error_rate and self._random.random() < rule.error_rate:
                    decision.error_status = rule.error_status
                    decision.retry_after_s = rule.retry_after_s
                    decision.phase = rule.phase
        return decision
