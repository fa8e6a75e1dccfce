"""The retraining loop, end to end, on the real Postgres.

A café's users start asking for the menu in other languages, a kind of
request the shipped model has never seen; it sends them to the local model.
The answers disappoint and the users write again at once ("it is still in
English"). The follow-ups mark those answers in the log; `hybrid-router
train` learns from the log (and the café examples) that this kind needs the
cloud, and promotes the new version; both running proxies switch to it
within 10 seconds, and send those requests to the cloud while ordinary café
requests stay local.
"""

import itertools
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from bench.harness import Emulators, Proxy, run_proxy
from router_service.core.config import Settings
from router_service.db.engine import migrate
from tests.support.commands import hybrid_router
from tests.support.database import query, throwaway_database
from training.cafe import DEFAULT_CAFE_PATH, load_cafe_examples

FOLLOW_UP_WINDOW_S = 3.0
RELOAD_LIMIT_S = 10.0
ASKS = ("can you give me", "could you show me", "please send", "i would like", "show me")
THINGS = ("the menu", "the specials", "the dessert list", "the breakfast menu", "the drinks list")
LANGUAGES = ("portuguese", "spanish", "italian", "dutch", "polish", "greek", "turkish", "czech")
# After retraining, the same kind in words the log never had: other languages, other asks.
LATER_ASKS = ("could i have", "send me", "can we get")
LATER_LANGUAGES = ("swedish", "romanian", "hungarian", "finnish")
FOLLOW_UPS = (
    "that is still in english",
    "no, i asked for it in my language",
    "this is not what i asked for",
)


@dataclass(frozen=True)
class Routed:
    tier: str
    reason: str
    classifier_version: str
    request_id: str


def novel_requests(asks: Sequence[str], languages: Sequence[str]) -> list[str]:
    combinations = itertools.product(asks, THINGS, languages)
    return [f"{ask} {thing} in {language}" for ask, thing, language in combinations]


def cafe_requests() -> list[dict[str, Any]]:
    """The local-tier café examples of one user message: ordinary traffic."""
    examples = load_cafe_examples(split="train") + load_cafe_examples(split="test")
    return [
        dict(example.request)
        for example in examples
        if example.tier == "local"
        and sum(message["role"] == "user" for message in example.request["messages"]) == 1
        and "response_format" not in example.request
        and "tools" not in example.request
    ]


def ask(client: openai.OpenAI, body: Mapping[str, Any], conversation: str) -> Routed:
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=body["messages"], user=conversation, max_tokens=64
    )
    raw.parse()  # the answer arrived in full
    headers = raw.headers
    return Routed(
        headers["x-hybrid-routed-to"],
        headers["x-hybrid-reason"],
        headers.get("x-hybrid-classifier-version", ""),
        headers["x-hybrid-request-id"],
    )


def user_message(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


@pytest.fixture
def loop_database() -> Iterator[str]:
    with throwaway_database("hr_loop") as url:
        migrate(Settings(database_url=url))
        yield url


@pytest.mark.timeout(300)  # a month of traffic, then a whole training run (about 40 s)
def test_the_retraining_loop(emulators: Emulators, process_logs: Path, loop_database: str) -> None:
    env = {"HR_DATABASE_URL": loop_database, "HR_FOLLOW_UP_WINDOW_S": str(FOLLOW_UP_WINDOW_S)}
    with (
        run_proxy(emulators, process_logs, env) as first,
        run_proxy(emulators, process_logs, env) as second,
    ):
        clients = [_client(first), _client(second)]
        shipped, ordinary_local_before = replay_month(clients)
        time.sleep(FOLLOW_UP_WINDOW_S + 1)  # the last answers settle: not followed up

        trained = _train(loop_database, env)
        assert "promoted" in trained and "not promoted" not in trained, trained
        (new_version,) = query(
            loop_database, "SELECT version FROM classifier_version WHERE active"
        )[0]
        assert new_version != shipped

        (activated_at,) = query(
            loop_database, "SELECT extract(epoch FROM activated_at) FROM classifier_version "
            "WHERE active"
        )[0]  # fmt: skip
        for client in clients:  # every instance, without a restart
            _wait_for_version(client, str(new_version), float(activated_at) + RELOAD_LIMIT_S)

        later = novel_requests(ASKS, LATER_LANGUAGES) + novel_requests(LATER_ASKS, LANGUAGES[:3])
        routed = [
            ask(clients[number % 2], user_message(text), f"after-{number}")
            for number, text in enumerate(later)
        ]
        still_local = [
            text for text, item in zip(later, routed, strict=True) if item.tier != "cloud"
        ]
        assert len(still_local) <= 0.1 * len(routed), still_local
        ordinary = [
            ask(clients[0], body, f"cafe-after-{n}") for n, body in enumerate(cafe_requests())
        ]
        # Ordinary requests stay local as much as before: the new kind did not spill over.
        assert _local_share(ordinary) >= ordinary_local_before - 0.05, trained
        assert {item.classifier_version for item in routed + ordinary} == {str(new_version)}

    # Every row of the requests after the reload names the version that decided.
    ids = [item.request_id for item in routed]
    versions = query(
        loop_database,
        "SELECT DISTINCT classifier_version FROM request_log WHERE request_id = ANY(%s)",
        ids,
    )
    assert versions == [(new_version,)]


def replay_month(clients: Sequence[openai.OpenAI]) -> tuple[str, float]:
    """Ordinary café traffic with the new kind of request mixed in.

    Every request of the new kind goes local, and its user follows it up at
    once. Returns the shipped model's version and the share of ordinary
    requests it kept local.
    """
    rng = random.Random(6)
    ordinary = [("cafe", body) for body in cafe_requests()]
    novel = [("novel", user_message(text)) for text in novel_requests(ASKS, LANGUAGES)]
    traffic = ordinary + novel  # the new kind recurs: every ask, thing and language once
    rng.shuffle(traffic)
    versions = set()
    ordinary_routes = []
    for number, (kind, body) in enumerate(traffic):
        client = clients[number % 2]
        conversation = f"replay-{number}"
        routed = ask(client, body, conversation)
        versions.add(routed.classifier_version)
        if kind == "cafe":
            ordinary_routes.append(routed)
        else:
            assert (routed.tier, routed.reason) == ("local", "score"), body
            ask(client, user_message(rng.choice(FOLLOW_UPS)), conversation)
    (shipped,) = versions
    return shipped, _local_share(ordinary_routes)


def _local_share(routes: Sequence[Routed]) -> float:
    return sum(item.tier == "local" for item in routes) / len(routes)


def _client(proxy: Proxy) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=proxy.url + "/v1",
        api_key=proxy.master_key,
        max_retries=0,
        http_client=httpx.Client(timeout=60),
    )


def _train(database_url: str, env: Mapping[str, str]) -> str:
    """`hybrid-router train` from the log, the café examples and the bootstrap data."""
    args = ("--from", "both", "--file", str(DEFAULT_CAFE_PATH), "--bootstrap", "--no-progress")
    done = hybrid_router(database_url, "train", *args, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait_for_version(client: openai.OpenAI, version: str, deadline: float) -> None:
    """Wait until `client`'s proxy routes with `version`; fail at `deadline` (epoch seconds)."""
    seen = ""
    while time.time() < deadline:
        seen = ask(client, user_message("do you have oat milk"), "reload-check").classifier_version
        if seen == version:
            return
        time.sleep(0.25)
    pytest.fail(f"still routing with {seen!r} {RELOAD_LIMIT_S:.0f} s after {version} was promoted")
