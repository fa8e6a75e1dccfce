"""`hybrid-router train`: a new router model from the request log, files, or both.

1. Labelled examples: request-log rows (see `training.log_examples`), files
   of labelled requests (the JSONL of `training/data/cafe_examples.jsonl`),
   and with `--bootstrap` the data of the shipped model.
2. The split is by time: the newest `holdout` share of the labelled log
   rows is kept out to judge the result, the share before it validates
   (calibration, thresholds), everything older trains. Examples from files
   have no time: 15% of them validate, 15% judge when there are no log
   rows to judge with (and train when there are), the rest trains.
3. Fit in bounded memory (`training.streaming_fit`), choose thresholds by
   expected cost, then score the candidate and the active model (the active
   version, or the shipped model file) on the same held-out examples.
4. Store the candidate as a `classifier_version` with its metrics, and make
   it active only if its expected cost is lower by `min_improvement` (or
   with `force`). The proxies pick it up within seconds.
"""

import json
import random
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split
from tqdm import tqdm

from classifier import Policy, Scorer, extract_features
from classifier.model import LogisticScorer
from router_service.admin import service
from router_service.core.config import Settings
from router_service.db.engine import Database
from router_service.db.models import ClassifierVersion, utc_now
from router_service.request_router import RequestRouter
from training.evaluate import Evaluation, evaluate
from training.examples import Example
from training.fit import FitConfig, example_weight
from training.log_examples import LabelWeights, LogReader, LogSpan, Source, TrainingExample
from training.streaming_fit import StreamConfig, fit_streaming

Origin = Literal["db", "files", "both"]
FILE_VALIDATION_SHARE = 0.15
FILE_HOLDOUT_SHARE = 0.15
CHUNK = 5000


@dataclass(frozen=True)
class TrainOptions:
    origin: Origin = "db"
    files: tuple[Path, ...] = ()
    bootstrap: bool = False  # add the shipped model's training data
    datasets_dir: Path | None = None
    holdout_share: float = 0.2
    validation_share: float = 0.15
    min_improvement: float = 0.0  # relative drop in expected cost needed to promote
    force: bool = False
    weights: LabelWeights = field(default_factory=LabelWeights)
    config: StreamConfig = field(default_factory=StreamConfig)
    show_progress: bool = True


@dataclass(frozen=True)
class TrainOutcome:
    version: str
    promoted: bool
    candidate: Evaluation
    active: Evaluation
    active_version: str
    reason: str


ExampleStream = Callable[[], AsyncIterator[list[TrainingExample]]]


def file_splits(
    options: TrainOptions, judged_by_log: bool
) -> tuple[list[TrainingExample], list[TrainingExample], list[TrainingExample]]:
    """(train, validation, holdout) of the file examples.

    The operator's files split 70/15/15. With `--bootstrap`, the shipped
    model's data is split as it was when that model was fit: the shipped
    model never saw its held-out rows, so they judge both models fairly when
    the operator has nothing to judge with. Held-out rows that judge nothing
    train.
    """
    from training.bootstrap import shipped_examples, split_holdout
    from training.cafe import load_cafe_examples
    from training.datasets import DEFAULT_DATASETS_DIR

    own: list[Example] = []
    for path in options.files:
        own += load_cafe_examples(path, "train") + load_cafe_examples(path, "test")
    train, validation, holdout = split_files(_labelled(own, "file"), options.config.seed)
    spare: list[TrainingExample] = []
    if options.bootstrap:
        shipped = shipped_examples(options.datasets_dir or DEFAULT_DATASETS_DIR)
        shipped_train, shipped_holdout = split_holdout(shipped, FitConfig().seed)
        rest, shipped_validation = _split_off(
            _labelled(shipped_train, "shipped"), FILE_VALIDATION_SHARE, options.config.seed
        )
        train, validation = train + rest, validation + shipped_validation
        spare = _labelled(shipped_holdout, "shipped")
    if judged_by_log:
        train, holdout = train + holdout + spare, []
    elif holdout:
        train = train + spare
    else:
        holdout = spare
    # One order for SGD: the operator's examples spread over every chunk, not in one.
    random.Random(options.config.seed).shuffle(train)
    return train, validation, holdout


