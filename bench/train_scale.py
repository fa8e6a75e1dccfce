"""Training from a large request log: time and peak memory of `hybrid-router train`.

    python -m bench.train_scale [--rows 1000000] [--datasets DIR] [--keep URL]

1. A throw-away Postgres database (on 127.0.0.1:5432) gets `--rows`
   synthetic request-log rows, written with COPY. Their text is real request
   text: the labelled examples the shipped model was trained on (the public
   datasets and the café examples), half of them with a word from another
   example appended so the vocabulary keeps growing with the log. The
   evidence follows each example's tier, with noise: a local-tier request
   was mostly answered locally and not followed up (sometimes followed up
   anyway); a cloud-tier one was answered by the cloud (no label), or
   locally and then followed up, escalated for invalid output, or labelled
   by an operator. Rows are spread over 30 days.
2. `hybrid-router train` (from the database, progress bars off, promotion
   forced) runs in a child process: its time and the child's peak RSS.
3. The same at a quarter of the rows, in the same run, to show how time
   and memory grow with the log: time linearly, memory hardly at all.

Goal (issue 6): 1,000,000 rows trained and evaluated in <= 120 s, peak RSS
<= 1.5 GB.
"""

import argparse
import json
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from classifier import extract_features
from router_service.core.config import Settings
from router_service.db.engine import migrate
from router_service.request_log.fields import stored_features
from tests.support.database import throwaway_database
from training.bootstrap import shipped_examples
from training.datasets import DEFAULT_DATASETS_DIR

SPAN = timedelta(days=30)
COLUMNS = (
    "request_id", "conversation_id", "route", "started_at", "finished_at", "status_code",
    "error", "stream", "routed_to", "actual_model", "escalation", "local_attempts", "text",
    "features", "followed_up", "label", "label_source",
)  # fmt: skip
LOCAL = "ollama_chat/llama3.1:8b"
CLOUD = "anthropic/claude-sonnet-4-5"


@dataclass(frozen=True)
class Seed:
    text: str
    stored: str  # the `features` JSON
    cloud: bool


def seeds(datasets_dir: Path) -> list[Seed]:
    examples = shipped_examples(datasets_dir)
    found = []
    for example in examples:
        if example.tier == "unknown":
            continue
        features = extract_features(example.request)
        stored = json.dumps(stored_features(features, "redacted"))
        found.append(Seed(features.last_user_text, stored, example.tier == "cloud"))
    return found


def evidence(cloud: bool, chance: float) -> tuple[str, str | None, bool, str | None]:
    """(actual model, escalation, followed up, operator's label) for a request of this tier."""
    if not cloud:
        if chance < 0.85:
            return LOCAL, None, False, None  # answered, not followed up
        if chance < 0.89:
            return LOCAL, None, True, None  # followed up anyway: label noise
        if chance < 0.97:
            return LOCAL, None, False, "local"
        return CLOUD, None, False, None
    if chance < 0.40:
        return CLOUD, None, False, None  # routed to the cloud: teaches nothing
    if chance < 0.75:
        return LOCAL, None, True, None
    if chance < 0.90:
        return CLOUD, "invalid_output", False, None
    return CLOUD, None, False, "cloud"


def rows(pool: Sequence[Seed], count: int, start: datetime, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    words = [seed.text.split()[-1] for seed in pool if seed.text.split()]
    step = SPAN / count
    for number in range(count):
        picked = rng.choice(pool)
        text = picked.text if rng.random() < 0.5 else f"{picked.text} {rng.choice(words)}"
        model, escalation, followed_up, label = evidence(picked.cloud, rng.random())
        started = start + step * number
        yield (
            f"bench-{number}", f"conversation-{number // 3}", "/v1/chat/completions", started,
            started + timedelta(seconds=1), 200, None, False,
            "local" if model == LOCAL or escalation else "cloud", model, escalation,
            2 if escalation else int(model == LOCAL), text, picked.stored, followed_up, label,
            "admin" if label else None,
        )  # fmt: skip


def fill(url: str, pool: Sequence[Seed], count: int) -> float:
    began = time.perf_counter()
    start = datetime.now(UTC) - SPAN - timedelta(hours=1)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY request_log ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(pool, count, start, seed=7):
                copy.write_row(row)
        cursor.execute("ANALYZE request_log")
    return time.perf_counter() - began


CHILD = """
import asyncio, json, resource, sys, time
from router_service.core.config import Settings
from training.train import TrainOptions, train

began = time.perf_counter()
outcome = asyncio.run(train(Settings(database_url=sys.argv[1]), TrainOptions(force=True,
                            show_progress=False), out=sys.stderr))
print(json.dumps({
    "seconds": time.perf_counter() - began,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "version": outcome.version,
    "candidate": outcome.candidate.__dict__,
    "active": outcome.active.__dict__,
}))
"""


def train_in_child(url: str) -> dict[str, Any]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"training failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["wall_seconds"] = time.perf_counter() - began
    result["stderr"] = done.stderr
    return result


def measure(pool: Sequence[Seed], count: int) -> dict[str, Any]:
    """Fill a database of its own with `count` rows, train from it; the figures."""
    with throwaway_database("hr_bench") as url:
        migrate(Settings(database_url=url))
        filled = fill(url, pool, count)
        result = train_in_child(url)
    result["rows"], result["fill_seconds"] = count, filled
    found = re.search(r"labelled examples: (\d+)", result["stderr"])
    result["labelled"] = int(found.group(1)) if found else 0
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS_DIR)
    args = parser.parse_args(argv)
    pool = seeds(args.datasets)
    print(f"{len(pool)} seed requests ({sum(s.cloud for s in pool)} cloud-tier)")
    results = [measure(pool, count) for count in (args.rows // 4, args.rows)]
    print(f"{'log rows':>10} {'labelled':>9} {'COPY s':>7} {'train s':>8} {'wall s':>7} "
          f"{'rows/s':>8} {'peak RSS MB':>12}")  # fmt: skip
    for result in results:
        print(f"{result['rows']:>10,} {result['labelled']:>9,} "
              f"{result['fill_seconds']:>7.1f} {result['seconds']:>8.1f} "
              f"{result['wall_seconds']:>7.1f} {result['rows'] / result['seconds']:>8,.0f} "
              f"{result['peak_rss_mb']:>12.0f}")  # fmt: skip
    small, large = results
    print(f"4x the rows: {large['seconds'] / small['seconds']:.2f}x the time, "
          f"{large['peak_rss_mb'] / small['peak_rss_mb']:.2f}x the peak RSS")  # fmt: skip
    print("training output at the larger size:\n" + large["stderr"].rstrip())
    for name in ("candidate", "active"):
        print(f"{name:9} on the holdout: {json.dumps(large[name])}")
    within = large["seconds"] <= 120 and large["peak_rss_mb"] <= 1536
    print(f"goal (<= 120 s, <= 1.5 GB at {large['rows']:,} rows): {'met' if within else 'MISSED'}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
