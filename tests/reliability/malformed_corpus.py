"""Malformed requests and what the proxy must answer: a 4xx in OpenAI's error shape each.

A case names the route, the raw body (bytes as sent, or a JSON-able value),
the expected status and a fragment of the message that tells the client what
to fix. Headers replace the default master-key `Authorization` when given.
"""

from dataclasses import dataclass, field
from typing import Any

CHAT = "/v1/chat/completions"
MESSAGES = "/v1/messages"
CLIENTS = "/hr/admin/clients"
USER = [{"role": "user", "content": "When do you open?"}]


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    body: bytes | dict[str, Any] | list[Any] | str | None
    status: int
    fragment: str
    method: str = "POST"
    headers: dict[str, str] | None = None
    content_type: str = "application/json"
    extra: dict[str, Any] = field(default_factory=dict)


def chat(**fields: Any) -> dict[str, Any]:
    return {"model": "auto", "messages": USER, **fields}


def anthropic(**fields: Any) -> dict[str, Any]:
    return {"model": "auto", "max_tokens": 50, "messages": USER, **fields}


def user(content: Any) -> dict[str, Any]:
    return {"model": "auto", "messages": [{"role": "user", "content": content}]}


CORPUS: list[Case] = [
    # -- bytes that are not a JSON object ---------------------------------------------------
    Case("truncated_json", CHAT, b'{"model": "auto", "messages": [', 400, "not valid JSON"),
    Case("json_array", CHAT, b"[1, 2, 3]", 400, "must be a JSON object"),
    Case("json_string", CHAT, b'"hello"', 400, "must be a JSON object"),
    Case("json_null", CHAT, b"null", 400, "must be a JSON object"),
    Case("empty_body", CHAT, b"", 400, "not valid JSON"),
    Case("invalid_utf8", CHAT, b'{"model": "auto", "messages": "\xff\xfe"}', 400, "UTF-8"),
    Case("trailing_garbage", CHAT, b'{"model": "auto", "messages": []} xyz', 400, "not valid JSON"),
    Case("deeply_nested", CHAT, b'{"model": "auto", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         400, "not valid JSON"),
    Case("nan_temperature", CHAT,
         b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "temperature": NaN}',
         400, "not valid JSON"),
    Case("infinite_number", CHAT,
         b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], '
         b'"temperature": 1e999}', 400, "too large"),
    Case("five_thousand_digits", CHAT,
         b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "max_tokens": '
         + b"9" * 5000 + b"}", 400, "out of range"),
    Case("form_encoded", CHAT, b"model=auto&messages=hi", 400, "not valid JSON",
         content_type="application/x-www-form-urlencoded"),
    # -- wrong shapes and types -------------------------------------------------------------
    Case("missing_messages", CHAT, {"model": "auto"}, 400, "messages"),
    Case("empty_messages", CHAT, chat(messages=[]), 400, "messages"),
    Case("messages_string", CHAT, chat(messages="hi"), 400, "messages"),
    Case("messages_object", CHAT, chat(messages={"role": "user", "content": "hi"}), 400,
         "messages"),
    Case("message_not_object", CHAT, chat(messages=["hi"]), 400, "messages"),
    Case("content_number", CHAT, user(42), 400, "content"),
    Case("content_null", CHAT, user(None), 400, "content"),
    Case("content_part_unknown_type", CHAT, user([{"type": "video", "video": "x"}]), 400,
         "content"),
    Case("content_part_no_text", CHAT, user([{"type": "text"}]), 400, "content"),
    Case("unknown_role", CHAT, chat(messages=[{"role": "wizard", "content": "x"}]), 400, "role"),
    Case("missing_role", CHAT, chat(messages=[{"content": "x"}]), 400, "role"),
    Case("blank_content", CHAT, user("   "), 400, "non-empty content"),
    Case("model_number", CHAT, {"model": 123, "messages": USER}, 400, "model"),
    Case("missing_model", CHAT, {"messages": USER}, 400, "model"),
    Case("unknown_model", CHAT, {"model": "gpt-9", "messages": USER}, 400, "unknown model"),
    Case("max_tokens_string", CHAT, chat(max_tokens="many"), 400, "max_tokens"),
    Case("max_tokens_negative", CHAT, chat(max_tokens=-5), 400, "max_tokens"),
    Case("max_tokens_zero", CHAT, chat(max_tokens=0), 400, "max_tokens"),
    Case("max_tokens_fraction", CHAT, chat(max_tokens=1.5), 400, "max_tokens"),
    Case("max_tokens_huge", CHAT, chat(max_tokens=10**9), 400, "max_tokens"),
    Case("max_tokens_astronomic", CHAT, chat(max_tokens=10**40), 400, "max_tokens"),
    Case("max_completion_tokens_huge", CHAT, chat(max_completion_tokens=10**9), 400,
         "max_completion_tokens"),
    Case("stream_string", CHAT, chat(stream="yes"), 400, "stream"),
    Case("temperature_string", CHAT, chat(temperature="hot"), 400, "temperature"),
    Case("temperature_out_of_range", CHAT, chat(temperature=7), 400, "temperature"),
    Case("tools_not_a_list", CHAT, chat(tools="all of them"), 400, "tools"),
    Case("response_format_string", CHAT, chat(response_format="json"), 400, "response_format"),
    Case("stop_number", CHAT, chat(stop=5), 400, "stop"),
    Case("metadata_string", CHAT, chat(metadata="x"), 400, "metadata"),
    # -- size -------------------------------------------------------------------------------
    Case("ten_megabytes", CHAT, user("x" * (10 * 1024 * 1024)), 413, "larger than"),
    # -- the Anthropic route ----------------------------------------------------------------
    Case("anthropic_truncated_json", MESSAGES, b'{"model": "auto", "max_tokens": 5', 400,
         "not valid JSON"),
    Case("anthropic_invalid_utf8", MESSAGES, b'{"model": "\xc3\x28"}', 400, "UTF-8"),
    Case("anthropic_missing_max_tokens", MESSAGES, {"model": "auto", "messages": USER}, 400,
         "max_tokens"),
    Case("anthropic_unknown_model", MESSAGES, anthropic(model="claude-x"), 400, "unknown model"),
    Case("anthropic_empty_content", MESSAGES,
         anthropic(messages=[{"role": "user", "content": ""}]), 400, "non-empty content"),
    Case("anthropic_messages_string", MESSAGES, anthropic(messages="hi"), 400, "messages"),
    Case("anthropic_system_number", MESSAGES, anthropic(system=42), 400, "system"),
    Case("anthropic_max_tokens_string", MESSAGES, anthropic(max_tokens="lots"), 400,
         "max_tokens"),
    Case("anthropic_max_tokens_huge", MESSAGES, anthropic(max_tokens=10**9), 400, "max_tokens"),
    Case("anthropic_system_role_in_messages", MESSAGES,
         anthropic(messages=[{"role": "system", "content": "x"}]), 400, "role"),
    # -- keys -------------------------------------------------------------------------------
    Case("no_key", CHAT, chat(), 401, "missing API key", headers={}),
    Case("wrong_key", CHAT, chat(), 401, "invalid or revoked API key",
         headers={"Authorization": "Bearer sk-wrong"}),
    Case("basic_scheme", CHAT, chat(), 401, "API key",
         headers={"Authorization": "Basic Zm9vOmJhcg=="}),
    Case("bearer_without_key", CHAT, chat(), 401, "API key", headers={"Authorization": "Bearer"}),
    # -- admin fields: injection strings and nonsense ---------------------------------------
    Case("admin_name_sql", CLIENTS, {"name": "x'; DROP TABLE client; --"}, 400, "name"),
    Case("admin_name_nul", CLIENTS, {"name": "cafe\u0000lune"}, 400, "name"),
    Case("admin_name_script", CLIENTS, {"name": "<script>alert(1)</script>"}, 400, "name"),
    Case("admin_name_long", CLIENTS, {"name": "a" * 10_000}, 400, "name"),
    Case("admin_name_number", CLIENTS, {"name": 7}, 400, "name"),
    Case("admin_budget_negative", CLIENTS, {"name": "cafe-neg", "budget_usd": -1}, 400,
         "budget_usd"),
    Case("admin_budget_text", CLIENTS, {"name": "cafe-text", "budget_usd": "lots"}, 400,
         "budget_usd"),
    Case("admin_budget_huge", CLIENTS, {"name": "cafe-huge", "budget_usd": 1e308}, 400,
         "budget_usd"),
    Case("admin_period_unknown", CLIENTS, {"name": "cafe-p", "period": "fortnight"}, 400,
         "period"),
    Case("admin_not_json", CLIENTS, b"name=x", 400, "JSON"),
    Case("admin_path_traversal", CLIENTS + "/..%2F..%2Fetc%2Fpasswd", None, 404, "not found",
         method="GET"),
    Case("admin_key_for_sql_name", CLIENTS + "/x%27%20OR%201%3D1/keys", {}, 404, "no client",
         ),
    Case("admin_label_unknown_tier", "/hr/admin/logs/abc/label", {"label": "moon"}, 400, "label"),
    Case("admin_activate_sql", "/hr/admin/models/1%20OR%201%3D1/activate", {}, 404, "version"),
    Case("admin_query_nul", "/hr/admin/spend?client=cafe%00lune", None, 400, "client",
         method="GET"),
    Case("admin_path_nul", CLIENTS + "/cafe%00lune", None, 400, "name", method="GET"),
    Case("admin_key_label_nul", CLIENTS + "/anyone/keys", {"label": "front\u0000desk"}, 400,
         "label"),
    Case("admin_logs_limit_negative", "/hr/admin/logs?limit=-1", None, 400, "limit",
         method="GET"),
    Case("admin_logs_limit_text", "/hr/admin/logs?limit=abc", None, 400, "limit", method="GET"),
    Case("admin_report_since_garbage", "/hr/admin/report?since=yesterday%27--", None, 400,
         "a period is", method="GET"),
]  # fmt: skip
