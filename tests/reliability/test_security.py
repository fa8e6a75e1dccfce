"""Security: what a client key can reach, and what the router keeps of keys and personal data.

- A client key is refused on every operator route (the admin API as its
  OpenAPI description lists it, `/metrics`, the dashboard), with a 403 in
  OpenAI's error shape, and the refused calls change nothing.
- A client key sees its own client and spend, never another client's,
  whatever it puts in the query string or the request body.
- E-mail addresses, card and phone numbers, API keys pasted in messages, the
  client's key and the master key never reach the database, the proxy's log
  output or the request-log spill files in plain text.

Each case runs its own emulators and proxy on a throw-away Postgres database.
"""

import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from tests.reliability.conftest import Figures
from tests.support.commands import admin, new_client
from tests.support.database import query
from tests.support.emulator_faults import cloud_faults
from tests.support.tcp_proxy import tcp_proxy

pytestmark = pytest.mark.integration

CAFE_QUESTION = "When do you open on Sunday?"
# router_service/auth/client_auth.py: a valid client key outside its own routes.
REFUSED_STATUS, REFUSED_TYPE = 403, "permission_error"
OPENAI_ERROR_FIELDS = {"message", "type", "param", "code"}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
WITH_BODY = ("POST", "PUT", "PATCH")
# In the admin API's description, but a client key's own route.
CLIENT_ROUTES = {("GET", "/hr/me")}
# LiteLLM's own management routes: unused here, and closed to client keys all the same.
LITELLM_ADMIN_ROUTES = (
    ("POST", "/key/generate"), ("GET", "/key/list"), ("POST", "/user/new"),
    ("GET", "/spend/logs"), ("POST", "/model/new"),
)  # fmt: skip


# -- small helpers -------------------------------------------------------------------------


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def key_id(key: str) -> str:
    """The public part of a client key `sk-hr-<id>-<secret>`."""
    return key.removeprefix("sk-hr-").partition("-")[0]


def key_secret(key: str) -> str:
    """The secret part of a client key: only its SHA-256 may be stored."""
    return key.removeprefix("sk-hr-").partition("-")[2]


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    """Log rows are written off the request path: wait until they are there."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def chat(proxy: Proxy, key: str, messages: list[dict[str, str]], **fields: Any) -> httpx.Response:
    body = {"model": "auto", "messages": messages, **fields}
    return httpx.post(
        proxy.url + "/v1/chat/completions", headers=bearer(key), json=body, timeout=60
    )


def ask(proxy: Proxy, key: str, text: str, **fields: Any) -> str:
    """One answered chat request; its request id."""
    response = chat(proxy, key, [{"role": "user", "content": text}], **fields)
    assert response.status_code == 200, response.text
    return response.headers["x-hybrid-request-id"]


def assert_refused(response: httpx.Response) -> None:
    """A client key outside its routes: 403, in OpenAI's error shape."""
    where = f"{response.request.method} {response.request.url.raw_path.decode()}"
    assert response.status_code == REFUSED_STATUS, (where, response.status_code, response.text)
    error = response.json()["error"]
    assert set(error) >= OPENAI_ERROR_FIELDS, (where, error)
    assert error["type"] == REFUSED_TYPE and error["message"], (where, error)


def log_row_count(database_url: str) -> int:
    ((count,),) = query(database_url, "SELECT count(*) FROM request_log")
    return int(str(count))


# -- 1. the operator's routes --------------------------------------------------------------


def admin_operations(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every (method, path template) the admin API's OpenAPI description lists."""
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


def fill_path(template: str, values: Mapping[str, str]) -> str:
    """`/hr/admin/keys/{key_id}/revoke` with real values, so a call let through would act."""
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), "probe"), template)


def operator_view(proxy: Proxy) -> dict[str, Any]:
    """What the master key sees of clients, keys, spend, logs and models."""
    keys = admin(proxy, "GET", "/hr/admin/keys")
    for key in keys:
        key.pop("last_used_at")  # moves whenever a key is checked, refused call or not
    return {
        "clients": admin(proxy, "GET", "/hr/admin/clients"),
        "keys": keys,
        "spend": admin(proxy, "GET", "/hr/admin/spend"),
        "logs": admin(proxy, "GET", "/hr/admin/logs?limit=1000"),
        "models": admin(proxy, "GET", "/hr/admin/models"),
        "serving": admin(proxy, "GET", "/hr/admin/models/serving"),
    }


