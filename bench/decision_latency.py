"""Time per routing decision: hybrid-router's full decision vs LiteLLM's complexity classifier.

    python -m bench.decision_latency [--rounds 20] [--per-set 30] [--datasets DIR]

Requests: an even sample of each evaluation set (single questions, SGD's
multi-turn dialogues, long Arena-Hard prompts, MT-Bench second turns) plus a
built-in list of café requests (short, multi-turn, long RAG context, JSON
output); the built-in list alone when the datasets are missing. Both routers
decide every request in the same run, interleaved (the order alternates per
request and round), after one warm-up round. Prints median, p90 and p99 in
microseconds, and the memory each router costs: what its build retains
(tracemalloc) and the RSS growth of importing and building it.

(a) `RequestRouter.from_settings(Settings()).decide(request)`: features,
    hard rules, soft score and policy, as the routing hook runs them.
(b) `bench.peers.LiteLLMComplexityRouter.route(request)`: the prompt
    extraction and heuristic classification of LiteLLM's pre-routing hook.
"""

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

# Nothing heavy is imported at module level: the RSS deltas below are measured
# around each router's own imports.

Request = Mapping[str, Any]
Built = TypeVar("Built")

CAFE_SYSTEM = (
    "You are the assistant of Café Lune, 12 Rue des Lilas. Answer briefly and politely. "
    "Opening hours: Mon-Fri 8-20, Sat-Sun 9-18. We serve breakfast until 11. "
)
MENU_DOCUMENT = (
    "Menu and policies. Croissant 2.50, pain au chocolat 2.80, cappuccino 3.20, flat white "
    "3.60, oat milk +0.40. Allergens: almond croissant contains nuts; gluten-free bread on "
    "request. Refunds are handled by the manager within 14 days with a receipt. Group "
    "bookings above 8 people need a deposit of 20 euros per person. "
) * 40  # about 2,500 tokens of RAG context
PASTED_EMAIL = (
    "Hello, I am forwarding the thread with our catering order for the conference on the "
    "12th. The order was confirmed for 120 people with vegetarian and gluten-free options, "
    "delivery at 8:30 and coffee refills at 10:30 and 15:00. "
) * 15  # a customer pasting a long email, about 3,000 characters
LONG_MESSAGE_CHARS = 2000  # about 500 tokens
# Request sizes (characters of message content) the latency is also broken down by.
SIZE_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("under 500 chars", 0, 500),
    ("500-2,000 chars", 500, 2000),
    ("over 2,000 chars", 2000, sys.maxsize),
)


def _chat(*turns: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": role, "content": text} for role, text in turns], **extra}


BUILT_IN_REQUESTS: tuple[Request, ...] = (
    _chat(("user", "hi")),
    _chat(("system", CAFE_SYSTEM), ("user", "Are you open on Sunday?")),
    _chat(("system", CAFE_SYSTEM), ("user", "What's your address?")),
    _chat(("system", CAFE_SYSTEM), ("user", "How much is a cappuccino with oat milk?")),
    _chat(("system", CAFE_SYSTEM), ("user", "I want to complain: my order never arrived.")),
    _chat(
        ("system", CAFE_SYSTEM),
        ("user", "Can I book a table for 10 people on Saturday?"),
        ("assistant", "Of course! For groups above 8 we ask for a deposit. What time?"),
        ("user", "Around 7pm. Is there something vegan for kids?"),
        ("assistant", "Yes, we have vegan pancakes and fruit bowls."),
        ("user", "What? Which ones exactly? And is the deposit refundable?"),
    ),
    _chat(
        ("system", CAFE_SYSTEM + MENU_DOCUMENT),
        ("user", "Does the almond croissant have nuts, and can I get a refund without a receipt?"),
    ),
    _chat(
        ("system", CAFE_SYSTEM),
        ("user", "Return the opening hours as JSON with keys day, open, close."),
        response_format={"type": "json_object"},
    ),
    _chat(
        (
            "user",
            "Think step by step: first compare the cost of our three coffee suppliers over a "
            "year, then write a Python function that picks the cheapest given monthly volumes, "
            "and explain the trade-offs between price, delivery time and quality.",
        )
    ),
    _chat(("user", "Write an Instagram post about our new pistachio croissant.")),
    _chat(("system", CAFE_SYSTEM), ("user", PASTED_EMAIL + "Can you confirm all of this?")),
)


@dataclass
class Timer:
    name: str
    decide: Callable[[Request], object]
    samples_ns: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)  # characters of each timed request

    def time(self, request: Request, size: int) -> None:
        started = time.perf_counter_ns()
        self.decide(request)
        self.samples_ns.append(time.perf_counter_ns() - started)
        self.sizes.append(size)

    def samples_between(self, low: int, high: int) -> list[int]:
        pairs = zip(self.samples_ns, self.sizes, strict=True)
        return [ns for ns, size in pairs if low <= size < high]


