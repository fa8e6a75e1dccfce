"""Request features, hard rules, scorers and the routing policy. No I/O."""

from classifier.decision import Decision, decide
from classifier.features import RequestFeatures, extract_features
from classifier.policy import Policy
from classifier.rules import Rule, RulesError, RuleSet
from classifier.scoring import Scored, Scorer
from classifier.soft_score import SoftScorer
from classifier.tiers import AUTO, TIERS, Tier

__all__ = [
    "AUTO",
    "TIERS",
    "Decision",
    "Policy",
    "RequestFeatures",
    "Rule",
    "RuleSet",
    "RulesError",
    "Scored",
    "Scorer",
    "SoftScorer",
    "Tier",
    "decide",
    "extract_features",
]