def test_client_keys_are_refused_on_every_operator_route(
    process_logs: Path, database_url: str, figures: Figures
) -> None:
    env = {"HR_DATABASE_URL": database_url}
    with run_emulators(process_logs) as emulators, run_proxy(emulators, process_logs, env) as proxy:
        name, key = new_client(proxy, "intruder")
        request_id = ask(proxy, key, CAFE_QUESTION)  # a real row for /logs/{request_id}/label
        wait_for(lambda: log_row_count(database_url) == 1, "the request's log row")
        spec = admin(proxy, "GET", "/hr/admin/openapi.json")
        operations = admin_operations(spec)
        # Not vacuous: the routes that would hand out or take away a key are among them.
        assert ("POST", "/hr/admin/clients/{name}/keys") in operations
        assert ("POST", "/hr/admin/keys/{key_id}/revoke") in operations
        values = {
            "name": name,
            "key_id": key_id(key),  # its own: a revocation let through would lock it out
            "request_id": request_id,
            "version": admin(proxy, "GET", "/hr/admin/models/serving")["version"],
        }
        before = operator_view(proxy)

        tried = 0
        for method, template in [*operations, *LITELLM_ADMIN_ROUTES]:
            if (method, template) in CLIENT_ROUTES:
                continue
            body = {} if method in WITH_BODY else None
            url = proxy.url + fill_path(template, values)
            assert_refused(httpx.request(method, url, headers=bearer(key), json=body, timeout=10))
            tried += 1
        assert_refused(httpx.get(proxy.url + "/hr/admin/openapi.json", headers=bearer(key)))
        assert_refused(httpx.get(proxy.url + "/metrics", headers=bearer(key)))
        # The dashboard also takes the master key as HTTP Basic's password; not a client key.
        dashboard = [path for _, path in operations if path.startswith("/hr/admin/dashboard")]
        assert dashboard
        for path in dashboard:
            assert_refused(httpx.get(proxy.url + path, auth=("admin", key), timeout=10))

        # Nothing changed: no new key, no revocation, no budget, client or model change.
        assert operator_view(proxy) == before
        me = httpx.get(proxy.url + "/hr/me", headers=bearer(key), timeout=10)
        assert me.status_code == 200 and me.json()["key_id"] == key_id(key)
        ask(proxy, key, CAFE_QUESTION)  # the key still works
    figures(
        admin_operations=len(operations),
        client_key_calls_refused=tried + 2 + len(dashboard),
        litellm_routes_refused=len(LITELLM_ADMIN_ROUTES),
        dashboard_basic_refused=len(dashboard),
    )


# -- 2. one client, not another ------------------------------------------------------------


def impersonating(client: Mapping[str, Any]) -> dict[str, Any]:
    """Request metadata that claims to come from `client` (router_service.auth.custom_auth)."""
    return {
        "hybrid_router_client": {
            "client_id": client["id"], "client_name": client["name"], "policy": "reject",
            "budget_pressure": False, "allow_pinned_tiers": True,
        },
    }  # fmt: skip


def logged_by_client(database_url: str) -> dict[str, list[tuple[str, int]]]:
    """Each client's logged requests: (request id, cost in micro-dollars)."""
    rows = query(
        database_url,
        "SELECT c.name, r.request_id, coalesce(r.cost_micros, 0) "
        "FROM request_log r JOIN client c ON c.id = r.client_id ORDER BY r.id",
    )
    found: dict[str, list[tuple[str, int]]] = {}
    for name, request_id, cost in rows:
        found.setdefault(str(name), []).append((str(request_id), int(str(cost))))
    return found


def recorded_spend(database_url: str) -> dict[str, tuple[int, int]]:
    """Each client's (spend, reserved) in micro-dollars, from its row."""
    rows = query(database_url, "SELECT name, spend_micros, reserved_micros FROM client")
    return {str(name): (int(str(spend)), int(str(held))) for name, spend, held in rows}


