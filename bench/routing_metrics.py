"""Routing quality of one router on labelled requests: recall, local share, AUC, cost.

Pure functions over `Routed` rows, no I/O. Vocabulary:

- *cloud recall*: share of cloud-labelled rows the router sent to the cloud
  (the rows where a wrong local answer would cost quality);
- *local share*: share of local-labelled rows the router kept local (the
  savings it actually realises);
- *AUC*: ROC AUC of the router's score against the cloud label. Rows without
  a score (a hard rule, a pin, a constant router) rank as 1.0 when routed
  cloud and 0.0 when routed local;
- *cost* per request with cost ratio R: a cloud call costs 1, a local call 0,
  and a cloud-labelled row routed local costs R (the broken conversation);
- *savings*: (cost of all-cloud − cost of the router) / (cost of all-cloud −
  cost of the oracle), so the oracle scores 1.0, all-cloud 0.0, and a router
  that loses more on misses than it saves goes negative.

Rows labelled `unknown` count in neither "clear" nor "all"; they are reported
on their own as the share the router sent to the cloud.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Tier = Literal["local", "cloud"]
Label = Literal["local", "cloud", "unknown"]

DEFAULT_COST_RATIO = 20.0
# Shares are ratios of counts: 1 - 1/3 and 2/3 must count as the same share.
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Routed:
    """One labelled request and what a router did with it."""

    label: Label
    tier: Tier
    score: float | None  # the router's P(needs cloud); None when no score decided
    clear: bool = True  # a definite, non-borderline label


@dataclass(frozen=True)
class Metrics:
    """Quality of one router on one group of rows; None where undefined."""

    n: int
    cloud_recall: float | None  # None without cloud-labelled rows
    local_share: float | None  # None without local-labelled rows
    auc: float | None  # None unless both labels are present
    cost: float | None  # expected cost per request; None without rows
    savings: float | None  # None when the oracle saves nothing (no local rows)


@dataclass(frozen=True)
class Report:
    clear: Metrics
    all: Metrics
    unknown_n: int
    unknown_cloud_share: float | None


@dataclass(frozen=True)
class OperatingPoint:
    """A router's cloud recall when its threshold is moved to a given local share.

    Route cloud above `threshold`, local below it, and send `tie_cloud_fraction`
    of the rows scoring exactly `threshold` to the cloud (at random).
    """

    local_share: float
    cloud_recall: float
    threshold: float
    tie_cloud_fraction: float


def ranking_score(row: Routed) -> float:
    """The router's score, or 1.0 / 0.0 for an unscored cloud / local route."""
    if row.score is not None:
        return row.score
    return 1.0 if row.tier == "cloud" else 0.0


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def cloud_recall(rows: Sequence[Routed]) -> float | None:
    cloud = [row for row in rows if row.label == "cloud"]
    return _share(sum(row.tier == "cloud" for row in cloud), len(cloud))


def local_share(rows: Sequence[Routed]) -> float | None:
    local = [row for row in rows if row.label == "local"]
    return _share(sum(row.tier == "local" for row in local), len(local))


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """P(a random positive outranks a random negative), ties counting one half.

    The Mann-Whitney rank formula with average ranks for tied scores, so it
    equals sklearn's `roc_auc_score` without needing it.
    """
    if not positives or not negatives:
        return None
    scored = sorted(
        [(score, True) for score in positives] + [(score, False) for score in negatives]
    )
    rank_sum = 0.0
    start = 0
    while start < len(scored):
        end = start
        while end < len(scored) and scored[end][0] == scored[start][0]:
            end += 1
        average_rank = (start + 1 + end) / 2  # ranks are 1-based: start+1 .. end
        rank_sum += average_rank * sum(1 for _, positive in scored[start:end] if positive)
        start = end
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def router_auc(rows: Sequence[Routed]) -> float | None:
    return roc_auc(
        [ranking_score(row) for row in rows if row.label == "cloud"],
        [ranking_score(row) for row in rows if row.label == "local"],
    )


def row_cost(row: Routed, cost_ratio: float) -> float:
    if row.tier == "cloud":
        return 1.0
    return cost_ratio if row.label == "cloud" else 0.0


def expected_cost(rows: Sequence[Routed], cost_ratio: float = DEFAULT_COST_RATIO) -> float | None:
    """Mean cost per request, all-cloud being 1.0."""
    if not rows:
        return None
    return sum(row_cost(row, cost_ratio) for row in rows) / len(rows)


