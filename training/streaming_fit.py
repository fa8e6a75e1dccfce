"""Fit the router's model from a stream of examples, in bounded memory.

For training from the request log, which grows without end. The model is
the same kind as the shipped one and exports to the same JSON artifact, so
the proxies score it with the same code (`classifier.model.LogisticScorer`):

1. a first pass counts each term's documents (its idf), the numeric
   signals' mean and spread, and the classes (for balanced weights);
2. then SGD with logistic loss learns the weights chunk by chunk, for
   about a million steps (2 to 20 epochs); four more models learn
   alongside on Poisson(1) resamples of each chunk (online bagging), the
   ensemble whose agreement feeds the confidence;
3. on a validation span (the newest part of the training time), a sigmoid
   (Platt) calibration of the main model's decision, and the score and
   confidence thresholds by expected cost, as for the shipped model: on
   the operator's own rows when there are enough of them, each row that a
   hard rule decides going where the rule sends it (`rules`), as in the
   proxy.

The database is read once: the first pass writes each chunk's text and
signals to a temporary file, the second turns them into matrices in
another, and the epochs read that. Only one chunk is in memory at a time;
the term counts are the largest thing kept, and are pruned when they grow
past `max_terms_counted`.
"""

import math
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import normalize

from classifier.model import ARTIFACT_FORMAT, LogisticScorer, seal
from classifier.ngrams import MAX_CHARS, text_terms
from classifier.numeric import NUMERIC_FEATURES, numeric_vector
from classifier.rules import RuleSet
from classifier.term_index import TermIndex
from classifier.tiers import Tier
from training.chunk_file import ChunkFile
from training.log_examples import TrainingExample
from training.thresholds import OperatingPoint, choose_thresholds

ChunkSource = Callable[[], AsyncIterator[list[TrainingExample]]]  # one pass over the examples
Progress = Callable[[str, int], None]  # (stage, examples done in this chunk)
ROUND_TRIP_TOLERANCE = 1e-9
MIN_NUMERIC_SCALE = 1.0
# SGD converges with the number of steps, not of passes: 20 epochs over the
# shipped data (45,000 rows), 2 over a million log rows.
STEPS = 1_000_000
EPOCHS = (2, 20)
MIN_OWN_PER_TIER = 30  # validation rows of each tier to choose thresholds on


@dataclass(frozen=True)
class StreamConfig:
    min_df: int = 2
    max_features: int = 100_000
    max_terms_counted: int = 2_000_000
    alpha: float = 1e-5
    epochs: int | None = None  # None: enough for STEPS sample steps, 2 to 20 epochs
    members: int = 4
    cost_ratio: float = 20.0
    # Log labels are weak (a follow-up is not always a complaint): a recall
    # floor on them sends nearly everything to the cloud. Expected cost,
    # with its 20:1 ratio, already leans to the cloud; 0 leaves it at that.
    recall_floor: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class StreamedModel:
    artifact: dict[str, Any]  # sealed, with thresholds
    chosen: OperatingPoint  # on the validation span
    curve: list[OperatingPoint]
    training_rows: int


@dataclass(frozen=True)
class _Reduced:
    """A chunk of examples reduced to what its matrix needs (the text terms read no further)."""

    last_texts: list[str]
    previous_texts: list[str]
    numeric: np.ndarray  # rows x NUMERIC_FEATURES
    needs_cloud: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, chunk: Sequence[TrainingExample]) -> "_Reduced":
        return cls(
            [example.features.last_user_text[:MAX_CHARS] for example in chunk],
            [example.features.previous_user_text[:MAX_CHARS] for example in chunk],
            np.asarray([numeric_vector(example.features) for example in chunk], dtype=float),
            np.asarray([example.needs_cloud for example in chunk], dtype=int),
            np.asarray([example.weight for example in chunk], dtype=float),
        )


