"""`hybrid-router train`: the command's options and its report (see `training.train`)."""

import argparse
import asyncio
from pathlib import Path
from typing import Any

from router_service.admin.cli import run_or_report
from router_service.core.config import Settings
from training.log_examples import LabelWeights
from training.streaming_fit import StreamConfig
from training.train import TrainOptions, train


def add_command(commands: Any) -> None:
    parser = commands.add_parser("train", help="train a router model from the request log")
    parser.add_argument(
        "--from",
        dest="origin",
        choices=("db", "files", "both"),
        default="db",
        help="labelled examples from the request log, from --file, or both",
    )
    parser.add_argument(
        "--file",
        dest="files",
        type=Path,
        action="append",
        default=[],
        help="a JSONL file of labelled requests (training/data/README.md)",
    )
    parser.add_argument(
        "--bootstrap",
        action="store_true",
        help="add the shipped model's training data (needs the public datasets)",
    )
    parser.add_argument("--datasets", type=Path, default=None, help="where the public datasets are")
    parser.add_argument(
        "--holdout",
        type=float,
        default=0.2,
        help="newest share of the log kept out to judge the model",
    )
    parser.add_argument(
        "--min-improvement",
        type=float,
        default=0.0,
        help="relative drop in expected cost needed to promote (0.05: 5%%)",
    )
    parser.add_argument("--force", action="store_true", help="promote whatever the result")
    parser.add_argument(
        "--cost-ratio",
        type=float,
        default=StreamConfig().cost_ratio,
        help="what a wrongly local answer costs, in needless cloud calls",
    )
    parser.add_argument(
        "--recall-floor",
        type=float,
        default=StreamConfig().recall_floor,
        help="least share of cloud-labelled requests the thresholds must send to the cloud",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="passes over the examples (default: about 1,000,000 steps, 2 to 20 epochs)",
    )
    for name, default in vars(LabelWeights()).items():
        parser.add_argument(
            f"--weight-{name.replace('_', '-')}",
            type=float,
            default=default,
            help=f"weight of labels from {name.replace('_', ' ')}",
        )
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace, settings: Settings) -> int:
    options = TrainOptions(
        origin=args.origin,
        files=tuple(args.files),
        bootstrap=args.bootstrap,
        datasets_dir=args.datasets,
        holdout_share=args.holdout,
        min_improvement=args.min_improvement,
        force=args.force,
        weights=LabelWeights(
            **{name: getattr(args, f"weight_{name}") for name in vars(LabelWeights())}
        ),
        config=StreamConfig(
            cost_ratio=args.cost_ratio, recall_floor=args.recall_floor, epochs=args.epochs
        ),
        show_progress=not args.no_progress,
    )
    return run_or_report(settings, lambda: _train(settings, options))


def _train(settings: Settings, options: TrainOptions) -> int:
    outcome = asyncio.run(train(settings, options))
    for name, result in (
        ("candidate", outcome.candidate),
        (outcome.active_version, outcome.active),
    ):
        recall = "-" if result.cloud_recall is None else f"{result.cloud_recall:.3f}"
        local = "-" if result.local_share is None else f"{result.local_share:.3f}"
        auc = "-" if result.roc_auc is None else f"{result.roc_auc:.3f}"
        print(
            f"{name}: {result.rows} held-out examples, expected cost "
            f"{result.cost_per_request:.4f} per request, cloud recall {recall}, "
            f"local share {local}, ROC AUC {auc}"
        )
    print(f"model {outcome.version}: {outcome.reason}")
    return 0
