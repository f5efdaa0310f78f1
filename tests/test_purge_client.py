"""The Fast Purge client and the sandbox's CCU v3 endpoints: input normalization, splitting at
50,000 bytes, requests and responses checked against Akamai's official OpenAPI spec, Fast
Purge's error documents, object rate limits, and retries of idempotent purges."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_schema import require_specs, validate_request, validate_response
from purge_support import ACCOUNT_A, raw_client, recording_transport

from alecs.akamai.purge import (
    MAX_BODY_BYTES,
    PurgeClient,
    PurgeIncomplete,
    PurgeInputError,
    body_bytes,
    normalize_cpcodes,
    normalize_tags,
    normalize_urls,
    split_objects,
)
from alecs.transport.errors import AkamaiApiError

API = "ccu/v3"


def _urls(n: int, host: str = "www.example.com") -> list[str]:
    return [f"https://{host}/catalog/item/{i:06d}/index.html?v=1" for i in range(n)]


# --------------------------------------------------------------------------- pure functions


def test_urls_are_normalized_the_way_fast_purge_wants_them() -> None:
    got = normalize_urls(
        [
            "www.example.com/a.html",  # no scheme: https
            "HTTPS://WWW.Example.com/caf\u00e9?q=1",  # host lower-cased, path percent-encoded
            "/img/logo.png",  # a path, joined to hostname
            "/L/512/6848/1h/www.example1.com/",  # an ARL stays as typed
            "http://b\u00fccher.example/x",  # IDN host -> IDNA
            "https://www.example.com/a.html",  # duplicate of the first
        ],
        hostname="www.example.com",
    )
    assert got == [
        "https://www.example.com/a.html",
        "https://www.example.com/caf%C3%A9?q=1",
        "https://www.example.com/img/logo.png",
        "/L/512/6848/1h/www.example1.com/",
        "http://xn--bcher-kva.example/x",
    ]
    assert normalize_cpcodes(["cpc_1000001", "1000002", 1000001]) == [1000001, 1000002]
    assert normalize_tags([" black-friday ", "laptops", "laptops"]) == ["black-friday", "laptops"]


@pytest.mark.parametrize(
    ("call", "field", "words"),
    [
        (lambda: normalize_urls(["https://www.example.com/ok", "ftp://x/y"]), "urls", "item 2"),
        (lambda: normalize_urls(["/no/host"]), "urls", "without a hostname"),
        (lambda: normalize_urls(["https://www.example.com/a b"]), "urls", "whitespace"),
        (lambda: normalize_urls(["https://bad host/"]), "urls", "whitespace"),
        (lambda: normalize_urls(["https://-x-.example..com/"]), "urls", "invalid hostname"),
        (lambda: normalize_cpcodes([1000001, "abc"]), "cpcodes", "'abc' is not a CP code"),
        (lambda: normalize_cpcodes([0]), "cpcodes", "not a CP code"),
        (lambda: normalize_tags(["ok", "has space"]), "tags", "item 2"),
        (lambda: normalize_tags(["a" * 129]), "tags", "longer than 128"),
    ],
)
def test_bad_objects_name_the_field_and_the_item(call: Any, field: str, words: str) -> None:
    with pytest.raises(PurgeInputError) as caught:
        call()
    assert caught.value.field == field
    assert words in str(caught.value)


def test_split_keeps_order_and_every_body_under_50000_bytes() -> None:
    urls = _urls(3000)  # about 150 KB of JSON
    batches = split_objects(urls, "url")
    assert len(batches) == 4
    assert [u for b in batches for u in b] == urls
    sizes = [body_bytes(b) for b in batches]
    assert all(s <= MAX_BODY_BYTES for s in sizes)
    assert all(s > MAX_BODY_BYTES - 100 for s in sizes[:-1])  # filled up, not wasteful
    # the size is the exact encoding the transport sends (compact JSON, UTF-8)
    one = batches[0]
    sent = json.dumps({"objects": one}, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(sent) == sizes[0]
    # CP codes: never more than the CP code bucket (300) in one request
    assert [len(b) for b in split_objects(list(range(1, 701)), "cpcode")] == [300, 300, 100]
    assert split_objects(["x"], "tag") == [["x"]]


# --------------------------------------------------------------------------- against the sandbox


@pytest.mark.parametrize("action", ["invalidate", "delete"])
@pytest.mark.parametrize(
    ("kind", "objects"),
    [
        ("url", ["https://www.example.com/index.html", "http://api.example.com/v1/x"]),
        ("url", ["/L/512/1000001/1h/www.example.com/index.html"]),  # ARL of our CP code
        ("cpcode", [1000001, 1000002]),
        ("tag", ["black-friday", "laptops"]),
    ],
)
@pytest.mark.parametrize("network", ["staging", "production"])
async def test_requests_and_responses_match_the_official_spec(
    fresh_sandbox: Any, action: str, kind: str, objects: list[Any], network: str
) -> None:
    require_specs(API)
    async with recording_transport(fresh_sandbox) as t:
        result = await PurgeClient(t, "sandbox").purge(
            action,  # type: ignore[arg-type]
            kind,  # type: ignore[arg-type]
            objects,
            network=network,  # type: ignore[arg-type]
        )
        (exchange,) = t.exchanges
    assert exchange.path == f"/ccu/v3/{action}/{kind}/{network}"
    validate_request(api=API, method="POST", path=exchange.path, body=exchange.body)
    assert exchange.status == 201
    validate_response(
        api=API, method="POST", path=exchange.path, status=201, body=exchange.response
    )
    assert exchange.response["detail"] == "Request accepted"
    (request,) = result.requests
    assert request.purge_id == exchange.response["purgeId"] and request.estimated_seconds == 5
    assert result.purge_ids == [request.purge_id] and result.estimated_seconds == 5
    assert request.purge_id.startswith({"url": "edup-", "cpcode": "edcp-", "tag": "edtp-"}[kind])
    stored = fresh_sandbox.admin.state(ACCOUNT_A, "purges")[request.purge_id]
    assert (stored["action"], stored["kind"], stored["network"]) == (action, kind, network)
    assert stored["objects"] == objects


async def test_a_large_list_is_split_and_each_request_arrives_once(fresh_sandbox: Any) -> None:
    urls = _urls(2500)
    async with recording_transport(fresh_sandbox) as t:
        seen: list[tuple[int, int]] = []

        async def on_batch(done: int, total: int, request: Any) -> None:
            seen.append((done, total))

        result = await PurgeClient(t, "sandbox").purge(
            "invalidate", "url", urls, network="production", on_batch=on_batch
        )
    route = "POST /ccu/v3/invalidate/url/{network}"
    n = len(result.requests)
    assert n == len(split_objects(urls, "url")) >= 3
    assert seen == [(i, n) for i in range(1, n + 1)]
    assert fresh_sandbox.admin.route_count(route) == n
    assert fresh_sandbox.admin.route_count(route, status=201) == n
    assert all(body_bytes(e.body["objects"]) <= MAX_BODY_BYTES for e in t.exchanges)
    purges = fresh_sandbox.admin.state(ACCOUNT_A, "purges")
    assert sorted(purges) == sorted(result.purge_ids)
    received = [u for e in t.exchanges for u in e.body["objects"]]
    assert received == urls and sum(len(p["objects"]) for p in purges.values()) == len(urls)


async def test_fast_purge_refusals_have_its_error_documents(fresh_sandbox: Any) -> None:
    """400, 403, 413 and 415 as Fast Purge words them (response.yaml: httpStatus, supportId,
    detail, title, describedBy), sent without the client's checks."""
    require_specs(API)
    path = "/ccu/v3/invalidate/url/production"
    async with raw_client(fresh_sandbox) as http:
        non_ascii = await http.post(path, json={"objects": ["https://www.example.com/dev\u00f3ps"]})
        bad_host = await http.post(path, json={"objects": ["https://bad_host!/x"]})
        foreign = await http.post(path, json={"objects": ["https://shop.example.net/"]})
        cpcode = await http.post("/ccu/v3/delete/cpcode/staging", json={"objects": [2000001]})
        extra = await http.post(path, json={"objects": ["https://www.example.com/"], "x": 1})
        empty = await http.post(path, json={"objects": []})
        too_big = await http.post(path, json={"objects": _urls(1200)})
        text = await http.post(path, content=b"objects", headers={"content-type": "text/plain"})
        network = await http.post("/ccu/v3/invalidate/url/edge", json={"objects": ["x"]})
    for resp, status, title in [
        (non_ascii, 400, "bad URL"),
        (bad_host, 400, "bad URL hostname"),
        (foreign, 403, "unauthorized arl"),
        (cpcode, 403, "unauthorized cpcode"),
        (extra, 400, "bad request"),
        (empty, 400, "bad request"),
        (too_big, 413, "Request Entity Too Large"),
        (text, 415, "bad media type"),
        (network, 400, "bad network"),
    ]:
        doc = resp.json()
        assert resp.status_code == status and doc["httpStatus"] == status, doc
        assert doc["title"] == title and doc["supportId"].startswith("ed")
        assert resp.headers["content-type"] == "application/problem+json"
        if status in (400, 403):
            validate_response(api=API, method="POST", path=path, status=status, body=doc)
    assert (
        "non-ASCII character '\u00f3' (LATIN SMALL LETTER O WITH ACUTE)"
        in non_ascii.json()["detail"]
    )
    assert foreign.json()["detail"] == "https://shop.example.net/"
    assert fresh_sandbox.admin.writes() == 0


