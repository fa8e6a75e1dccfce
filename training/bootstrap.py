"""Train the bootstrap model shipped with hybrid-router, reproducibly.

    python -m training.bootstrap [--datasets DIR] [--out PATH]

Data: the permissively licensed training splits in `shared/datasets` (see
`training.datasets`) and our own café examples. 15% of the rows (stratified,
fixed seed) are held out to choose the thresholds by expected cost and to
check the export against scikit-learn. Same data and seed, same artifact.
"""

import argparse
import json
import platform
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from classifier.features import extract_features
from classifier.model import LogisticScorer, seal
from training.examples import Example
from training.fit import FitConfig, export, fit, labels
from training.thresholds import OperatingPoint, choose_thresholds

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "router_service" / "models" / "bootstrap.json"
VERSION = "bootstrap-v3"
HOLDOUT_SHARE = 0.15
ROUND_TRIP_TOLERANCE = 1e-9


def shipped_examples(datasets_dir: Path) -> list[Example]:
    """The shipped model's data: the public datasets' training rows and our café examples."""
    from training.cafe import load_cafe_examples
    from training.datasets import load_training_examples

    return load_training_examples(datasets_dir) + load_cafe_examples(split="train")


def split_holdout(examples: Sequence[Example], seed: int) -> tuple[list[Example], list[Example]]:
    """(train, holdout): a stratified 15%, every source and tier in proportion.

    With the shipped model's data and seed, the holdout is the rows it never saw.
    """
    strata = [f"{example.source}:{example.tier}" for example in examples]
    train, holdout = train_test_split(
        list(examples), test_size=HOLDOUT_SHARE, random_state=seed, stratify=strata
    )
    return train, holdout


def build_artifact(
    examples: Sequence[Example],
    config: FitConfig,
    cost_ratio: float,
    recall_floor: float,
) -> tuple[dict[str, Any], OperatingPoint, list[OperatingPoint]]:
    train, holdout = split_holdout(examples, config.seed)
    print(f"fitting on {len(train)} rows, holding out {len(holdout)}", file=sys.stderr)
    model = fit(train, config)
    metadata = {
        "rows": len(train),
        "holdout_rows": len(holdout),
        "sources": dict(sorted(Counter(example.source for example in train).items())),
        "cloud_share": round(float(labels(train).mean()), 4),
        "config": vars(config),
        "cost_ratio": cost_ratio,
        "recall_floor": recall_floor,
        "python": platform.python_version(),
        "scikit_learn": sklearn.__version__,
    }
    draft = export(model, VERSION, metadata)
    # Score the holdout with the exported artifact itself: thresholds are
    # chosen on exactly what runs in production.
    scorer = LogisticScorer(seal({**draft, "thresholds": {"score": 0.5, "confidence": 0.5}}))
    holdout_features = [extract_features(example.request) for example in holdout]
    scored = [scorer.score(features) for features in holdout_features]
    scores = np.array([item.score for item in scored])
    reference = model.predict_proba(holdout_features)
    drift = float(np.max(np.abs(scores - reference)))
    if drift > ROUND_TRIP_TOLERANCE:
        raise RuntimeError(f"artifact scores differ from scikit-learn by {drift:.2e}")
    needs_cloud = labels(holdout).astype(bool)
    best, curve = choose_thresholds(
        scores.tolist(),
        [item.confidence for item in scored],
        needs_cloud.tolist(),
        cost_ratio,
        recall_floor,
    )
    metadata["holdout"] = {
        "roc_auc": round(float(roc_auc_score(needs_cloud, scores)), 4),
        "max_abs_difference_from_sklearn": drift,
        "chosen": vars(best),
    }
    artifact = seal(
        {
            **draft,
            "training": metadata,
            "thresholds": {
                "score": best.score_threshold,
                "confidence": best.confidence_threshold,
            },
        }
    )
    return artifact, best, curve


def main(argv: Sequence[str] | None = None) -> int:
    from training.datasets import DEFAULT_DATASETS_DIR

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cost-ratio", type=float, default=20.0)
    parser.add_argument("--recall-floor", type=float, default=0.95)
    args = parser.parse_args(argv)
    artifact, best, curve = build_artifact(
        shipped_examples(args.datasets), FitConfig(), args.cost_ratio, args.recall_floor
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(artifact, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), {artifact['sha256']}")
    print(f"holdout ROC AUC {artifact['training']['holdout']['roc_auc']}")
    print(
        f"chosen: score > {best.score_threshold} or confidence < {best.confidence_threshold}: "
        f"cloud recall {best.cloud_recall:.3f}, local share {best.local_share:.3f}, "
        f"cost {best.cost_per_request:.4f} per request (cost ratio {args.cost_ratio})"
    )
    print("curve at the chosen confidence threshold (score threshold: recall, local, cost):")
    for point in curve[::5]:
        print(
            f"  {point.score_threshold:.2f}: {point.cloud_recall:.3f} "
            f"{point.local_share:.3f} {point.cost_per_request:.4f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
