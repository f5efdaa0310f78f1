"""One error shape: "<tool> failed: <why>" then what to do, for every source of tool errors.
(Through a real MCP client: tests/test_closed_inputs_mcp.py.)"""

from __future__ import annotations

import pytest

from alecs.error_shape import shape_error_text


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("Error executing tool t: Confirmation required: ok? Ask the user; call again", None),
        ("Akamai API error: status 404, Not Found\ndetail: no such property", "Check the IDs"),
        ("Akamai API error: status 422, Unprocessable\ndetail: pending", "Fix what Akamai"),
        ("Akamai API error: status 503, Unavailable", "call again in a minute"),
        ("Invalid value for `zone`: 'x' is not a zone name", "Fix `zone` and call again"),
        ("Network error: refused\nnetwork-diagnostics (probe: true) shows the path.", None),
        ("Invalid arguments for t:\n- `a`: required\nFix these arguments and call again.", None),
    ],
)
def test_every_error_starts_with_what_failed_and_ends_with_what_to_do(
    text: str, advice: str | None
) -> None:
    shaped = shape_error_text("t", text)
    first, *rest = shaped.splitlines()
    assert first.startswith("t failed: ") and "Error executing tool" not in shaped
    original = text.removeprefix("Error executing tool t: ")
    assert shaped.startswith("t failed: " + original.splitlines()[0])  # the source's words kept
    if advice is None:
        assert shaped == "t failed: " + original  # it already said what to do
    else:
        assert advice in rest[-1]
    assert shape_error_text("t", shaped) == shaped
