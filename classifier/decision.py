"""Rules first, then the scorer and the policy: one routing decision."""

from dataclasses import dataclass

from classifier.features import RequestFeatures
from classifier.policy import Policy
from classifier.rules import RuleSet
from classifier.scoring import Scorer
from classifier.tiers import Tier


@dataclass(frozen=True)
class Decision:
    tier: Tier
    reason: str  # "rule:<name>", "score", "low_confidence", "pinned", ...
    score: float | None
    confidence: float | None
    classifier_version: str | None


def decide(features: RequestFeatures, rules: RuleSet, scorer: Scorer, policy: Policy) -> Decision:
    rule = rules.first_match(features)
    if rule is not None:
        # The version is the model in force (a rule decided, but logs say which model was live).
        return Decision(rule.tier, f"rule:{rule.name}", None, None, scorer.version)
    scored = scorer.score(features)
    return Decision(
        tier=policy.tier(scored.score, scored.confidence),
        reason=policy.reason(scored.score, scored.confidence),
        score=scored.score,
        confidence=scored.confidence,
        classifier_version=scorer.version,
    )