async def test_object_rate_limits_deny_without_spending_tokens(fresh_sandbox: Any) -> None:
    require_specs(API)
    fresh_sandbox.admin.set_rate_limits(
        enabled=True,
        limits={"ccu-url": {"capacity": 3, "refill_per_s": 0.001}},
        refill=True,
    )
    path = "/ccu/v3/invalidate/url/production"
    async with raw_client(fresh_sandbox) as http:
        ok = await http.post(path, json={"objects": _urls(2)})
        denied = await http.post(path, json={"objects": _urls(2)})
        fits = await http.post(path, json={"objects": _urls(1)})
    assert ok.status_code == 201 and ok.headers["x-ratelimit-limit"] == "100"
    assert denied.status_code == 429 and int(denied.headers["retry-after"]) >= 1
    doc = denied.json()
    validate_response(api=API, method="POST", path=path, status=429, body=doc)
    assert doc["title"] == "URL Rate Limit exceeded"
    assert (doc["rateLimit"], doc["rateLimitCurrentRequestSize"], doc["rateLimitRemaining"]) == (
        3,
        2,
        1,
    )
    assert fits.status_code == 201  # the denied request took no URL tokens
    assert fresh_sandbox.admin.counters()["rate_limited"] == {"ccu-url": 1}


async def test_purges_are_retried_after_a_5xx_because_they_are_idempotent(
    fresh_sandbox: Any,
) -> None:
    """The first attempt is processed and then answered 503 (a lost response): the transport
    retries the POST, Akamai purges again (harmless) and the caller gets the second answer."""
    fresh_sandbox.admin.set_faults(
        pattern="POST /ccu/v3/*", error_rate=1.0, error_status=503, phase="after", times=1
    )
    async with recording_transport(fresh_sandbox) as t:
        result = await PurgeClient(t, "sandbox").purge("invalidate", "tag", ["a"])
    route = "POST /ccu/v3/invalidate/tag/{network}"
    assert fresh_sandbox.admin.counters()["routes"][route]["status"] == {"503": 1, "201": 1}
    assert fresh_sandbox.admin.writes(route) == 2
    assert len(result.requests) == 1 and result.purge_ids[0].startswith("edtp-")


async def test_a_failure_after_the_first_request_reports_what_was_purged(
    fresh_sandbox: Any,
) -> None:
    urls = _urls(1500)  # two requests; the second is refused for a foreign hostname
    urls[-1] = "https://shop.example.net/not-ours"
    async with recording_transport(fresh_sandbox) as t:
        with pytest.raises(PurgeIncomplete) as caught:
            await PurgeClient(t, "sandbox").purge("delete", "url", urls, network="staging")
        with pytest.raises(AkamaiApiError) as first:  # failing at once: the plain error
            await PurgeClient(t, "sandbox").purge("delete", "url", urls[-1:], network="staging")
    incomplete = caught.value
    assert len(incomplete.done) == 1 and incomplete.done[0].purge_id.startswith("edup-")
    assert incomplete.done[0].objects + incomplete.failed_objects == len(urls)
    assert incomplete.not_sent_objects == 0
    assert isinstance(incomplete.error, AkamaiApiError) and incomplete.error.status == 403
    assert first.value.status == 403 and first.value.title == "unauthorized arl"
