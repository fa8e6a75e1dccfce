"""How well routers (rules + scorer + policy) route labelled examples, by expected cost.

The candidate and the active model are judged in one pass over the same
examples, with the same rules: a needless cloud call costs 1, a request that
needed the cloud but was answered locally costs the cost ratio (20 by
default), each times the example's weight (how sure its label is).
"""

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import roc_auc_score

from classifier import Policy, RuleSet, Scorer, decide
from training.log_examples import TrainingExample


@dataclass(frozen=True)
class Evaluation:
    rows: int
    cost_per_request: float  # weighted
    cloud_recall: float | None
    local_share: float | None  # of local-labelled examples kept local
    roc_auc: float | None  # of the score alone


@dataclass
class _Tally:
    to_cloud: list[bool] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


async def evaluate(
    examples: Callable[[], AsyncIterator[list[TrainingExample]]],
    rules: RuleSet,
    routers: Mapping[str, tuple[Scorer, Policy]],
    cost_ratio: float,
) -> dict[str, Evaluation]:
    """Each router's evaluation, by name."""
    tallies = {name: _Tally() for name in routers}
    needs_cloud: list[bool] = []
    weights: list[float] = []
    async for chunk in examples():
        for example in chunk:
            needs_cloud.append(example.needs_cloud)
            weights.append(example.weight)
            for name, (scorer, policy) in routers.items():
                decision = decide(example.features, rules, scorer, policy)
                tallies[name].to_cloud.append(decision.tier == "cloud")
                score = decision.score  # None when a rule decided: then score it apart
                tallies[name].scores.append(
                    score if score is not None else scorer.score(example.features).score
                )
    truth, weight = np.asarray(needs_cloud, dtype=bool), np.asarray(weights)
    return {name: _judged(tally, truth, weight, cost_ratio) for name, tally in tallies.items()}


def _judged(tally: _Tally, truth: np.ndarray, weight: np.ndarray, cost_ratio: float) -> Evaluation:
    if not len(truth):
        return Evaluation(0, 0.0, None, None, None)
    routed = np.asarray(tally.to_cloud, dtype=bool)
    cost = weight * np.where(routed, 1.0, np.where(truth, cost_ratio, 0.0))
    return Evaluation(
        rows=len(routed),
        cost_per_request=float(cost.sum() / weight.sum()),
        cloud_recall=float(routed[truth].mean()) if truth.any() else None,
        local_share=float((~routed[~truth]).mean()) if (~truth).any() else None,
        roc_auc=float(roc_auc_score(truth, tally.scores)) if 0 < truth.sum() < len(truth) else None,
    )
