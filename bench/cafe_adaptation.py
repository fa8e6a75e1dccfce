"""How far thresholds, and how far a café's own labels, take routing on café traffic.

    python -m bench.cafe_adaptation [--requests 20000] [--labelled 500 2000]

Offline (the router's decisions, no proxy): a café month (`bench.cafe_traffic`,
seed 1) is routed

1. by the shipped model with its own thresholds, then with other score /
   confidence thresholds: the trade between the two goals of the café
   replay (needs-cloud answered by the cloud, local-is-fine kept local);
2. by models trained like the shipped one (`training.bootstrap`) plus K
   requests of another café month (seed 7) labelled with the tier they
   need, as an operator labelling the café's own traffic would give them.

The labelled months come from the same generator as the evaluated one, so
part 2 shows what in-domain labels can do, not what a different café would
see.
"""

import argparse
import sys
from collections.abc import Sequence

from bench.cafe_traffic import DEFAULT_DATASETS, CafeRequest, cafe_month
from classifier import RequestFeatures, extract_features
from classifier.model import LogisticScorer
from router_service.core.config import Settings
from router_service.request_router import RequestRouter
from training.bootstrap import build_artifact, shipped_examples
from training.examples import Example
from training.fit import FitConfig

THRESHOLDS = ((0.2, 0.6), (0.3, 0.5), (0.5, 0.4), (0.7, 0.3))


def request_body(request: CafeRequest) -> dict[str, object]:
    body: dict[str, object] = {"messages": list(request.messages), "max_tokens": request.max_tokens}
    if request.response_format_json:
        body["response_format"] = {"type": "json_object"}
    return body


def recalls(
    router: RequestRouter, month: Sequence[tuple[CafeRequest, RequestFeatures]]
) -> tuple[float, float]:
    """(needs-cloud routed cloud, local-is-fine routed local)."""
    cloud = local = cloud_right = local_right = 0
    for request, features in month:
        tier = router.decide_features("auto", features).tier
        if request.truth == "cloud":
            cloud += 1
            cloud_right += tier == "cloud"
        else:
            local += 1
            local_right += tier == "local"
    return cloud_right / cloud, local_right / local


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--labelled", type=int, nargs="*", default=[500, 2000])
    args = parser.parse_args(argv)

    month = [(item, extract_features(request_body(item))) for item in cafe_month(args.requests, 1)]
    shipped = RequestRouter.from_settings(Settings())
    print(f"café month, {len(month):,} requests; needs-cloud → cloud, local-is-fine → local")
    cloud, local = recalls(shipped, month)
    print(f"shipped model, its thresholds: {cloud:.2%}, {local:.2%}")
    for score, confidence in THRESHOLDS:
        moved = RequestRouter.from_settings(
            Settings(score_threshold=score, confidence_threshold=confidence)
        )
        cloud, local = recalls(moved, month)
        print(
            f"shipped model, score > {score} or confidence < {confidence}: {cloud:.2%}, {local:.2%}"
        )

    base = shipped_examples(DEFAULT_DATASETS)
    for count in args.labelled:
        labelled = [
            Example(
                request=request_body(item),
                tier=item.truth,
                borderline=False,
                source="cafe",
                split="train",
            )
            for item in cafe_month(count, 7)
        ]
        artifact, best, _ = build_artifact(base + labelled, FitConfig(), 20.0, 0.95)
        adapted = shipped.with_model(LogisticScorer(artifact), Settings())
        cloud, local = recalls(adapted, month)
        print(
            f"+ {count:,} labelled café requests (score > {best.score_threshold} or "
            f"confidence < {best.confidence_threshold}): {cloud:.2%}, {local:.2%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
