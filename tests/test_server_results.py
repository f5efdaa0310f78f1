"""Tool results: the second text block is the structured content as compact JSON."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from alecs.tools._common import ToolOutput, to_result


class Out(ToolOutput):
    name: str
    rule_format: str | None = Field(None, alias="ruleFormat")
    items: list[dict[str, Any]]

    def summary(self) -> str:
        return f"{self.name}: {len(self.items)} item(s)"


def test_the_json_block_is_the_structured_content_compact_and_unescaped() -> None:
    value = Out(
        name="Société 中文",
        ruleFormat="v2024-10-21",
        items=[{"a": 1, "b": [1.5, None, True, "x\ny"]}, {"nested": {"k": "é"}}],
    )
    result = to_result(value)
    summary, text = result.content
    assert summary.text == "Société 中文: 2 item(s)"
    assert result.structured_content == value.model_dump(mode="json", by_alias=True)
    assert json.loads(text.text) == result.structured_content
    # Compact (no indentation or spaces), non-ASCII as is: what json.dumps would write.
    assert text.text == json.dumps(
        result.structured_content, separators=(",", ":"), ensure_ascii=False
    )


def test_values_that_are_not_models_pass_through() -> None:
    assert to_result("plain") == "plain"