def test_a_client_key_sees_only_its_own_client(
    process_logs: Path, database_url: str, figures: Figures
) -> None:
    env = {"HR_DATABASE_URL": database_url}
    with run_emulators(process_logs) as emulators, run_proxy(emulators, process_logs, env) as proxy:
        a_name, a_key = new_client(proxy, "tenant-a", budget_usd="5")
        b_name, b_key = new_client(proxy, "tenant-b", budget_usd="5")
        b_client = admin(proxy, "GET", f"/hr/admin/clients/{b_name}")
        a_asks = ask(proxy, a_key, CAFE_QUESTION)
        # A claims B's identity in the body: the key decides who pays, not the body.
        poem = "Write a short poem about our scones."
        a_claims_b = ask(proxy, a_key, poem, model="cloud", metadata=impersonating(b_client))
        b_asks = ask(proxy, b_key, CAFE_QUESTION)
        b_pays = ask(proxy, b_key, "Write a short poem about our croissants.", model="cloud")
        sent = {a_name: [a_asks, a_claims_b], b_name: [b_asks, b_pays]}
        wait_for(
            lambda: (
                sum(map(len, logged_by_client(database_url).values())) == 4
                and all(held == 0 for _, held in recorded_spend(database_url).values())
            ),
            "four log rows, their costs settled",
        )
        logged = logged_by_client(database_url)
        assert {name: [rid for rid, _ in rows] for name, rows in logged.items()} == sent
        cost = {name: sum(c for _, c in rows) for name, rows in logged.items()}
        assert cost[a_name] > 0 and cost[b_name] > 0  # both paid: a mix-up would show
        spend = recorded_spend(database_url)
        assert (spend[a_name][0], spend[b_name][0]) == (cost[a_name], cost[b_name])

        me = httpx.get(proxy.url + "/hr/me", headers=bearer(a_key), timeout=10)
        assert me.status_code == 200, me.text
        own = me.json()
        assert (own["client"], own["key_id"]) == (a_name, key_id(a_key))
        assert own["requests"] == len(sent[a_name])
        assert own["cost_micros"] == own["spend_micros"] == cost[a_name]
        assert b_name not in me.text and key_id(b_key) not in me.text

        # Asking for B in the query string is ignored (or refused), never honoured.
        probes = [{"client": b_name}, {"name": b_name}, {"client_name": b_name},
                  {"client_id": str(b_client["id"])}, {"key_id": key_id(b_key)}]  # fmt: skip
        for params in probes:
            response = httpx.get(proxy.url + "/hr/me", params=params, headers=bearer(a_key))
            assert b_name not in response.text and key_id(b_key) not in response.text, params
            if response.status_code == 200:
                assert response.json() == own, params
            else:
                assert 400 <= response.status_code < 500 and "error" in response.json(), params
        for path in ("/v1/models", "/models"):  # the other routes a client key may read
            response = httpx.get(proxy.url + path, params={"client": b_name}, headers=bearer(a_key))
            assert response.status_code == 200 and b_name not in response.text, response.text
        # The operator's views of B stay closed to A's key, whatever the query.
        for path in ("/hr/admin/spend", "/hr/admin/logs", "/hr/admin/report", "/hr/admin/keys"):
            response = httpx.get(proxy.url + path, params={"client": b_name}, headers=bearer(a_key))
            assert_refused(response)
            assert b_name not in response.text
    figures(
        requests_per_client={name: len(ids) for name, ids in sent.items()},
        cost_micros_per_client=cost,
        me_query_probes=len(probes),
    )


# -- 3. keys and personal data at rest -----------------------------------------------------


def luhn_valid_card() -> str:
    """A random Visa-like number that passes the Luhn check, grouped by fours."""
    digits = [4] + [secrets.randbelow(10) for _ in range(14)]
    total = 0
    for position, digit in enumerate(reversed(digits)):  # the check digit will sit at the end
        total += (digit * 2 - 9 if digit > 4 else digit * 2) if position % 2 == 0 else digit
    number = "".join(map(str, [*digits, (10 - total % 10) % 10]))
    return " ".join(number[start : start + 4] for start in range(0, 16, 4))


def make_canaries() -> dict[str, str]:
    """Personal data and a secret a customer might paste, random so a hit can only be ours."""
    return {
        "email": f"canary.{secrets.token_hex(5)}@example.com",
        "card": luhn_valid_card(),
        "phone": f"+44 20 7946 0{secrets.randbelow(1000):03d}",
        "api key": f"sk-canary{secrets.token_hex(12)}",
    }


def leak_forms(canaries: Mapping[str, str], client_key: str, master_key: str) -> dict[str, str]:
    """Each canary as written, plus the forms a partial redaction would leave behind."""
    forms = dict(canaries)
    forms["email's local part"] = canaries["email"].partition("@")[0]
    forms["card digits"] = canaries["card"].replace(" ", "")
    forms["phone digits"] = canaries["phone"].replace(" ", "").removeprefix("+")
    forms["api key's random part"] = canaries["api key"].removeprefix("sk-canary")
    forms["client key"] = client_key
    forms["client key's secret"] = key_secret(client_key)
    forms["master key"] = master_key
    return forms


