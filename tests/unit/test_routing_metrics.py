import random

import pytest
from sklearn.metrics import roc_auc_score

from bench.routing_metrics import (
    OperatingPoint,
    Routed,
    expected_cost,
    recall_at_local_share,
    report,
    roc_auc,
    savings_fraction,
)

# Five clear rows, one borderline cloud row and one unknown row.
ROWS = [
    Routed("cloud", "cloud", 0.9),
    Routed("cloud", "local", 0.3),
    Routed("local", "local", 0.2),
    Routed("local", "cloud", 0.6),
    Routed("local", "local", None),  # a local rule: ranks 0.0
    Routed("cloud", "cloud", None, clear=False),  # a cloud rule: ranks 1.0
    Routed("unknown", "cloud", 0.7, clear=False),
]


def test_clear_rows_by_hand() -> None:
    clear = report(ROWS, cost_ratio=20).clear
    assert clear.n == 5
    assert clear.cloud_recall == 0.5
    assert clear.local_share == pytest.approx(2 / 3)
    # Cloud 0.9 outranks all three local rows, cloud 0.3 outranks 0.2 and 0.0.
    assert clear.auc == pytest.approx(5 / 6)
    # 1 (cloud call) + 20 (missed cloud) + 0 + 1 (needless cloud) + 0, over 5 rows.
    assert clear.cost == pytest.approx(22 / 5)
    # All-cloud costs 1.0, the oracle 2/5: (1 - 4.4) / (1 - 0.4).
    assert clear.savings == pytest.approx(-3.4 / 0.6)


def test_all_rows_add_the_borderline_ones_and_leave_unknown_out() -> None:
    result = report(ROWS, cost_ratio=20)
    assert result.all.n == 6
    assert result.all.cloud_recall == pytest.approx(2 / 3)
    assert result.all.local_share == pytest.approx(2 / 3)
    assert result.all.auc == pytest.approx(8 / 9)
    assert result.all.cost == pytest.approx(23 / 6)
    assert result.unknown_n == 1
    assert result.unknown_cloud_share == 1.0


def test_cost_ratio_changes_cost_and_savings() -> None:
    clear = [row for row in ROWS if row.clear]
    assert expected_cost(clear, cost_ratio=2) == pytest.approx(4 / 5)
    assert savings_fraction(clear, cost_ratio=2) == pytest.approx(0.2 / 0.6)


def test_oracle_all_cloud_and_all_local() -> None:
    labels = ["cloud"] * 2 + ["local"] * 8  # 20% cloud: all-local loses with R = 20
    oracle = report([Routed(label, label, None) for label in labels]).all
    all_cloud = report([Routed(label, "cloud", None) for label in labels]).all
    all_local = report([Routed(label, "local", None) for label in labels]).all
    assert oracle.savings == 1.0
    assert oracle.cost == pytest.approx(0.2)
    assert all_cloud.savings == 0.0
    assert all_local.cost == pytest.approx(4.0)
    assert all_local.savings == pytest.approx((1 - 4.0) / (1 - 0.2))
    assert all_local.savings < 0


def test_undefined_metrics_are_none() -> None:
    only_cloud = report([Routed("cloud", "cloud", 0.8), Routed("cloud", "local", 0.1)]).all
    assert only_cloud.local_share is None
    assert only_cloud.auc is None
    assert only_cloud.savings is None  # the oracle cannot save anything
    assert report([]).all.cost is None
    assert report([]).unknown_cloud_share is None


def test_auc_counts_ties_as_half() -> None:
    assert roc_auc([1.0, 0.5], [0.5, 0.0]) == pytest.approx(3.5 / 4)
    assert roc_auc([0.5], [0.5]) == 0.5
    assert roc_auc([], [0.1]) is None


def test_auc_matches_sklearn_with_many_ties() -> None:
    rng = random.Random(7)
    labels = [rng.random() < 0.3 for _ in range(500)]
    scores = [round(rng.random() + 0.3 * label, 1) for label in labels]
    positives = [score for score, label in zip(scores, labels, strict=True) if label]
    negatives = [score for score, label in zip(scores, labels, strict=True) if not label]
    assert roc_auc(positives, negatives) == pytest.approx(roc_auc_score(labels, scores))


def _scored(local: list[float], cloud: list[float], threshold: float = 0.5) -> list[Routed]:
    """Rows routed by "cloud when score > threshold"."""
    return [
        Routed(label, "cloud" if score > threshold else "local", score)
        for label, scores in (("local", local), ("cloud", cloud))
        for score in scores
    ]


def test_recall_at_local_share_on_a_clean_cut() -> None:
    rows = _scored(local=[0.1, 0.2, 0.3, 0.4], cloud=[0.25, 0.35, 0.5, 0.9])
    # Half the local rows local: cut above 0.2, every cloud row is at or above 0.25.
    assert recall_at_local_share(rows, 0.5) == OperatingPoint(0.5, 1.0, 0.25, 1.0)
    assert recall_at_local_share(rows, 0.0) == OperatingPoint(0.0, 1.0, 0.1, 1.0)
    assert recall_at_local_share(rows, 1.0) == OperatingPoint(1.0, 0.5, 0.5, 1.0)


def test_recall_at_local_share_splits_tied_scores() -> None:
    rows = _scored(local=[0.0, 0.5], cloud=[0.5, 1.0])
    # Sending half of the rows scoring 0.5 to the cloud keeps 75% local and
    # catches 75% of the cloud rows.
    assert recall_at_local_share(rows, 0.75) == OperatingPoint(0.75, 0.75, 0.5, 0.5)


def test_recall_at_own_local_share_is_the_routed_recall() -> None:
    rng = random.Random(3)
    # A local row sits exactly at the cut, so no lower threshold keeps the same local share.
    local = [0.5, *(rng.random() * 0.8 for _ in range(200))]
    cloud = [0.2 + rng.random() * 0.8 for _ in range(100)]
    rows = _scored(local, cloud)
    own = report(rows).all
    assert own.local_share is not None
    point = recall_at_local_share(rows, own.local_share)
    assert point is not None
    assert point.cloud_recall == pytest.approx(own.cloud_recall)


def test_recall_at_local_share_takes_the_best_threshold_for_that_share() -> None:
    # Cut at 0.5, but the cloud row at 0.45 can go cloud without moving any local row.
    rows = _scored(local=[0.1, 0.4, 0.6], cloud=[0.45, 0.9])
    assert report(rows).all.cloud_recall == 0.5
    assert recall_at_local_share(rows, 2 / 3) == OperatingPoint(2 / 3, 1.0, 0.45, 1.0)


def test_recall_at_local_share_needs_both_labels_and_a_valid_target() -> None:
    assert recall_at_local_share([Routed("cloud", "cloud", 0.9)], 0.5) is None
    with pytest.raises(ValueError):
        recall_at_local_share(_scored([0.1], [0.9]), 1.5)
