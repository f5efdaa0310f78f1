"""Shared fixtures: the sandbox (a local Akamai API simulator over real TLS and HTTP/2).

- `sandbox` (session): one started `SandboxThread`, rate limits off, long-running operations
  finishing after `SANDBOX_ACTIVATION_DELAY_S`. Shared by every test: treat it as read-only, or
  use `fresh_sandbox`.
- `fresh_sandbox`: the same sandbox after a reset of state, counters, faults, rate-limit
  buckets and the simulated clock (faults are cleared again after the test). Use it whenever a
  test writes, injects faults, or asserts on counters.
- `sandbox_credentials`, `sandbox_credentials_b`: `Credentials` of the `[sandbox]` API client
  (account A, may switch accounts) and of `[sandbox-b]` (account B).
- `sandbox_factory`: start extra sandboxes with custom `SandboxSettings` (stopped after the test).
- the user data directory (`XDG_DATA_HOME`, where `--sandbox` keeps state) is a temporary
  directory for the whole session, subprocesses included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SANDBOX_ACTIVATION_DELAY_S = 1.0


@pytest.fixture(scope="session", autouse=True)
def _user_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test (and every process it starts) gets a throwaway user data directory, so a
    `--sandbox` command never keeps state in the real one."""
    import os

    path = tmp_path_factory.mktemp("xdg-data")
    saved = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(path)
    try:
        yield path
    finally:
        if saved is None:
            os.environ.pop("XDG_DATA_HOME", None)
        else:
            os.environ["XDG_DATA_HOME"] = saved


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from alecs.sandbox.runner import SandboxSettings, SandboxThread

    settings = SandboxSettings(
        port=0,
        state_dir=tmp_path_factory.mktemp("sandbox"),
        rate_limits=False,
        activation_delay_s=SANDBOX_ACTIVATION_DELAY_S,
    )
    sb = SandboxThread(settings).start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def fresh_sandbox(sandbox: Any) -> Iterator[Any]:
    sandbox.admin.reset()
    sandbox.admin.set_rate_limits(enabled=False)
    try:
        yield sandbox
    finally:
        sandbox.admin.clear_faults()
        sandbox.admin.set_rate_limits(enabled=False)


@pytest.fixture
def sandbox_credentials(sandbox: Any) -> Any:
    return sandbox.credentials("sandbox")


@pytest.fixture
def sandbox_credentials_b(sandbox: Any) -> Any:
    return sandbox.credentials("sandbox-b")


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """`sandbox_factory(persist=True, state_dir=...)` -> a started SandboxThread."""
    from alecs.sandbox.runner import SandboxSettings, SandboxThread

    started: list[Any] = []

    def make(**overrides: Any) -> Any:
        overrides.setdefault("state_dir", tmp_path / f"sandbox-{len(started)}")
        overrides.setdefault("port", 0)
        sb = SandboxThread(SandboxSettings(**overrides)).start()
        started.append(sb)
        return sb

    try:
        yield make
    finally:
        for sb in started:
            sb.stop()