def savings_fraction(
    rows: Sequence[Routed], cost_ratio: float = DEFAULT_COST_RATIO
) -> float | None:
    """The router's savings over all-cloud as a fraction of the oracle's."""
    cost = expected_cost(rows, cost_ratio)
    if cost is None:
        return None
    oracle_cost = sum(row.label == "cloud" for row in rows) / len(rows)
    if oracle_cost == 1.0:  # nothing may go local: there is nothing to save
        return None
    return (1.0 - cost) / (1.0 - oracle_cost)


def metrics(rows: Iterable[Routed], cost_ratio: float = DEFAULT_COST_RATIO) -> Metrics:
    """Metrics over the labelled rows; `unknown` rows are ignored here."""
    labelled = [row for row in rows if row.label != "unknown"]
    return Metrics(
        n=len(labelled),
        cloud_recall=cloud_recall(labelled),
        local_share=local_share(labelled),
        auc=router_auc(labelled),
        cost=expected_cost(labelled, cost_ratio),
        savings=savings_fraction(labelled, cost_ratio),
    )


def report(rows: Iterable[Routed], cost_ratio: float = DEFAULT_COST_RATIO) -> Report:
    """Clear rows, all labelled rows, and the unknown rows' cloud share, in one pass."""
    materialised = list(rows)
    unknown = [row for row in materialised if row.label == "unknown"]
    return Report(
        clear=metrics((row for row in materialised if row.clear), cost_ratio),
        all=metrics(materialised, cost_ratio),
        unknown_n=len(unknown),
        unknown_cloud_share=_share(sum(row.tier == "cloud" for row in unknown), len(unknown)),
    )


def roc_points(rows: Sequence[Routed]) -> list[tuple[float, float, float]]:
    """(local share, cloud recall, threshold) for "cloud at score >= threshold".

    One point per distinct score, from the highest threshold (everything local)
    down to the lowest (everything cloud), starting at (1.0, 0.0, +inf).
    Sorted once, so it stays O(n log n) for continuous scores.
    """
    n_cloud = sum(row.label == "cloud" for row in rows)
    n_local = sum(row.label == "local" for row in rows)
    if not n_cloud or not n_local:
        raise ValueError("an ROC curve needs both cloud- and local-labelled rows")
    ranked = sorted(
        ((ranking_score(row), row.label == "cloud") for row in rows if row.label != "unknown"),
        reverse=True,
    )
    points = [(1.0, 0.0, float("inf"))]
    cloud_above = local_above = 0  # rows scoring >= the current threshold
    for index, (score, is_cloud) in enumerate(ranked):
        cloud_above += is_cloud
        local_above += not is_cloud
        if index + 1 < len(ranked) and ranked[index + 1][0] == score:
            continue  # a threshold sits between distinct scores only
        points.append((1.0 - local_above / n_local, cloud_above / n_cloud, score))
    return points


def recall_at_local_share(rows: Sequence[Routed], target: float) -> OperatingPoint | None:
    """Cloud recall of the router's score when its threshold keeps `target` of local rows local.

    Scores are often tied (rules, discrete keyword scores), so an exact local
    share may fall inside a group of equal scores; the tied rows are then
    split at random, which is linear interpolation on the ROC curve. Where
    several thresholds give the same local share (only cloud rows between
    them), the lowest one is taken: the best recall at that share, the usual
    "TPR at a fixed FPR". This is what makes two routers comparable at the
    same savings. None without both labels.
    """
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"target local share must be in [0, 1], got {target}")
    labelled = [row for row in rows if row.label != "unknown"]
    if not any(row.label == "cloud" for row in labelled) or not any(
        row.label == "local" for row in labelled
    ):
        return None
    points = roc_points(labelled)
    # Walk from "all local" towards "all cloud" until the local share drops below the target.
    best = points[0]
    for point in points[1:]:
        if point[0] > target - SHARE_TOLERANCE:
            best = point  # same or higher local share, and recall only grows
            continue
        fraction = max(0.0, best[0] - target) / (best[0] - point[0])
        if fraction < SHARE_TOLERANCE:
            break
        recall = best[1] + fraction * (point[1] - best[1])
        return OperatingPoint(target, recall, point[2], fraction)
    return OperatingPoint(target, best[1], best[2], 1.0)
