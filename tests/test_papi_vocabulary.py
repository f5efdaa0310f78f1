"""One vocabulary in the PAPI client: version selectors (a number, latest, staging,
production), contracts searched when omitted (asking only when ambiguous), edge hostnames
across contracts. Against the sandbox (account A: contracts ctr_1-5SBXC1 and ctr_1-5SBXC2).
"""

from __future__ import annotations

from typing import Any

import pytest
from purge_support import recording_transport

from alecs.akamai.papi import PapiClient, PapiLookupError, parse_version


@pytest.mark.parametrize(
    ("given", "parsed"),
    [(3, 3), ("3", 3), ("v3", 3), (None, "latest"), ("Latest", "latest"),
     ("staging", "STAGING"), ("PRODUCTION", "PRODUCTION")],
)  # fmt: skip
def test_version_selectors(given: Any, parsed: Any) -> None:
    assert parse_version(given) == parsed


@pytest.mark.parametrize("bad", [0, "v0", "newest", True, "3.5"])
def test_bad_version_names_the_field_and_choices(bad: Any) -> None:
    with pytest.raises(PapiLookupError) as caught:
        parse_version(bad)
    assert caught.value.field == "version"


async def test_resolve_version_by_network(fresh_sandbox: Any) -> None:
    async with recording_transport(fresh_sandbox) as t:
        papi = PapiClient(t, "sandbox")
        latest = await papi.resolve_version("prp_600001", "latest")
        staging = await papi.resolve_version("prp_600001", "staging")
        production = await papi.resolve_version("prp_600001", "production")
        number = await papi.resolve_version("prp_600001", 2)
        with pytest.raises(PapiLookupError) as caught:
            await papi.resolve_version("prp_600004", "production")  # never activated
    assert (latest, staging, production, number) == (3, 3, 2, 2)
    assert caught.value.field == "version" and "PRODUCTION" in str(caught.value)
    assert PapiClient.base_version(3) == 2 and PapiClient.base_version(1) is None


async def test_contract_found_from_the_product_or_asked_with_choices(fresh_sandbox: Any) -> None:
    async with recording_transport(fresh_sandbox) as t:
        papi = PapiClient(t, "sandbox")
        by_contract = await papi.products_by_contract()
        only_c1 = await papi.contract_for_product("prd_SPM")
        with pytest.raises(PapiLookupError) as ambiguous:
            await papi.contract_for_product("Fresca")
        with pytest.raises(PapiLookupError) as unknown:
            await papi.contract_for_product("prd_Nope")
    assert set(by_contract) == {"ctr_1-5SBXC1", "ctr_1-5SBXC2"}
    assert only_c1 == "ctr_1-5SBXC1"
    assert ambiguous.value.field == "contract_id"
    assert ambiguous.value.choices == ["ctr_1-5SBXC1", "ctr_1-5SBXC2"]
    assert unknown.value.field == "product_id" and "prd_SPM" in unknown.value.choices


async def test_edge_hostnames_across_every_contract(fresh_sandbox: Any) -> None:
    async with recording_transport(fresh_sandbox) as t:
        papi = PapiClient(t, "sandbox")
        everything = await papi.list_edge_hostnames_all()
        one = await papi.list_edge_hostnames_all("ctr_1-5SBXC1", "grp_100002")
    ids = [e.edge_hostname_id for e in everything]
    assert len(ids) == len(set(ids)) and "ehn_500001" in ids
    assert {e.edge_hostname_id for e in one} <= set(ids)
