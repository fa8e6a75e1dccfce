"""Choose the score and confidence thresholds by expected cost.

A needless cloud call costs 1; a request that needed the cloud but was
answered locally costs `cost_ratio` (default 20). Over a grid of
(score, confidence) thresholds, the policy `cloud if score > s or
confidence < c` is costed on held-out rows; the cheapest point whose cloud
recall is at least `recall_floor` wins. The whole curve is returned so the
choice can be reported, never hand-tuned.

Rows a hard rule decides can be marked (`rule_tiers`): they go where the
rule sends them at every point, as they will in the proxy, so the costs and
recall are the router's, not the model's alone.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SCORE_GRID = np.round(np.arange(0.02, 0.99, 0.01), 2)
# A held-out split of the training data is all familiar input, so it never
# shows what unfamiliar input costs; the confidence threshold is therefore
# chosen from this floor up. Foreign-language and gibberish input scores a
# confidence near 0 and stays below it: when in doubt, go to the cloud.
CONFIDENCE_FLOOR = 0.3
CONFIDENCE_GRID = np.round(np.arange(CONFIDENCE_FLOOR, 0.95, 0.05), 2)


@dataclass(frozen=True)
class OperatingPoint:
    score_threshold: float
    confidence_threshold: float
    cloud_recall: float
    local_share: float  # share of local-labelled rows kept local
    cost_per_request: float


@dataclass(frozen=True)
class RuledRows:
    """Which rows a hard rule decides, and which of those it sends to the cloud."""

    decided: np.ndarray
    to_cloud: np.ndarray

    @classmethod
    def of(cls, rule_tiers: Sequence[str | None]) -> "RuledRows":
        return cls(
            decided=np.asarray([tier is not None for tier in rule_tiers], dtype=bool),
            to_cloud=np.asarray([tier == "cloud" for tier in rule_tiers], dtype=bool),
        )


def operating_point(
    scores: np.ndarray,
    confidences: np.ndarray,
    needs_cloud: np.ndarray,
    score_threshold: float,
    confidence_threshold: float,
    cost_ratio: float,
    weights: np.ndarray | None = None,
    ruled: RuledRows | None = None,
) -> OperatingPoint:
    """Recall, local share and cost of one point; each row counts its weight (1 by default)."""
    weight = np.ones(len(scores)) if weights is None else weights
    to_cloud = (scores > score_threshold) | (confidences < confidence_threshold)
    if ruled is not None:
        to_cloud = np.where(ruled.decided, ruled.to_cloud, to_cloud)
    cloud_rows = needs_cloud.astype(bool)
    missed = np.sum(weight[cloud_rows & ~to_cloud])
    cost = np.sum(weight[to_cloud]) + cost_ratio * missed
    return OperatingPoint(
        score_threshold=float(score_threshold),
        confidence_threshold=float(confidence_threshold),
        cloud_recall=_share(to_cloud[cloud_rows], weight[cloud_rows], empty=1.0),
        local_share=_share(~to_cloud[~cloud_rows], weight[~cloud_rows], empty=0.0),
        cost_per_request=float(cost / np.sum(weight)),
    )


def choose_thresholds(
    scores: Sequence[float],
    confidences: Sequence[float],
    needs_cloud: Sequence[bool],
    cost_ratio: float = 20.0,
    recall_floor: float = 0.95,
    weights: Sequence[float] | None = None,
    rule_tiers: Sequence[str | None] | None = None,
) -> tuple[OperatingPoint, list[OperatingPoint]]:
    """The chosen point, and the curve over score thresholds at its confidence threshold.

    `rule_tiers`: per row, the tier a hard rule gives it, or None where the model decides.
    """
    score_array = np.asarray(scores, dtype=float)
    confidence_array = np.asarray(confidences, dtype=float)
    label_array = np.asarray(needs_cloud, dtype=bool)
    weight_array = None if weights is None else np.asarray(weights, dtype=float)
    ruled = None if rule_tiers is None else RuledRows.of(rule_tiers)
    points = [
        operating_point(
            score_array, confidence_array, label_array, s, c, cost_ratio, weight_array, ruled
        )
        for c in CONFIDENCE_GRID
        for s in SCORE_GRID
    ]
    admissible = [point for point in points if point.cloud_recall >= recall_floor]
    # If no point reaches the floor, fall back to the highest recall (cloud-leaning).
    pool = admissible or sorted(points, key=lambda p: -p.cloud_recall)[:1]
    best = min(pool, key=lambda p: (p.cost_per_request, -p.cloud_recall))
    curve = [p for p in points if p.confidence_threshold == best.confidence_threshold]
    return best, curve


def _share(chosen: np.ndarray, weight: np.ndarray, empty: float) -> float:
    total = float(np.sum(weight))
    return float(np.sum(weight[chosen]) / total) if total else empty
