"""EdgeGrid signing through real httpx2 requests, checked against Akamai's own test vectors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import akamai.edgegrid
import httpx2
import pytest
from akamai.edgegrid.edgegrid import EdgeGridAuthHeaders

from alecs.config import Credentials
from alecs.transport.auth import EdgeGridAuth

VECTORS = Path(akamai.edgegrid.__file__).parent / "test"
DATA = json.loads((VECTORS / "testdata.json").read_text())
CASES = json.loads((VECTORS / "testcases.json").read_text())


def vector_credentials(**overrides: object) -> Credentials:
    values: dict = dict(
        section="vectors",
        host="akaa-baseurl-xxxxxxxxxxx-xxxxxxxxxxxxx.luna.akamaiapis.net",
        client_token=DATA["client_token"],
        client_secret=DATA["client_secret"],
        access_token=DATA["access_token"],
        max_body=DATA["max_body"],
        headers_to_sign=tuple(h.lower() for h in DATA["headers_to_sign"]),
    )
    values.update(overrides)
    return Credentials(**values)


class Capture:
    """An httpx2 transport that records the requests it is handed, as they would go out."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        return httpx2.Response(200, json={})


def send(auth: EdgeGridAuth, method: str, path: str, **kwargs: object) -> httpx2.Request:
    capture = Capture()
    base = DATA["base_url"].rstrip("/")
    with httpx2.Client(transport=httpx2.MockTransport(capture), auth=auth, base_url=base) as c:
        c.request(method, path, **kwargs)  # type: ignore[arg-type]
    assert len(capture.requests) == 1
    return capture.requests[0]


def fixed_auth(creds: Credentials | None = None) -> EdgeGridAuth:
    return EdgeGridAuth(
        creds or vector_credentials(),
        timestamp=lambda: DATA["timestamp"],
        nonce=lambda: DATA["nonce"],
    )


@pytest.mark.parametrize(
    "case", [c for c in CASES if "failsWithMessage" not in c], ids=lambda c: c["testName"]
)
def test_akamai_vectors_through_real_httpx2_requests(case: dict) -> None:
    req = case["request"]
    headers: dict[str, str] = {}
    for item in req.get("headers", []):
        headers.update(item)
    headers.pop("Host", None)  # httpx2 sets Host from the URL, as on the wire
    content = req["data"].encode() if "data" in req else None
    sent = send(fixed_auth(), req["method"], req["path"], headers=headers, content=content)
    assert sent.headers["Authorization"] == case["expectedAuthorization"]


def signature_of(sent: httpx2.Request, creds: Credentials) -> str:
    """Recompute the signature independently from what was put on the wire."""
    auth_header = sent.headers["Authorization"]
    unsigned = auth_header[: auth_header.index("signature=")]
    timestamp = unsigned.split("timestamp=")[1].split(";")[0]

    class OnTheWire:
        method = sent.method
        url = f"https://{sent.url.netloc.decode()}{sent.url.raw_path.decode()}"
        headers = sent.headers
        body = sent.content

    helper = EdgeGridAuthHeaders(
        creds.client_token,
        creds.client_secret,
        creds.access_token,
        headers_to_sign=creds.headers_to_sign,
        max_body=creds.max_body,
    )
    return helper.sign_request(OnTheWire, timestamp, unsigned)


@pytest.mark.parametrize(
    "path,params",
    [
        ("/papi/v1/search/a b|c[d]~e%7e", None),
        ("/papi/v1/properties", {"q": "name with spaces & symbols=|[]~", "unicode": "café"}),
        ("/config-dns/v2/zones/example.com/names/www.example.com/types/A", {"a": "1;2"}),
    ],
)
def test_urls_needing_encoding_sign_exactly_what_is_sent(path: str, params: dict | None) -> None:
    creds = vector_credentials()
    sent = send(EdgeGridAuth(creds), "GET", path, params=params)
    assert sent.headers["Authorization"].endswith("signature=" + signature_of(sent, creds))


def test_post_body_longer_than_max_body_hashes_only_the_first_max_body_bytes() -> None:
    creds = vector_credentials(max_body=16)
    body = b"0123456789abcdef" + b"X" * 1000
    sent = send(fixed_auth(creds), "POST", "/t", content=body)
    truncated = send(fixed_auth(creds), "POST", "/t", content=body[:16])
    other_tail = send(fixed_auth(creds), "POST", "/t", content=body[:16] + b"Y" * 1000)
    assert sent.content == body  # the whole body goes out
    assert sent.headers["Authorization"] == truncated.headers["Authorization"]
    assert sent.headers["Authorization"] == other_tail.headers["Authorization"]
    changed_head = send(fixed_auth(creds), "POST", "/t", content=b"!" + body[1:])
    assert changed_head.headers["Authorization"] != sent.headers["Authorization"]


def test_account_switch_key_is_appended_and_signed() -> None:
    creds = vector_credentials(account_key="1-ABC:1-DEF")
    sent = send(EdgeGridAuth(creds), "GET", "/papi/v1/contracts", params={"x": "1"})
    assert sent.url.params["accountSwitchKey"] == "1-ABC:1-DEF"
    assert sent.url.params["x"] == "1"
    assert sent.headers["Authorization"].endswith("signature=" + signature_of(sent, creds))
    # without the key in the signed URL, the signature would differ
    stripped = httpx2.Request(
        "GET", sent.url.copy_remove_param("accountSwitchKey"), headers=sent.headers
    )
    assert signature_of(stripped, creds) != signature_of(sent, creds)


def test_per_call_account_switch_key_overrides_the_section() -> None:
    creds = vector_credentials(account_key="1-SECTION")
    capture = Capture()
    with httpx2.Client(
        transport=httpx2.MockTransport(capture),
        auth=EdgeGridAuth(creds),
        base_url="https://example.net",
    ) as client:
        request = client.build_request(
            "GET", "/papi/v1/groups", extensions={"alecs.account_key": "1-CALL"}
        )
        client.send(request)
    assert capture.requests[0].url.params["accountSwitchKey"] == "1-CALL"


def test_every_attempt_gets_a_fresh_timestamp_and_nonce() -> None:
    auth = EdgeGridAuth(vector_credentials())
    seen = {
        send(auth, "GET", "/x").headers["Authorization"].split("nonce=")[1].split(";")[0]
        for _ in range(5)
    }
    assert len(seen) == 5


def test_no_secret_in_debug_logs_or_repr(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    creds = vector_credentials()
    auth = EdgeGridAuth(creds)
    sent = send(auth, "POST", "/t", content=b"{}")
    logging.getLogger("test").debug("auth %r", auth)
    text = caplog.text + repr(auth) + repr(creds) + str(creds)
    for secret in (creds.client_secret, creds.client_token, creds.access_token):
        assert secret not in text
    assert sent.headers["Authorization"] not in text
    assert "signature=" not in text
