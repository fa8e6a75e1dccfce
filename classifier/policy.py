"""The one fixed rule that turns a score and a confidence into a tier."""

from dataclasses import dataclass

from classifier.tiers import Tier

DEFAULT_SCORE_THRESHOLD = 0.35
DEFAULT_CONFIDENCE_THRESHOLD = 0.6


@dataclass(frozen=True)
class Policy:
    """cloud if score > score_threshold or confidence < confidence_threshold."""

    score_threshold: float = DEFAULT_SCORE_THRESHOLD
    confidence_threshold: float = DEFAULT_CONFIDENCE_THRESHOLD

    def tier(self, score: float, confidence: float) -> Tier:
        if score > self.score_threshold or confidence < self.confidence_threshold:
            return "cloud"
        return "local"

    def reason(self, score: float, confidence: float) -> str:
        """`low_confidence` when only the confidence sent it to the cloud, else `score`."""
        if score <= self.score_threshold and confidence < self.confidence_threshold:
            return "low_confidence"
        return "score"
