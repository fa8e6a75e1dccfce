"""Routing quality of every router on the held-out sets, in one run, as markdown.

    python -m bench.routing_quality [--datasets DIR] [--cost-ratio 20] [--sets a,b]

Routers: all-cloud, all-local, rules + soft score, hybrid-router as shipped
(`RequestRouter.from_settings`), and LiteLLM's built-in complexity router
(see `bench.peers` for its tier mapping). Sets: the evaluation sets of
`training.datasets` plus the café test split (`cafe_test`). For each set and
for all sets together it prints, for clear rows and for all labelled rows:
n, cloud recall, local share, ROC AUC, expected cost per request and the
savings fraction (see `bench.routing_metrics`), then both routers' cloud
recall at the same local share. Progress goes to stderr, tables to stdout.
"""

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from bench.peers import AllCloud, AllLocal, LiteLLMComplexityRouter, OurRouter, Router
from bench.routing_metrics import (
    DEFAULT_COST_RATIO,
    Metrics,
    Routed,
    cloud_recall,
    local_share,
    recall_at_local_share,
    report,
)
from classifier import Policy, SoftScorer
from router_service.core.config import Settings
from router_service.request_router import RequestRouter, load_rules
from training.examples import Example

CAFE_SET = "cafe_test"
OURS = "hybrid-router"
LITELLM = "litellm-complexity"
OVERALL = "overall (all sets together)"
COMPARISON_NOTE = (
    "Each router as it routes, and the other router's score with its threshold moved to "
    "the same local share (ties split at random). A request without a score (a hard rule "
    "fired) ranks 1.0 when routed cloud, 0.0 when routed local."
)

RoutedSets = dict[str, dict[str, list[Routed]]]  # set name -> router name -> rows


def build_routers(settings: Settings) -> list[Router]:
    baseline = RequestRouter(
        rules=load_rules(settings.rules_path), scorer=SoftScorer(), policy=Policy()
    )
    return [
        AllCloud(),
        AllLocal(),
        OurRouter("rules+soft", baseline),
        OurRouter(OURS, RequestRouter.from_settings(settings)),
        LiteLLMComplexityRouter.default(),
    ]


def route_examples(router: Router, examples: Sequence[Example]) -> list[Routed]:
    rows = []
    for example in examples:
        tier, score = router.route(example.request)
        rows.append(Routed(example.tier, tier, score, example.clear))
    return rows


def route_sets(
    sets: Mapping[str, Sequence[Example]], routers: Sequence[Router], progress: TextIO
) -> RoutedSets:
    routed: RoutedSets = {}
    for number, (name, examples) in enumerate(sets.items(), start=1):
        started = time.perf_counter()
        progress.write(f"[{number}/{len(sets)}] {name}: {len(examples)} requests ...")
        progress.flush()
        routed[name] = {router.name: route_examples(router, examples) for router in routers}
        progress.write(f" {time.perf_counter() - started:.1f} s\n")
    return routed


def pooled(routed: RoutedSets) -> dict[str, list[Routed]]:
    """All sets together, per router."""
    together: dict[str, list[Routed]] = {}
    for by_router in routed.values():
        for name, rows in by_router.items():
            together.setdefault(name, []).extend(rows)
    return together


