"""Closed tool inputs, the rules alone: unknown keys named with the closest parameters,
camelCase aliases, the same argument given twice. (Through a real MCP client against the
sandbox: tests/test_closed_inputs_mcp.py.)"""

from __future__ import annotations

import pytest

from alecs.closed_inputs import (
    ConflictingArguments,
    UnknownArguments,
    check_arguments,
    close_schema,
    snake_case,
)

PURGE = ["urls", "cpcodes", "tags", "hostname", "network", "customer", "account_switch_key"]


def test_unknown_key_names_the_closest_parameter() -> None:
    with pytest.raises(UnknownArguments) as caught:
        check_arguments("purge-invalidate", {"urls": [], "netwrok": "STAGING"}, PURGE)
    assert str(caught.value) == (
        "`netwrok` is not an argument of purge-invalidate; did you mean `network`?"
    )
    assert caught.value.fields == ["netwrok"]
    with pytest.raises(UnknownArguments, match="did you mean `types`"):
        check_arguments("dns-record-list", {"type": "CNAME"}, ["zone", "types", "search"])
    with pytest.raises(UnknownArguments) as far:
        check_arguments("x", {"zzz": 1}, ["zone"])
    assert str(far.value) == "`zzz` is not an argument of x."


def test_camel_case_aliases() -> None:
    args = {"propertyId": "prp_1", "accountSwitchKey": "k", "page-size": 3}
    names = ["property_id", "account_switch_key", "page_size"]
    assert check_arguments("t", args, names) == {
        "property_id": "prp_1",
        "account_switch_key": "k",
        "page_size": 3,
    }
    assert check_arguments("t", {"propertyId": "a", "property_id": "a"}, names) == {
        "property_id": "a"
    }
    with pytest.raises(ConflictingArguments, match="`propertyId` and `property_id`"):
        check_arguments("t", {"property_id": "a", "propertyId": "b"}, names)
    assert snake_case("contractID") == "contract_id"


def test_closed_schema() -> None:
    assert close_schema({"type": "object", "properties": {}})["additionalProperties"] is False
