"""The scorer interface every router model implements.

As in RouteLLM: one method computes a score, one fixed policy turns it into
a tier. `score` is the probability that the request needs the cloud;
`confidence` is how well the scorer knows this kind of input.
"""

from dataclasses import dataclass, field
from typing import Protocol

from classifier.features import RequestFeatures


@dataclass(frozen=True)
class Scored:
    score: float
    confidence: float
    # Named contributions to the score, for explaining a decision.
    factors: dict[str, float] = field(default_factory=dict)


class Scorer(Protocol):
    @property
    def version(self) -> str: ...

    def score(self, features: RequestFeatures) -> Scored: ...
