"""The fault benchmark's scenarios run end to end on the shared sandbox with small numbers: each
produces its rows with the measured counts (the results themselves are the benchmark's
business, `make faults`; this checks that the measurement is sound)."""

from __future__ import annotations

import argparse
from typing import Any

from tools.bench import faults


def _args(**overrides: Any) -> argparse.Namespace:
    values = {"reads": 20, "burst": 30, "creates": 2, "window": 1.5, "only": ""}
    values.update(overrides)
    return argparse.Namespace(**values)


async def test_each_scenario_measures_what_it_names(fresh_sandbox: Any) -> None:
    only = "reads_transport,reads_mcp,healthy_route,reset_20_streams,probes,lost_creates"
    rows = await faults.run(_args(only=only), fresh_sandbox)
    by_scenario: dict[str, list[faults.Row]] = {}
    for row in rows:
        by_scenario.setdefault(row.scenario, []).append(row)
    assert set(by_scenario) == set(only.split(","))
    assert all(row.measure != "scenario failed to run" for row in rows), rows

    for name in ("reads_transport", "reads_mcp"):
        success, attempts = by_scenario[name]
        assert success.details["calls"] == 20
        assert 0 <= success.details["succeeded"] <= 20
        assert success.result.endswith(f"({success.details['succeeded']}/20)")
        per_call = success.details.get("requests_per_tool_call_without_faults", 1)
        assert float(attempts.result) == round(success.details["requests"] / (20 * per_call), 2)
    assert by_scenario["reads_transport"][0].details["faults"]["error"] > 0, "faults injected"

    (healthy,) = by_scenario["healthy_route"]
    assert healthy.result.endswith("/40 succeeded")
    (reset,) = by_scenario["reset_20_streams"]
    assert reset.details["resets"] == 1
    duplicates, applied, said = by_scenario["lost_creates"]
    assert applied.details is duplicates.details
    assert duplicates.details["creates"] == 2
    assert duplicates.details["writes_applied"] >= 2, "every first create was applied"
    assert said.met is not None

    table = faults.render(rows)
    assert table.splitlines()[0] == "| scenario | measure | result | goal | met |"
    assert len(table.splitlines()) == len(rows) + 2
    fresh_sandbox.admin.set_rate_limits(enabled=False)


async def test_the_drained_bucket_scenario_counts_429s_reaching_the_caller(
    fresh_sandbox: Any,
) -> None:
    (row,) = await faults.drained_bucket(fresh_sandbox, 30)
    details = row.details
    assert details["remaining_before_burst"] <= 100, "the other client spent 90% of the bucket"
    assert details["burst"] == 30
    assert sum(details["outcomes"].values()) == 30
    fresh_sandbox.admin.set_rate_limits(enabled=False)
