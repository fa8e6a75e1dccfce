"""The learned scorer: a logistic model read from its JSON artifact.

Training (scikit-learn, in `training/`) exports everything the model needs as
plain JSON: vocabulary, idf weights, numeric scaling, the coefficients of the
main model and of a small bootstrap ensemble, the Platt calibration, the
thresholds chosen for cost, and training metadata, sealed with a SHA-256.
Scoring here repeats scikit-learn's arithmetic with numpy: binary
tf-idf with l2 norm on the text terms, standard scaling on the numeric
signals, a linear decision, then sigmoid calibration. No scikit-learn, no
pickle, no I/O. (numpy here is only array arithmetic on exported numbers.)

`score` is the calibrated probability that the request needs the cloud.
`confidence` says how well the model knows this kind of input:

    confidence = min(1, coverage / FULL_COVERAGE) * agreement

- coverage: the mean of two shares of the user's message found in the
  vocabulary: its words, and its word pairs (`classifier.term_index`).
  Unknown words (another language, gibberish) lower the first; familiar
  words in unfamiliar combinations (a kind of request the model has not
  seen) lower the second. A reply of a few words in a conversation (a
  name, a time) is as covered as the user's message before it, if better.
- agreement: 1 - (max - min) of the ensemble members' probabilities. Members
  were fit on bootstrap resamples; where the training data says little they
  disagree.

Low confidence sends a request to the cloud: when in doubt, go to the cloud.
"""

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from classifier.features import RequestFeatures
from classifier.numeric import NUMERIC_FEATURES, numeric_vector
from classifier.scoring import Scored
from classifier.term_index import Found, TermIndex

ARTIFACT_FORMAT = "hybrid-router-logistic/2"
# A message whose words are 80% known counts as fully covered: names,
# typos and numbers are normal even in familiar requests.
FULL_COVERAGE = 0.8


class ArtifactError(ValueError):
    """The artifact is malformed, of another format, or fails its checksum."""


def artifact_digest(artifact: Mapping[str, Any]) -> str:
    """SHA-256 of the artifact's canonical JSON, without its own `sha256` field."""
    body = {key: value for key, value in artifact.items() if key != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal(artifact: dict[str, Any]) -> dict[str, Any]:
    """The artifact with its `sha256` field set."""
    return {**artifact, "sha256": artifact_digest(artifact)}


@dataclass(frozen=True)
class Thresholds:
    score: float
    confidence: float


class LogisticScorer:
    """Scores requests from an artifact; implements `classifier.Scorer`."""

    def __init__(self, artifact: Mapping[str, Any]) -> None:
        _check(artifact)
        self.artifact_sha256: str = artifact["sha256"]
        self._version: str = artifact["version"]
        self.thresholds = Thresholds(**artifact["thresholds"])
        self._calibration_a = float(artifact["calibration"]["a"])
        self._calibration_b = float(artifact["calibration"]["b"])
        self._terms = TermIndex(artifact["vocabulary"])
        models: Sequence[Mapping[str, Any]] = artifact["models"]
        # One column per model, the main one first.
        text_weights = _columns(models, "text_weights")
        numeric_weights = _columns(models, "numeric_weights")
        intercepts = np.asarray([model["intercept"] for model in models], dtype=np.float64)
        idf = np.asarray(artifact["idf"], dtype=np.float64)
        # A term's row holds idf x each model's weight, then idf squared: a
        # request's tf-idf decisions and l2 norm come from one gather and sum.
        self._term_table = np.column_stack([text_weights * idf[:, np.newaxis], idf * idf])
        # Standard scaling folded into the weights and intercepts:
        # (x - mean) / scale @ w == x @ (w / scale) - (mean / scale) @ w.
        mean = np.asarray(artifact["numeric"]["mean"], dtype=np.float64)
        scale = np.asarray(artifact["numeric"]["scale"], dtype=np.float64)
        self._numeric_weights = numeric_weights / scale[:, np.newaxis]
        self._intercepts = intercepts - (mean / scale) @ numeric_weights

    @property
    def version(self) -> str:
        return self._version

    def calibrated(self, decision: float) -> float:
        """The main model's decision as a calibrated probability (Platt's sigmoid)."""
        return _sigmoid(-(self._calibration_a * decision + self._calibration_b))

    def score(self, features: RequestFeatures) -> Scored:
        found = self._look_up(features)
        main, *members = self._decisions(found, features)
        return self._scored(main, members, found.coverage)

    def uncalibrated(self, features: RequestFeatures) -> tuple[float, float]:
        """The main model's linear decision and the confidence (training calibrates on these)."""
        found = self._look_up(features)
        main, *members = self._decisions(found, features)
        return main, self._scored(main, members, found.coverage).confidence

    def _scored(self, main: float, members: Sequence[float], coverage: float) -> Scored:
        member_probabilities = [_sigmoid(value) for value in members]
        agreement = 1.0 - (max(member_probabilities) - min(member_probabilities))
        confidence = min(1.0, coverage / FULL_COVERAGE) * agreement
        return Scored(
            score=self.calibrated(main),
            confidence=confidence,
            factors={"coverage": round(coverage, 3), "agreement": round(agreement, 3)},
        )

    def coverage(self, features: RequestFeatures) -> float:
        return self._look_up(features).coverage

    def _look_up(self, features: RequestFeatures) -> Found:
        return self._terms.look_up(features.last_user_text, features.previous_user_text)

    def _decisions(self, found: Found, features: RequestFeatures) -> list[float]:
        numeric = np.asarray(numeric_vector(features), dtype=np.float64)
        totals = self._intercepts + numeric @ self._numeric_weights
        if found.rows:
            # Binary tf-idf, l2-normalised, as scikit-learn's TfidfTransformer.
            rows = np.fromiter(found.rows, dtype=np.intp, count=len(found.rows))
            sums = self._term_table.take(rows, axis=0).sum(axis=0)
            totals += sums[:-1] / math.sqrt(sums[-1])
        return totals.tolist()  # type: ignore[no-any-return]


def _columns(models: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    return np.asarray([model[key] for model in models], dtype=np.float64).T.copy()


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exponential = math.exp(value)
    return exponential / (1.0 + exponential)


def _check(artifact: Mapping[str, Any]) -> None:
    if artifact.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"not a {ARTIFACT_FORMAT} artifact: {artifact.get('format')!r}")
    if artifact.get("sha256") != artifact_digest(artifact):
        raise ArtifactError("artifact checksum mismatch: the file was changed or damaged")
    if tuple(artifact["numeric"]["names"]) != NUMERIC_FEATURES:
        raise ArtifactError("artifact numeric features differ from this version's features")
    if len(artifact.get("models") or []) < 3:
        raise ArtifactError("artifact needs a main model and at least two ensemble members")