class _Counts:
    """Pass 1: document frequencies, numeric moments, class weights."""

    def __init__(self, max_terms: int) -> None:
        self.documents: Counter[str] = Counter()
        self.max_terms = max_terms
        self.rows = 0
        self.weight_by_class = np.zeros(2)
        self.numeric_sum = np.zeros(len(NUMERIC_FEATURES))
        self.numeric_squares = np.zeros(len(NUMERIC_FEATURES))

    def add(self, chunk: Sequence[TrainingExample], reduced: _Reduced) -> None:
        self.rows += len(chunk)
        for example in chunk:
            self.documents.update(set(text_terms(example.features)))
        self.numeric_sum += reduced.numeric.sum(axis=0)
        self.numeric_squares += (reduced.numeric * reduced.numeric).sum(axis=0)
        self.weight_by_class += np.bincount(
            reduced.needs_cloud, weights=reduced.weight, minlength=2
        )
        if len(self.documents) > self.max_terms:
            self._prune()

    def _prune(self) -> None:
        # Lossy counting: forget the rarest terms; a term kept is counted exactly from then.
        floor = 1
        while len(self.documents) > self.max_terms // 2:
            self.documents = Counter({t: n for t, n in self.documents.items() if n > floor})
            floor += 1

    def vocabulary(self, min_df: int, max_features: int) -> list[str]:
        frequent = [(n, term) for term, n in self.documents.items() if n >= min_df]
        frequent.sort(key=lambda item: (-item[0], item[1]))
        return sorted(term for _, term in frequent[:max_features])

    def idf(self, vocabulary: Sequence[str]) -> np.ndarray:
        # scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1
        df = np.asarray([self.documents[term] for term in vocabulary], dtype=float)
        return np.log((1 + self.rows) / (1 + df)) + 1.0

    def numeric_scaling(self) -> tuple[np.ndarray, np.ndarray]:
        mean = self.numeric_sum / max(self.rows, 1)
        variance = np.maximum(self.numeric_squares / max(self.rows, 1) - mean * mean, 0.0)
        # A rare yes/no signal (a URL in 1 request of 40,000) has a spread
        # near 0; divided by it, its rows reach 200 and throw SGD's steps far
        # off. No signal is scaled up: at most it is centred.
        return mean, np.maximum(np.sqrt(variance), MIN_NUMERIC_SCALE)

    def class_weights(self) -> np.ndarray:
        """scikit-learn's `balanced`: each class weighs as much as the other in total."""
        if not self.weight_by_class.all():
            raise ValueError("training needs examples of both tiers, local and cloud")
        return np.asarray(self.weight_by_class.sum() / (2 * self.weight_by_class))


class _Vectorizer:
    """Examples to the rows the artifact describes: binary tf-idf (l2), then scaled numerics."""

    def __init__(
        self, vocabulary: list[str], idf: np.ndarray, mean: np.ndarray, scale: np.ndarray
    ) -> None:
        self.index = TermIndex(vocabulary)
        self.idf = idf
        self.mean = mean
        self.scale = scale

    def matrix(self, chunk: _Reduced) -> sparse.csr_matrix:
        columns = [
            np.fromiter(found.rows, dtype=np.int32, count=len(found.rows))
            for last, previous in zip(chunk.last_texts, chunk.previous_texts, strict=True)
            for found in [self.index.look_up(last, previous)]
        ]
        lengths = np.fromiter(map(len, columns), dtype=np.int64, count=len(columns))
        text_columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32)
        text = sparse.csr_matrix(
            (self.idf[text_columns], text_columns, np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(columns), len(self.idf)),
        )
        numeric = (chunk.numeric - self.mean) / self.scale
        return sparse.hstack([normalize(text), sparse.csr_matrix(numeric)], format="csr")


async def fit_streaming(
    train: ChunkSource,
    validation: ChunkSource,
    config: StreamConfig,
    version: str,
    metadata: dict[str, Any],
    progress: Progress = lambda stage, done: None,
    rules: RuleSet | None = None,
) -> StreamedModel:
    """The model with its calibration and thresholds; `rules`: those it will route behind."""
    with tempfile.TemporaryDirectory(prefix="hybrid-router-train-") as folder:
        # Read once; later passes read the temporary files.
        counts = _Counts(config.max_terms_counted)
        examples = ChunkFile(Path(folder) / "examples.pickle")
        async for chunk in train():
            reduced = _Reduced.of(chunk)
            counts.add(chunk, reduced)
            examples.append(reduced)
            progress("reading, counting terms", len(chunk))
        vocabulary = counts.vocabulary(config.min_df, config.max_features)
        mean, scale = counts.numeric_scaling()
        vectorizer = _Vectorizer(vocabulary, counts.idf(vocabulary), mean, scale)
        class_weight = counts.class_weights()
        matrices = ChunkFile(Path(folder) / "matrices.pickle")
        for reduced in examples:
            weight = reduced.weight * class_weight[reduced.needs_cloud]
            matrices.append((vectorizer.matrix(reduced), reduced.needs_cloud, weight))
            progress("vectorising", len(reduced.needs_cloud))
        examples.path.unlink()
        models = _learn(matrices, epochs_for(config, counts.rows), config, progress)
    draft = {
        "format": ARTIFACT_FORMAT,
        "version": version,
        "vocabulary": vocabulary,
        "idf": vectorizer.idf.tolist(),
        "numeric": {
            "names": list(NUMERIC_FEATURES),
            "mean": mean.tolist(),
            "scale": scale.tolist(),
        },
        "models": [_weights(model, len(vocabulary)) for model in models],
        "calibration": {"a": -1.0, "b": 0.0},
        "thresholds": {"score": 0.5, "confidence": 0.5},
        "training": {**metadata, "rows": counts.rows, "config": asdict(config)},
    }
    scored = await _score_validation(
        validation, LogisticScorer(seal(draft)), vectorizer, models[0], progress, rules
    )
    draft["calibration"] = _platt(scored.decisions, scored.needs_cloud, scored.weights)
    scorer = LogisticScorer(seal(draft))
    rows = scored.threshold_rows()
    best, curve = choose_thresholds(
        [scorer.calibrated(scored.decisions[row]) for row in rows],
        [scored.confidences[row] for row in rows],
        [scored.needs_cloud[row] for row in rows],
        config.cost_ratio,
        config.recall_floor,
        [scored.weights[row] for row in rows],
        [scored.rule_tiers[row] for row in rows],
    )
    draft["thresholds"] = {"score": best.score_threshold, "confidence": best.confidence_threshold}
    draft["training"]["validation"] = {
        "rows": len(scored.decisions),
        "threshold_rows": len(rows),
        "chosen": asdict(best),
    }
    return StreamedModel(seal(draft), best, curve, counts.rows)


