"""The routers a benchmark compares, behind one small interface.

A `Router` turns a chat request into a tier and, when it has one, a score
(the probability-like "needs the cloud" number used for AUC and for moving
its threshold). Adapters:

- `AllCloud`, `AllLocal`: the two trivial bounds;
- `OurRouter`: a `RequestRouter` (rules, scorer, policy); the score is the
  decision's score, None when a hard rule or a pin decided;
- `LiteLLMComplexityRouter`: LiteLLM's built-in `complexity_router` with its
  default heuristic classifier, run offline (no LLM call, no network).

LiteLLM's complexity router sums seven weighted keyword/length dimensions of
the user's current ask into a score (-0.15 to 0.93) and cuts it into four
tiers at 0.15 / 0.35 / 0.60 (SIMPLE, MEDIUM, COMPLEX, REASONING), promoting to
REASONING when two or more reasoning markers appear (score at least 0.15).
Mapping used here:
SIMPLE and MEDIUM -> local, COMPLEX and REASONING -> cloud. It follows
LiteLLM's own default tier table, which sends COMPLEX and REASONING to
claude-sonnet and SIMPLE and MEDIUM to smaller models; the cut is its
`medium_complex` boundary (0.35). Its raw weighted score is the score.
"""

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bench.routing_metrics import Tier
from router_service.environment import OFFLINE
from router_service.request_router import RequestRouter

if TYPE_CHECKING:
    from litellm.router_strategy.complexity_router.complexity_router import ComplexityRouter

LITELLM_LOCAL_TIERS = frozenset({"SIMPLE", "MEDIUM"})
LITELLM_CLOUD_TIERS = frozenset({"COMPLEX", "REASONING"})


class Router(Protocol):
    @property
    def name(self) -> str: ...  # read-only, so frozen dataclasses qualify

    def route(self, request: Mapping[str, Any]) -> tuple[Tier, float | None]: ...


@dataclass(frozen=True)
class AllCloud:
    name: str = "all-cloud"

    def route(self, request: Mapping[str, Any]) -> tuple[Tier, float | None]:
        return "cloud", None


@dataclass(frozen=True)
class AllLocal:
    name: str = "all-local"

    def route(self, request: Mapping[str, Any]) -> tuple[Tier, float | None]:
        return "local", None


@dataclass(frozen=True)
class OurRouter:
    name: str
    router: RequestRouter

    def route(self, request: Mapping[str, Any]) -> tuple[Tier, float | None]:
        decision = self.router.decide(request)
        # The decision carries no score when a rule or a pin decided it.
        return decision.tier, decision.score


def litellm_tier(complexity_tier: str) -> Tier:
    """LiteLLM's four complexity tiers onto ours (see the module docstring)."""
    if complexity_tier in LITELLM_LOCAL_TIERS:
        return "local"
    if complexity_tier in LITELLM_CLOUD_TIERS:
        return "cloud"
    raise ValueError(f"unexpected LiteLLM complexity tier {complexity_tier!r}")


def use_litellm_offline() -> None:
    """LiteLLM fetches its cost map and other data files at import unless told not to."""
    os.environ.update(OFFLINE)


PromptExtractor = Callable[[Sequence[Mapping[str, Any]]], tuple[str | None, str | None]]


@dataclass(frozen=True)
class LiteLLMComplexityRouter:
    """Classification as LiteLLM's pre-routing hook does it, then the tier mapping.

    `extract_prompt` is the helper the hook itself calls: the newest user turn
    with real text (tool results and harness reminder blocks removed) and the
    last system prompt; earlier turns, RAG context and response_format are not
    read, and the heuristic scores the ask alone. The hook's extra switches
    (the "LITELLM ESCALATE" keyword, plan-mode and housekeeping sentinels of
    coding agents) never occur in business chat and are left out.
    """

    classifier: "ComplexityRouter"
    extract_prompt: PromptExtractor
    name: str = "litellm-complexity"

    @classmethod
    def default(cls) -> "LiteLLMComplexityRouter":
        """LiteLLM's complexity router with its default config (heuristic classifier)."""
        use_litellm_offline()
        from litellm.router_strategy.complexity_router.complexity_router import (
            ComplexityRouter,
            _extract_current_ask_and_system_prompt,  # private, pinned with LiteLLM 1.108.7
        )

        # The heuristic classifier never touches the LiteLLM Router instance; its
        # own eval suite builds the class without a real one too.
        classifier = ComplexityRouter(
            model_name="bench",
            litellm_router_instance=None,  # type: ignore[arg-type]
        )
        return cls(classifier, _extract_current_ask_and_system_prompt)

    def route(self, request: Mapping[str, Any]) -> tuple[Tier, float | None]:
        ask, system_prompt = self.extract_prompt(request.get("messages") or [])
        if ask is None:
            # The hook sends a request without a human ask to the default model,
            # or to the MEDIUM tier when none is set: local here.
            return "local", None
        complexity_tier, score, _signals = self.classifier.classify(ask, system_prompt)
        return litellm_tier(complexity_tier.value), score
