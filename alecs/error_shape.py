"""One shape for every tool error: "what failed: why. what to do".

Tool errors come from four places: the SDK (a `ToolError` text prefixed "Error executing tool
NAME: "), alecs' argument checks ("Invalid arguments for NAME:", unknown keys), input problems
found inside a tool ("Invalid value for `field`: ..."), and Akamai or the network ("Akamai API
error: status 422, ...", "Network error: ..."). `shape_error_text` gives all of them the same
form:

    NAME failed: <why, as the source said it>
    <details, unchanged>
    <what to do>

The first line always starts with the tool's name and "failed:"; the original wording follows
unchanged (so Akamai's status, title and detail stay as Akamai sent them), and a last sentence
says what to do when the source did not.
"""

from __future__ import annotations

import re

_SDK_PREFIX = re.compile(r"^Error executing tool [^:]+: ?")
_STATUS = re.compile(r"^Akamai API error: status (\d{3})")
_ADVICE_WORDS = (
    "call again",
    "call this tool again",
    "try again",
    "check again",
    "fix ",
    "use ",
    "ask the user",
    "restart alecs",
    "start alecs",
    "network-diagnostics",
    "give ",
    "say which",
    "wait ",
)


def _akamai_advice(status: int) -> str:
    if status in (401, 403):
        return (
            "Check that the .edgerc section's API client may use this API and account "
            "(alecs config check), then call again."
        )
    if status == 404:
        return "Check the IDs (the list tools show them), then call again."
    if status in (409, 412):
        return "Someone changed it meanwhile: read it again, then repeat the change."
    if status == 429:
        return "Wait the time Akamai asked for, then call again."
    if status >= 500:
        return (
            "Akamai could not complete the request: call again in a minute; "
            "network-diagnostics shows the path's health."
        )
    return "Fix what Akamai's detail above names, then call again."


def _has_advice(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _ADVICE_WORDS)


def shape_error_text(tool: str, text: str) -> str:
    """`text` of a tool error in the one shape (idempotent: shaped text is returned as is)."""
    head = f"{tool} failed: "
    if text.startswith(head):
        return text
    body = _SDK_PREFIX.sub("", text.strip(), count=1) or "unknown error"
    lines = [head + body]
    if not _has_advice(body):
        status = _STATUS.match(body)
        if status:
            lines.append(_akamai_advice(int(status.group(1))))
        elif body.startswith("Invalid value for `"):
            field = body[len("Invalid value for `") :].split("`", 1)[0]
            lines.append(f"Fix `{field}` and call again; nothing was sent.")
        else:
            lines.append("Correct the call and try again.")
    return "\n".join(lines)
