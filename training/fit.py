"""Fit the router's logistic model and export it as a JSON artifact.

The main model is a LogisticRegression wrapped in CalibratedClassifierCV
(sigmoid calibration on cross-validated predictions, final model fit on all
the data). A few more LogisticRegressions fit on bootstrap resamples form
the ensemble whose agreement feeds the confidence.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from classifier.features import RequestFeatures, extract_features
from classifier.model import ARTIFACT_FORMAT
from training.examples import Example
from training.vectorize import RequestVectorizer


@dataclass(frozen=True)
class FitConfig:
    regularisation_c: float = 4.0
    min_df: int = 2
    max_features: int = 40_000
    ensemble_size: int = 4
    calibration_folds: int = 5
    # Our own café examples are few but are the product's domain.
    cafe_weight: float = 5.0
    seed: int = 0


@dataclass
class FittedModel:
    vectorizer: RequestVectorizer
    calibrated: CalibratedClassifierCV
    members: list[LogisticRegression]

    def predict_proba(self, features: Sequence[RequestFeatures]) -> np.ndarray:
        """scikit-learn's own calibrated probability of `cloud` (for checks and tests)."""
        probabilities = self.calibrated.predict_proba(self.vectorizer.transform(features))
        return np.asarray(probabilities[:, 1])


def labels(examples: Sequence[Example]) -> np.ndarray:
    return np.array([example.tier == "cloud" for example in examples], dtype=int)


def example_weight(example: Example, config: FitConfig) -> float:
    return config.cafe_weight if example.source == "cafe" else 1.0


def fit(examples: Sequence[Example], config: FitConfig) -> FittedModel:
    trainable = [example for example in examples if example.tier != "unknown"]
    features = [extract_features(example.request) for example in trainable]
    target = labels(trainable)
    weights = np.array([example_weight(example, config) for example in trainable])
    vectorizer = RequestVectorizer(config.min_df, config.max_features).fit(features)
    matrix = vectorizer.transform(features)
    calibrated = CalibratedClassifierCV(
        _logistic(config), method="sigmoid", cv=config.calibration_folds, ensemble=False
    ).fit(matrix, target, sample_weight=weights)
    rng = np.random.default_rng(config.seed)
    members = []
    for _ in range(config.ensemble_size):
        sample = rng.integers(0, len(trainable), len(trainable))
        members.append(
            _logistic(config).fit(matrix[sample], target[sample], sample_weight=weights[sample])
        )
    return FittedModel(vectorizer, calibrated, members)


def export(model: FittedModel, version: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """The artifact without thresholds and seal (see `training.bootstrap`)."""
    classifier = model.calibrated.calibrated_classifiers_[0]
    main: LogisticRegression = classifier.estimator
    calibrator = classifier.calibrators[0]
    size = model.vectorizer.text_size
    return {
        "format": ARTIFACT_FORMAT,
        "version": version,
        **model.vectorizer.export(),
        "models": [_weights(estimator, size) for estimator in (main, *model.members)],
        "calibration": {"a": float(calibrator.a_), "b": float(calibrator.b_)},
        "training": metadata,
    }


def _logistic(config: FitConfig) -> LogisticRegression:
    return LogisticRegression(C=config.regularisation_c, class_weight="balanced", max_iter=3000)


def _weights(estimator: LogisticRegression, text_size: int) -> dict[str, Any]:
    coefficients = estimator.coef_[0]
    return {
        "text_weights": [round(float(value), 12) for value in coefficients[:text_size]],
        "numeric_weights": [float(value) for value in coefficients[text_size:]],
        "intercept": float(estimator.intercept_[0]),
    }