@dataclass(frozen=True)
class Memory:
    retained_kib: float  # allocations the build keeps alive (tracemalloc)
    rss_delta_mib: float  # RSS growth over importing and building


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def traced_build(build: Callable[[], Built]) -> tuple[Built, float]:
    """Build something and report the KiB of allocations it retains."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        built = build()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return built, retained / 1024


def build_ours() -> tuple[Callable[[Request], object], Memory]:
    rss_before = rss_mib()
    from router_service.core.config import Settings
    from router_service.request_router import RequestRouter

    router, retained = traced_build(lambda: RequestRouter.from_settings(Settings()))
    return router.decide, Memory(retained, rss_mib() - rss_before)


def build_litellm() -> tuple[Callable[[Request], object], Memory]:
    rss_before = rss_mib()
    from bench.peers import LiteLLMComplexityRouter, use_litellm_offline

    use_litellm_offline()
    # Imported before tracing so the retained figure is the router, not the library.
    import litellm.router_strategy.complexity_router.complexity_router  # noqa: F401

    router, retained = traced_build(LiteLLMComplexityRouter.default)
    return router.route, Memory(retained, rss_mib() - rss_before)


def evenly_spaced(items: Sequence[Request], count: int) -> list[Request]:
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(index * step)] for index in range(count)]


def load_requests(datasets_dir: Path | None, per_set: int) -> tuple[list[Request], int]:
    """Dataset samples then the built-in list; also how many came from the datasets."""
    try:
        from training.datasets import DEFAULT_DATASETS_DIR, load_evaluation_sets

        sets = load_evaluation_sets(datasets_dir or DEFAULT_DATASETS_DIR)
    except (ModuleNotFoundError, FileNotFoundError) as error:
        sys.stderr.write(f"evaluation sets unavailable ({error}); built-in requests only\n")
        sets = {}
    sampled = [
        request
        for examples in sets.values()
        for request in evenly_spaced([example.request for example in examples], per_set)
    ]
    return [*sampled, *BUILT_IN_REQUESTS], len(sampled)


def message_chars(request: Request) -> int:
    return sum(len(str(message.get("content") or "")) for message in request["messages"])


def user_turns(request: Request) -> int:
    return sum(message.get("role") == "user" for message in request["messages"])


def run(timers: Sequence[Timer], requests: Sequence[Request], rounds: int) -> None:
    """One warm-up round, then `rounds` rounds with the routers' order alternating."""
    for timer in timers:
        for request in requests:
            timer.decide(request)
    sizes = [message_chars(request) for request in requests]
    for round_number in range(rounds):
        for index, request in enumerate(requests):
            ordered = timers if (index + round_number) % 2 == 0 else list(reversed(timers))
            for timer in ordered:
                timer.time(request, sizes[index])


def percentiles_us(samples_ns: Sequence[int]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples_ns, n=100)
    return statistics.median(samples_ns) / 1000, cuts[89] / 1000, cuts[98] / 1000


def render(
    timers: Sequence[Timer],
    memory: Mapping[str, Memory],
    requests: Sequence[Request],
    from_datasets: int,
    rounds: int,
) -> str:
    multi_turn = sum(user_turns(request) > 1 for request in requests)
    long = sum(message_chars(request) > LONG_MESSAGE_CHARS for request in requests)
    lines = [
        "## Decision latency",
        "",
        f"{len(requests)} requests ({from_datasets} from the evaluation sets, "
        f"{len(requests) - from_datasets} built-in; {multi_turn} multi-turn, {long} over "
        f"{LONG_MESSAGE_CHARS:,} characters), {rounds} interleaved rounds after one warm-up "
        f"round: {rounds * len(requests)} timings per router.",
        "",
        "| router | median µs | p90 µs | p99 µs | build retains KiB | import + build RSS MiB |",
        "|---|---|---|---|---|---|",
    ]
    for timer in timers:
        median, p90, p99 = percentiles_us(timer.samples_ns)
        used = memory[timer.name]
        lines.append(
            f"| {timer.name} | {median:.0f} | {p90:.0f} | {p99:.0f} | "
            f"{used.retained_kib:.0f} | {used.rss_delta_mib:.1f} |"
        )
    return "\n".join([*lines, "", *render_by_size(timers, requests)]) + "\n"


def render_by_size(timers: Sequence[Timer], requests: Sequence[Request]) -> list[str]:
    """Median by request size: where the tail comes from."""
    counts = [
        sum(low <= message_chars(request) < high for request in requests)
        for _, low, high in SIZE_BUCKETS
    ]
    labels = [label for label, _, _ in SIZE_BUCKETS]
    header = [f"{label} (n={count})" for label, count in zip(labels, counts, strict=True)]
    lines = [
        "| median µs by request size | " + " | ".join(header) + " |",
        "|---|" + "---|" * len(header),
    ]
    for timer in timers:
        cells = []
        for _, low, high in SIZE_BUCKETS:
            samples = timer.samples_between(low, high)
            cells.append(f"{statistics.median(samples) / 1000:.0f}" if samples else "–")
        lines.append(f"| {timer.name} | " + " | ".join(cells) + " |")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.decision_latency", description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-set", type=int, default=30, help="requests sampled per set")
    parser.add_argument("--datasets", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Ours first: its RSS delta must not include LiteLLM's imports.
    our_decide, our_memory = build_ours()
    requests, from_datasets = load_requests(args.datasets, args.per_set)
    sys.stderr.write("importing LiteLLM's complexity router ...\n")
    litellm_route, litellm_memory = build_litellm()
    timers = [Timer("hybrid-router decide", our_decide), Timer("litellm-complexity", litellm_route)]
    memory = {timers[0].name: our_memory, timers[1].name: litellm_memory}
    sys.stderr.write(f"timing {len(requests)} requests x {args.rounds} rounds ...\n")
    run(timers, requests, args.rounds)
    sys.stdout.write(render(timers, memory, requests, from_datasets, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
