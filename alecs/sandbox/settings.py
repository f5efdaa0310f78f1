"""How to run the sandbox: `SandboxSettings` (every field has a default that suits tests).

Used by `runner.SandboxThread` (which serves the app) and `app.SandboxApp` (which reads the
delays, faults, rate limits and clock skew from it); `runner` re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alecs.sandbox.faults import FaultRule
from alecs.sandbox.ratelimit import BucketSpec


@dataclass
class SandboxSettings:
    """How to run the sandbox. Every field has a default that suits tests."""

    port: int = 0
    host: str = "127.0.0.1"
    state_dir: Path | None = None  # None: a temporary directory removed by stop()
    persist: bool = False  # keep state in state_dir/sandbox.sqlite3
    reset: bool = False  # delete persisted state first: start from the seed data
    rate_limits: bool = True
    rate_limit_overrides: Mapping[str, BucketSpec | Mapping[str, Any]] = field(default_factory=dict)
    activation_delay_s: float = 5.0  # default delay of every long-running operation
    operation_delays: Mapping[str, float] = field(default_factory=dict)  # "papi.activation": 2
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    reset_rate: float = 0.0
    fault_pattern: str = "*"
    faults: Sequence[FaultRule | Mapping[str, Any]] = ()
    fault_seed: int | None = None
    max_clock_skew_s: float = 300.0
    headers_to_sign: tuple[str, ...] = ()  # headers the API clients must sign (edgerc key)
    keep_alive_s: float = 60.0
    graceful_timeout_s: float = 1.0