def canary_text(canaries: Mapping[str, str]) -> str:
    return (
        f"Hi, please send the receipt to {canaries['email']} or call {canaries['phone']}; "
        f"charge card {canaries['card']}. My booking token is {canaries['api key']}. "
        + CAFE_QUESTION
    )


def send_canaries(proxy: Proxy, emulators: Emulators, key: str, text: str) -> int:
    """The canary text down every path that stores something; how many requests were sent."""
    user = [{"role": "user", "content": text}]
    ask(proxy, key, text)
    ask(proxy, key, text, user=canaries_email(text))  # the conversation id: often an address
    ask(proxy, key, text, model="local")
    ask(proxy, key, text, model="cloud", stream=True)
    turns = [*user, {"role": "assistant", "content": "Noted."},
             {"role": "user", "content": "And " + text}]  # fmt: skip
    assert chat(proxy, key, turns).status_code == 200  # the previous turn is stored too
    anthropic = httpx.post(
        proxy.url + "/v1/messages",
        headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
        json={"model": "auto", "max_tokens": 200, "messages": user},
        timeout=60,
    )
    assert anthropic.status_code == 200, anthropic.text
    # Failures keep an error message: a refused body, and a cloud that keeps failing.
    assert chat(proxy, key, user, temperature="hot").status_code == 400
    cloud_faults(emulators, error_rate=1.0, error_status=529)
    try:
        assert chat(proxy, key, user, model="cloud").status_code == 503
    finally:
        cloud_faults(emulators)
    return 8


def canaries_email(text: str) -> str:
    return next(word for word in text.split() if "@" in word)


def database_dump(database_url: str) -> tuple[str, int]:
    """Every row of every table in the database, as JSON text; and how many rows."""
    tables = query(
        database_url,
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    rows = [
        str(row[0])
        for (table,) in tables
        for row in query(database_url, f'SELECT row_to_json(t)::text FROM "{table}" t')
    ]
    return "\n".join(rows), len(rows)


def files_text(paths: Iterator[Path]) -> tuple[str, int]:
    """The text of these files (binary bytes replaced); and how many there were."""
    files = [path for path in paths if path.is_file()]
    return "\n".join(path.read_text("utf-8", errors="replace") for path in files), len(files)


def test_keys_and_personal_data_are_never_stored_in_plain_text(
    process_logs: Path, database_url: str, figures: Figures
) -> None:
    canaries = make_canaries()
    text = canary_text(canaries)
    database_name = database_url.rsplit("/", 1)[1]
    with (
        tcp_proxy("127.0.0.1", 5432) as database_line,
        run_emulators(process_logs) as emulators,
        run_proxy(emulators, process_logs,
                  {"HR_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{database_line.port}/"
                                      f"{database_name}"}) as proxy,
    ):  # fmt: skip
        _, key = new_client(proxy, "canary")
        sent = send_canaries(proxy, emulators, key, text)
        wait_for(lambda: log_row_count(database_url) == sent, f"{sent} log rows")
        # The database goes away: the next rows go to spill files, which must be clean too.
        database_line.cut()
        ask(proxy, key, text)
        ask(proxy, key, text, stream=True)
        master_key = proxy.master_key
    # The proxy has stopped: every row is written or spilled, every log line flushed.
    forms = leak_forms(canaries, key, master_key)
    dump, rows_scanned = database_dump(database_url)
    logs, log_files = files_text(process_logs.glob("proxy-*.log"))
    data, data_files = files_text(process_logs.glob("data-*/**/*"))
    spills = list(process_logs.glob("data-*/spill/spill-*.jsonl"))

    # Not vacuous: the text was stored (redacted), the rows spilled, the proxy logged.
    stored = [str(row[0]) for row in query(database_url, "SELECT text FROM request_log")]
    for placeholder in ("[email]", "[card]", "[phone]", "[key]"):
        assert any(placeholder in row for row in stored), (placeholder, stored)
    assert spills and "[email]" in data, "no spilled row to check"
    assert logs

    places = {"the database": dump, "the proxy's log": logs, "the data dir": data}
    leaks = [(form, place) for form, value in forms.items()
             for place, content in places.items() if value in content]  # fmt: skip
    assert not leaks, f"stored in plain text: {leaks}"
    figures(
        requests_with_canaries=sent + 2,
        forms_checked=len(forms),
        database_rows_scanned=rows_scanned,
        proxy_log_files=log_files,
        proxy_log_bytes=len(logs),
        data_dir_files=data_files,
        spill_files=len(spills),
    )