# -- markdown ------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _number(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _metrics_cells(metrics: Metrics) -> list[str]:
    return [
        str(metrics.n),
        _percent(metrics.cloud_recall),
        _percent(metrics.local_share),
        _number(metrics.auc),
        _number(metrics.cost),
        _number(metrics.savings, 2),
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_set(title: str, by_router: Mapping[str, Sequence[Routed]], cost_ratio: float) -> str:
    header = ["router", "rows", "n", "cloud recall", "local share", "AUC", "cost/req", "savings"]
    reports = {name: report(rows, cost_ratio) for name, rows in by_router.items()}
    table = []
    for name, result in reports.items():
        table.append([name, "clear", *_metrics_cells(result.clear)])
        table.append([name, "all", *_metrics_cells(result.all)])
    parts = [f"### {title}", "", _table(header, table)]
    unknown_n = next(iter(reports.values())).unknown_n if reports else 0
    if unknown_n:
        shares = ", ".join(
            f"{name} {_percent(result.unknown_cloud_share)}" for name, result in reports.items()
        )
        parts += ["", f"Unknown-tier rows (n={unknown_n}) sent to the cloud: {shares}."]
    return "\n".join(parts)


def _clear_only(rows: Sequence[Routed]) -> list[Routed]:
    return [row for row in rows if row.clear]


def _moved_recall(rows: Sequence[Routed], target: float | None) -> str:
    point = recall_at_local_share(rows, target) if target is not None else None
    return f"{_percent(point.cloud_recall if point else None)} (moved threshold)"


def render_comparison(by_router: Mapping[str, Sequence[Routed]], ours: str, peer: str) -> str:
    """Each router's cloud recall where the other one operates (same local share)."""
    header = ["rows", "operating point", "local share"]
    header += [f"{ours} cloud recall", f"{peer} cloud recall"]
    table = []
    for scope, select in (("clear", _clear_only), ("all", list)):
        our_rows, peer_rows = select(by_router[ours]), select(by_router[peer])
        our_share, peer_share = local_share(our_rows), local_share(peer_rows)
        our_recall = f"{_percent(cloud_recall(our_rows))} (as routed)"
        peer_recall = f"{_percent(cloud_recall(peer_rows))} (as routed)"
        our_point = [scope, f"{ours} as routed", _percent(our_share)]
        table.append([*our_point, our_recall, _moved_recall(peer_rows, our_share)])
        peer_point = [scope, f"{peer} as routed", _percent(peer_share)]
        table.append([*peer_point, _moved_recall(our_rows, peer_share), peer_recall])
    title = f"### {ours} vs {peer} at the same local share"
    return "\n".join([title, "", COMPARISON_NOTE, "", _table(header, table)])


def render(routed: RoutedSets, cost_ratio: float) -> str:
    sections = [
        "## Routing quality",
        f"Cost ratio R = {cost_ratio:g}: a cloud call costs 1, a local call 0, a cloud-labelled "
        f"request answered locally {cost_ratio:g}. Savings = share of the oracle's savings over "
        f"all-cloud (oracle 1.00, all-cloud 0.00). `clear` = definite, non-borderline labels; "
        f"`all` adds the borderline ones; unknown-tier rows are in neither.",
    ]
    for name, by_router in routed.items():
        sections.append(render_set(name, by_router, cost_ratio))
    together = pooled(routed)
    sections.append(render_set(OVERALL, together, cost_ratio))
    if OURS in together and LITELLM in together:
        sections.append(render_comparison(together, OURS, LITELLM))
    return "\n\n".join(sections) + "\n"


# -- loading -------------------------------------------------------------------


def load_sets(
    datasets_dir: Path, wanted: set[str] | None, progress: TextIO
) -> dict[str, list[Example]]:
    """The evaluation sets and the café test split, by name; missing café data is skipped."""
    # Imported here: the dataset loaders are not needed to use this module's functions.
    from training.datasets import load_evaluation_sets

    sets = load_evaluation_sets(datasets_dir)
    if wanted is None or CAFE_SET in wanted:
        try:
            from training.cafe import load_cafe_examples

            sets[CAFE_SET] = load_cafe_examples(split="test")
        except ModuleNotFoundError as error:
            if error.name != "training.cafe":
                raise
            progress.write(f"{CAFE_SET}: skipped, training.cafe is not available\n")
        except FileNotFoundError as error:
            progress.write(f"{CAFE_SET}: skipped, {error}\n")
    if wanted is not None:
        unknown = wanted - set(sets) - {CAFE_SET}
        if unknown:
            known = ", ".join(dict.fromkeys([*sets, CAFE_SET]))
            raise SystemExit(f"unknown sets: {', '.join(sorted(unknown))}; known: {known}")
        sets = {name: examples for name, examples in sets.items() if name in wanted}
    return sets


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from training.datasets import DEFAULT_DATASETS_DIR

    parser = argparse.ArgumentParser(prog="python -m bench.routing_quality", description=__doc__)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--cost-ratio", type=float, default=DEFAULT_COST_RATIO)
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = {name.strip() for name in args.sets.split(",") if name.strip()} if args.sets else None
    sets = load_sets(args.datasets, wanted, sys.stderr)
    sys.stderr.write("loading routers (LiteLLM's import takes a few seconds) ...\n")
    routers = build_routers(Settings())
    routed = route_sets(sets, routers, sys.stderr)
    sys.stdout.write(render(routed, args.cost_ratio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
