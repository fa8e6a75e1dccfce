"""Requests to the feature matrix the logistic model is fit on.

The text part is scikit-learn's CountVectorizer with `classifier.ngrams.text_terms`
as its analyser and binary counts (whether a term occurs), then tf-idf with l2
norm; the numeric part is `classifier.numeric.numeric_vector` standardised.
`classifier.model` repeats exactly this arithmetic from the exported numbers.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import StandardScaler

from classifier.features import RequestFeatures
from classifier.ngrams import text_terms
from classifier.numeric import NUMERIC_FEATURES, numeric_vector


class RequestVectorizer:
    """scikit-learn conventions: fit returns self; learned attributes end in `_`."""

    def __init__(self, min_df: int = 2, max_features: int = 40_000) -> None:
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, features: Sequence[RequestFeatures]) -> "RequestVectorizer":
        self.counts_ = CountVectorizer(
            analyzer=text_terms, min_df=self.min_df, max_features=self.max_features, binary=True
        )
        self.tfidf_ = TfidfTransformer(norm="l2")
        self.tfidf_.fit(self.counts_.fit_transform(features))
        self.scaler_ = StandardScaler().fit(_numeric(features))
        return self

    def transform(self, features: Sequence[RequestFeatures]) -> sparse.csr_matrix:
        text = self.tfidf_.transform(self.counts_.transform(features))
        numeric = self.scaler_.transform(_numeric(features))
        return sparse.hstack([text, sparse.csr_matrix(numeric)], format="csr")

    def export(self) -> dict[str, Any]:
        vocabulary = sorted(self.counts_.vocabulary_, key=self.counts_.vocabulary_.__getitem__)
        scale = np.where(self.scaler_.scale_ == 0, 1.0, self.scaler_.scale_)
        return {
            "vocabulary": vocabulary,
            "idf": self.tfidf_.idf_.tolist(),
            "numeric": {
                "names": list(NUMERIC_FEATURES),
                "mean": self.scaler_.mean_.tolist(),
                "scale": scale.tolist(),
            },
        }

    @property
    def text_size(self) -> int:
        return len(self.counts_.vocabulary_)


def _numeric(features: Sequence[RequestFeatures]) -> np.ndarray:
    return np.array([numeric_vector(item) for item in features], dtype=float)