def _labelled(examples: Sequence[Example], source: Source) -> list[TrainingExample]:
    """Weighted as the shipped model weighted them: café-format rows (ours, the operator's) 5."""
    config = FitConfig()
    return [
        TrainingExample(
            extract_features(item.request),
            item.tier == "cloud",
            example_weight(item, config),
            None,
            source,
        )
        for item in examples
        if item.tier != "unknown"
    ]


def chunked(examples: Sequence[TrainingExample]) -> ExampleStream:
    async def stream() -> AsyncIterator[list[TrainingExample]]:
        for start in range(0, len(examples), CHUNK):
            yield list(examples[start : start + CHUNK])

    return stream


def joined(*streams: ExampleStream) -> ExampleStream:
    async def stream() -> AsyncIterator[list[TrainingExample]]:
        for part in streams:
            async for chunk in part():
                yield chunk

    return stream


def log_part(reader: LogReader, span: LogSpan) -> ExampleStream:
    return lambda: reader.examples(span)


def split_files(examples: list[TrainingExample], seed: int) -> tuple[list[TrainingExample], ...]:
    """(train, validation, holdout) of file examples, stratified by tier."""
    if len(examples) < 20:
        return examples, [], []
    rest, holdout = _split_off(examples, FILE_HOLDOUT_SHARE, seed)
    train, validation = _split_off(rest, FILE_VALIDATION_SHARE / (1 - FILE_HOLDOUT_SHARE), seed)
    return train, validation, holdout


def _split_off(
    examples: list[TrainingExample], share: float, seed: int
) -> tuple[list[TrainingExample], list[TrainingExample]]:
    """(rest, share of the examples), stratified by tier."""
    labels = [example.needs_cloud for example in examples]
    return tuple(train_test_split(examples, test_size=share, random_state=seed, stratify=labels))


async def log_cuts(
    reader: LogReader, options: TrainOptions
) -> tuple[LogSpan, LogSpan, LogSpan, int]:
    """(train, validation, holdout) spans of the log by time, and how many labelled rows."""
    stamps: list[float] = []
    async for chunk in reader.label_times():
        stamps += [moment.timestamp() for moment in chunk]
    if len(stamps) < 10:
        return LogSpan(), LogSpan(), LogSpan(), len(stamps)
    times = np.sort(np.asarray(stamps))
    holdout_at = datetime.fromtimestamp(float(np.quantile(times, 1 - options.holdout_share)), UTC)
    validation_share = (1 - options.holdout_share) * (1 - options.validation_share)
    validation_at = datetime.fromtimestamp(float(np.quantile(times, validation_share)), UTC)
    return (
        LogSpan(until=validation_at),
        LogSpan(since=validation_at, until=holdout_at),
        LogSpan(since=holdout_at),
        len(stamps),
    )


async def train(settings: Settings, options: TrainOptions, out: Any = sys.stderr) -> TrainOutcome:
    database = Database.from_settings(settings)
    try:
        return await _train(database, settings, options, out)
    finally:
        await database.close()


