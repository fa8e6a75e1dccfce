import io
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bench.peers import (
    AllCloud,
    AllLocal,
    LiteLLMComplexityRouter,
    OurRouter,
    Router,
    litellm_tier,
)
from bench.routing_quality import render, route_sets
from router_service.core.config import Settings
from router_service.environment import OFFLINE
from router_service.request_router import RequestRouter
from training.examples import Example

COMPLEX_PROMPT = (
    "Think step by step. First design a distributed database architecture with a consensus "
    "algorithm, then write a Python function that implements leader election with Raft, "
    "analyze its time complexity, and explain the trade-offs between consistency and "
    "availability. Finally compare it with Paxos and justify which algorithm to deploy."
)


def chat(*texts: str, system: str | None = None) -> dict[str, Any]:
    """A conversation: the texts alternate user / assistant, starting with the user."""
    messages = [{"role": "system", "content": system}] if system else []
    roles = ("user", "assistant")
    messages += [{"role": roles[i % 2], "content": text} for i, text in enumerate(texts)]
    return {"messages": messages}


@pytest.fixture(scope="module")
def network_attempts() -> Iterator[list[str]]:
    """Sockets that cannot resolve or connect; every attempt is recorded.

    Recorded as well as refused because LiteLLM swallows many errors: a
    refused download it caught would otherwise go unnoticed.
    """
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args))
        raise OSError("network access is not allowed in unit tests")

    with pytest.MonkeyPatch.context() as patch:
        for name, value in OFFLINE.items():
            patch.setenv(name, value)  # restored afterwards, whatever the adapter sets
        patch.setattr(socket, "getaddrinfo", refuse)
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        yield attempts


@pytest.fixture(scope="module")
def litellm_router(network_attempts: list[str]) -> LiteLLMComplexityRouter:
    return LiteLLMComplexityRouter.default()


@pytest.fixture(scope="module")
def shipped() -> OurRouter:
    return OurRouter("hybrid-router", RequestRouter.from_settings(Settings()))


def test_trivial_routers() -> None:
    routers: list[Router] = [AllCloud(), AllLocal()]
    assert [router.route(chat("hi")) for router in routers] == [("cloud", None), ("local", None)]
    assert [router.name for router in routers] == ["all-cloud", "all-local"]


def test_our_router_has_no_score_when_a_rule_fires(shipped: OurRouter) -> None:
    assert shipped.route(chat("I want to complain about my order")) == ("cloud", None)
    assert shipped.route(chat("What are your opening hours?")) == ("local", None)


def test_our_router_reports_the_soft_score_otherwise(shipped: OurRouter) -> None:
    tier, score = shipped.route(chat("Do you have wifi?"))
    assert tier == "local"
    assert score is not None and 0.0 < score < 0.35


def test_litellm_tier_mapping() -> None:
    assert [litellm_tier(t) for t in ("SIMPLE", "MEDIUM", "COMPLEX", "REASONING")] == [
        "local",
        "local",
        "cloud",
        "cloud",
    ]
    with pytest.raises(ValueError):
        litellm_tier("NON_REASONING")


def test_litellm_routes_a_greeting_local(
    litellm_router: LiteLLMComplexityRouter, network_attempts: list[str]
) -> None:
    tier, score = litellm_router.route(chat("hi"))
    assert tier == "local"
    assert score is not None and score < 0.15  # SIMPLE
    assert network_attempts == []


def test_litellm_routes_multi_step_reasoning_and_code_to_cloud(
    litellm_router: LiteLLMComplexityRouter, network_attempts: list[str]
) -> None:
    tier, score = litellm_router.route(chat(COMPLEX_PROMPT))
    assert tier == "cloud"
    assert score is not None and score >= 0.35
    assert network_attempts == []


def test_litellm_classifies_the_newest_user_turn_only(
    litellm_router: LiteLLMComplexityRouter,
) -> None:
    # The complex ask is history and the system prompt is not scored: "thanks" decides.
    request = chat(COMPLEX_PROMPT, "Here is the design ...", "thanks!", system=COMPLEX_PROMPT)
    assert litellm_router.route(request)[0] == "local"


def test_litellm_without_a_user_ask_routes_local_unscored(
    litellm_router: LiteLLMComplexityRouter,
) -> None:
    assert litellm_router.route(chat(system="You are a helpful assistant.")) == ("local", None)


def test_routing_quality_report_covers_every_router(
    shipped: OurRouter, litellm_router: LiteLLMComplexityRouter
) -> None:
    examples = [
        Example(chat("hi"), "local", False, "inline", "test"),
        Example(chat("What are your opening hours?"), "local", True, "inline", "test"),
        Example(chat(COMPLEX_PROMPT), "cloud", False, "inline", "test"),
        Example(chat("I want to complain about my order"), "cloud", False, "inline", "test"),
        Example(chat("can you check something"), "unknown", True, "inline", "test"),
    ]
    routers: list[Router] = [AllCloud(), AllLocal(), shipped, litellm_router]
    progress = io.StringIO()
    text = render(route_sets({"inline": examples}, routers, progress), cost_ratio=20)
    assert "inline: 5 requests" in progress.getvalue()
    assert "| hybrid-router | clear | 3 | 100.0% | 100.0% | 1.000 | 0.667 | 1.00 |" in text
    assert "| all-local | all | 4 | 0.0% | 100.0% | 0.500 | 10.000 | -18.00 |" in text
    assert "Unknown-tier rows (n=1) sent to the cloud:" in text
    assert "### overall (all sets together)" in text
    assert "### hybrid-router vs litellm-complexity at the same local share" in text
