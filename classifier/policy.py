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

    def under_pressure(self, pressure: float) -> "Policy":
        """The policy as a client nears its budget: the score threshold rises
        from its own value (pressure 0) to 1 (pressure 1), so fewer requests
        go to the cloud on the score; low confidence still sends them."""
        if pressure <= 0.0:
            return self
        raised = self.score_threshold + (1.0 - self.score_threshold) * min(pressure, 1.0)
        return Policy(raised, self.confidence_threshold)

    def reason(self, score: float, confidence: float) -> str:
        """`low_confidence` when only the confidence sent it to the cloud, else `score`."""
        if score <= self.score_threshold and confidence < self.confidence_threshold:
            return "low_confidence"
        return "score"