async def _train(
    database: Database, settings: Settings, options: TrainOptions, out: Any
) -> TrainOutcome:
    if options.files and options.origin == "db":
        raise ValueError("--file needs --from files or --from both")
    now = utc_now()
    clock = StageClock()
    clock.enter("reading files, splitting the log by time")
    log_rows = 0
    log_parts: tuple[ExampleStream, ExampleStream, ExampleStream] | None = None
    if options.origin in ("db", "both"):
        reader = LogReader(database, options.weights, settings.follow_up_window_s, now, CHUNK)
        train_span, validation_span, holdout_span, log_rows = await log_cuts(reader, options)
        if log_rows >= 10:
            log_parts = (
                log_part(reader, train_span),
                log_part(reader, validation_span),
                log_part(reader, holdout_span),
            )
    file_train, file_validation, file_holdout = file_splits(
        options, judged_by_log=log_parts is not None
    )
    file_rows = len(file_train) + len(file_validation) + len(file_holdout)
    train_parts: list[ExampleStream] = [chunked(file_train)]
    validation_parts: list[ExampleStream] = [chunked(file_validation)]
    holdout: ExampleStream = chunked(file_holdout)
    if log_parts is not None:  # judged on the newest log rows
        train_parts.append(log_parts[0])
        validation_parts.append(log_parts[1])
        holdout = log_parts[2]
    if log_rows + file_rows == 0:
        raise ValueError("no labelled examples: log more traffic, label some, or give --files")
    out.write(f"labelled examples: {log_rows} from the request log, {file_rows} from files\n")
    version = f"logs-{now:%Y%m%d-%H%M%S}"
    metadata = {
        "trained_at": now.isoformat(),
        "log_rows": log_rows,
        "file_rows": file_rows,
        "label_weights": asdict(options.weights),
        "scikit_learn": sklearn.__version__,
    }
    bar = tqdm(unit=" examples", disable=not options.show_progress, file=out)

    def progress(stage: str, done: int) -> None:
        if clock.enter(stage):
            bar.set_description(stage)
            bar.reset()
        bar.update(done)

    base = RequestRouter.from_settings(settings)
    model = await fit_streaming(
        joined(*train_parts),
        joined(*validation_parts),
        options.config,
        version,
        metadata,
        progress,
        base.rules,
    )
    bar.close()
    clock.enter("judging against the active model")
    candidate = LogisticScorer(model.artifact)
    active_row, active_scorer, active_policy = await _active(database, settings)
    candidate_policy = Policy(candidate.thresholds.score, candidate.thresholds.confidence)
    judged_by_name = await evaluate(
        holdout,
        base.rules,
        {"candidate": (candidate, candidate_policy), "active": (active_scorer, active_policy)},
        options.config.cost_ratio,
    )
    judged, against = judged_by_name["candidate"], judged_by_name["active"]
    out.write(f"time: {clock.report()}\n")
    active_name = active_row.version if active_row is not None else active_scorer.version
    promoted, reason = _verdict(judged, against, options)
    row = ClassifierVersion(
        version=version,
        training_rows=model.training_rows,
        metrics={
            "holdout": asdict(judged),
            "active_on_holdout": asdict(against),
            "active_version": active_name,
            "validation": asdict(model.chosen),
        },
        thresholds=model.artifact["thresholds"],
        artifact=json.dumps(model.artifact, sort_keys=True, separators=(",", ":")),
        artifact_sha256=model.artifact["sha256"],
    )
    async with database.session() as session:
        await service.save_model(session, row, activate=promoted)
    return TrainOutcome(version, promoted, judged, against, active_name, reason)


async def _active(
    database: Database, settings: Settings
) -> tuple[ClassifierVersion | None, Scorer, Policy]:
    async with database.session() as session:
        row = await service.active_model(session)
    if row is not None:
        scorer = LogisticScorer(json.loads(row.artifact))
        return row, scorer, Policy(scorer.thresholds.score, scorer.thresholds.confidence)
    shipped = RequestRouter.from_settings(settings)
    return None, shipped.scorer, shipped.policy


class StageClock:
    """How long each stage of training took, for the report."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self.current: str | None = None
        self.since = time.perf_counter()

    def enter(self, stage: str) -> bool:
        """Start `stage` unless it is the current one; whether it is new."""
        if stage == self.current:
            return False
        self._close()
        self.current = stage
        return True

    def report(self) -> str:
        self._close()
        self.current = None
        return "; ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.stages.items())

    def _close(self) -> None:
        now = time.perf_counter()
        if self.current is not None:
            self.stages[self.current] = self.stages.get(self.current, 0.0) + now - self.since
        self.since = now


def _verdict(candidate: Evaluation, active: Evaluation, options: TrainOptions) -> tuple[bool, str]:
    if options.force:
        return True, "promoted by --force"
    if candidate.rows == 0:
        return False, "not promoted: no held-out examples to judge it on"
    needed = active.cost_per_request * (1 - options.min_improvement)
    if candidate.cost_per_request < needed:
        return True, (
            f"promoted: expected cost {candidate.cost_per_request:.4f} per request against "
            f"{active.cost_per_request:.4f} for the active model"
        )
    return False, (
        f"not promoted: expected cost {candidate.cost_per_request:.4f} per request is not "
        f"below {needed:.4f} (the active model's {active.cost_per_request:.4f})"
    )