@dataclass(frozen=True)
class _Scored:
    decisions: list[float]  # the main model's linear decision
    confidences: list[float]
    needs_cloud: list[bool]
    weights: list[float]
    shipped: list[bool]  # from the shipped model's data, not the operator's
    rule_tiers: list[Tier | None]  # the tier a hard rule gives the row; None: the model decides

    def threshold_rows(self) -> list[int]:
        """The rows the thresholds are chosen on.

        The operator's own (their files, their log) when they hold enough of
        each tier: the thresholds should fit the traffic the router will see,
        and the public datasets are harder than a café's. Otherwise all rows.
        """
        own = [row for row, shipped in enumerate(self.shipped) if not shipped]
        cloud = sum(self.needs_cloud[row] for row in own)
        if min(cloud, len(own) - cloud) >= MIN_OWN_PER_TIER:
            return own
        return list(range(len(self.shipped)))


async def _score_validation(
    validation: ChunkSource,
    scorer: LogisticScorer,
    vectorizer: _Vectorizer,
    main: SGDClassifier,
    progress: Progress,
    rules: RuleSet | None,
) -> _Scored:
    decisions: list[float] = []
    confidences: list[float] = []
    needs_cloud: list[bool] = []
    weights: list[float] = []
    shipped: list[bool] = []
    rule_tiers: list[Tier | None] = []
    checked = False
    async for chunk in validation():
        ours = [scorer.uncalibrated(example.features) for example in chunk]
        if not checked:  # the artifact must say what scikit-learn learned
            theirs = main.decision_function(vectorizer.matrix(_Reduced.of(chunk)))
            drift = float(np.max(np.abs(np.asarray([item[0] for item in ours]) - theirs)))
            if drift > ROUND_TRIP_TOLERANCE:
                raise RuntimeError(f"artifact decisions differ from scikit-learn by {drift:.2e}")
            checked = True
        decisions += [decision for decision, _ in ours]
        confidences += [confidence for _, confidence in ours]
        needs_cloud += [example.needs_cloud for example in chunk]
        weights += [example.weight for example in chunk]
        shipped += [example.source == "shipped" for example in chunk]
        rule_tiers += [_rule_tier(rules, example) for example in chunk]
        progress("validating", len(chunk))
    if len(set(needs_cloud)) < 2:
        raise ValueError("the validation span needs examples of both tiers; log more traffic first")
    return _Scored(decisions, confidences, needs_cloud, weights, shipped, rule_tiers)


def _rule_tier(rules: RuleSet | None, example: TrainingExample) -> Tier | None:
    rule = None if rules is None else rules.first_match(example.features)
    return None if rule is None else rule.tier


def _platt(
    decisions: Sequence[float], needs_cloud: Sequence[bool], weights: Sequence[float]
) -> dict[str, float]:
    """Sigmoid calibration p = 1 / (1 + exp(a * d + b)), as in CalibratedClassifierCV."""
    fit = LogisticRegression(C=1e6).fit(
        np.asarray(decisions).reshape(-1, 1), np.asarray(needs_cloud), sample_weight=weights
    )
    return {"a": -float(fit.coef_[0][0]), "b": -float(fit.intercept_[0])}


def epochs_for(config: StreamConfig, rows: int) -> int:
    """The epochs asked for, else enough for STEPS steps over `rows`, within EPOCHS."""
    if config.epochs is not None:
        return config.epochs
    return min(max(math.ceil(STEPS / max(rows, 1)), EPOCHS[0]), EPOCHS[1])


def _learn(
    matrices: ChunkFile, epochs: int, config: StreamConfig, progress: Progress
) -> list[SGDClassifier]:
    """The main model and the ensemble members, by SGD over the chunks, epoch by epoch."""
    rng = np.random.default_rng(config.seed)
    models = [_sgd(config, config.seed + number) for number in range(config.members + 1)]
    for _ in range(epochs):
        for matrix, target, weight in matrices:
            models[0].partial_fit(matrix, target, classes=[0, 1], sample_weight=weight)
            for member in models[1:]:
                resample = rng.poisson(1.0, len(target))
                member.partial_fit(matrix, target, classes=[0, 1], sample_weight=weight * resample)
            progress(f"learning ({epochs} epochs)", len(target))
    return models


def _sgd(config: StreamConfig, seed: int) -> SGDClassifier:
    return SGDClassifier(loss="log_loss", alpha=config.alpha, random_state=seed)


def _weights(model: SGDClassifier, text_size: int) -> dict[str, Any]:
    coefficients = model.coef_[0]
    return {
        "text_weights": [round(float(value), 12) for value in coefficients[:text_size]],
        "numeric_weights": [float(value) for value in coefficients[text_size:]],
        "intercept": float(model.intercept_[0]),
    }
