"""The routing decision for one request: features, hard rules, scorer, policy."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from classifier import (
    Decision,
    Policy,
    RequestFeatures,
    RuleSet,
    Scorer,
    SoftScorer,
    decide,
    extract_features,
)
from classifier.model import LogisticScorer
from classifier.tiers import TIERS
from router_service.core.config import Settings


@dataclass(frozen=True)
class RequestRouter:
    rules: RuleSet
    scorer: Scorer
    policy: Policy

    @classmethod
    def from_settings(cls, settings: Settings) -> "RequestRouter":
        """The learned model when its artifact exists, else the soft score."""
        return _build_router(
            settings.rules_path,
            settings.model_path,
            settings.score_threshold,
            settings.confidence_threshold,
        )

    def with_model(self, model: LogisticScorer, settings: Settings) -> "RequestRouter":
        """The same rules with another learned model (and its thresholds, unless overridden)."""
        policy = Policy(
            _first_set(settings.score_threshold, model.thresholds.score),
            _first_set(settings.confidence_threshold, model.thresholds.confidence),
        )
        return RequestRouter(rules=self.rules, scorer=model, policy=policy)

    def decide(self, request: Mapping[str, Any]) -> Decision:
        """Pinned tiers are obeyed; `auto` goes through rules, scorer and policy."""
        return self.decide_features(request.get("model"), extract_features(request))

    def decide_features(
        self, requested: Any, features: RequestFeatures, budget_pressure: float = 0.0
    ) -> Decision:
        """`decide` for a request whose features are already extracted."""
        if requested in TIERS:
            return Decision(requested, "pinned", None, None, None)
        policy = self.policy.under_pressure(budget_pressure)
        return decide(features, self.rules, self.scorer, policy)


# Start-up checks the routing files, then LiteLLM builds the callback from the
# same settings: the cache makes that one load (about 0.4 s), not two. A
# router is immutable, so sharing it is safe; a failed load is not cached.
@lru_cache(maxsize=4)
def _build_router(
    rules_path: Path,
    model_path: Path,
    score_threshold: float | None,
    confidence_threshold: float | None,
) -> RequestRouter:
    scorer: Scorer
    if model_path.is_file():
        model = load_model(model_path)
        scorer, defaults = model, Policy(model.thresholds.score, model.thresholds.confidence)
    else:
        scorer, defaults = SoftScorer(), Policy()
    policy = Policy(
        _first_set(score_threshold, defaults.score_threshold),
        _first_set(confidence_threshold, defaults.confidence_threshold),
    )
    return RequestRouter(rules=load_rules(rules_path), scorer=scorer, policy=policy)


def _first_set(override: float | None, default: float) -> float:
    return default if override is None else override


def load_model(path: Path) -> LogisticScorer:
    with path.open(encoding="utf-8") as handle:
        return LogisticScorer(json.load(handle))


def load_rules(path: Path) -> RuleSet:
    with path.open(encoding="utf-8") as handle:
        return RuleSet.from_mapping(yaml.safe_load(handle) or {})
