"""The routing decision for one request: features, hard rules, scorer, policy."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from classifier import Decision, Policy, RuleSet, Scorer, SoftScorer, decide, extract_features
from classifier.tiers import TIERS
from router_service.core.config import Settings


@dataclass(frozen=True)
class RequestRouter:
    rules: RuleSet
    scorer: Scorer
    policy: Policy

    @classmethod
    def from_settings(cls, settings: Settings) -> "RequestRouter":
        return cls(
            rules=load_rules(settings.rules_path),
            scorer=SoftScorer(),
            policy=Policy(settings.score_threshold, settings.confidence_threshold),
        )

    def decide(self, request: Mapping[str, Any]) -> Decision:
        """Pinned tiers are obeyed; `auto` goes through rules, scorer and policy."""
        requested = request.get("model")
        if requested in TIERS:
            return Decision(requested, "pinned", None, None, None)
        return decide(extract_features(request), self.rules, self.scorer, self.policy)


def load_rules(path: Path) -> RuleSet:
    with path.open(encoding="utf-8") as handle:
        return RuleSet.from_mapping(yaml.safe_load(handle) or {})
