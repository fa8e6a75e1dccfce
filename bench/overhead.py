"""What hybrid-router adds to a request: the full deployment against the bare LiteLLM proxy.

One run starts one pair of emulators and, side by side:
  - `full`: `hybrid-router serve` as deployed: a client key checked against
    Postgres, the request guard, the routing hook (rules, model, admission,
    the breaker shared through Redis), the other callbacks, and every request
    logged to Postgres;
  - `bare`: LiteLLM's own proxy app with the same config minus our callbacks
    and auth (`bench.bare_litellm`), `auto` aliased to the local group.
Both serve the same requests (a café system prompt and short questions, all
of which the router sends local) from the same emulator with one uvicorn
worker each. Rounds alternate between them: throughput rounds at
`--concurrency` and latency rounds one request at a time (the added time of
one request, without queueing behind others on two cores). A third proxy,
`full` with the breaker kept in-process (no `HR_REDIS_URL`, as a single
instance may run), shows what sharing the breaker through Redis costs.

    python -m bench.overhead [--rounds 5] [--requests 300] [--concurrency 8]
                             [--latency-requests 100]
"""

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.bare_litellm import config_without_callbacks
from bench.harness import (
    EMULATOR_ANTHROPIC_KEY,
    Emulators,
    free_port,
    run_emulators,
    run_proxy,
    stop,
    wait_until_ready,
)
from bench.proxy_baseline import Measured, load_round, percentile
from router_service.core.config import Settings
from router_service.db.engine import migrate
from tests.support.commands import new_client
from tests.support.database import throwaway_database


@dataclass
class Target:
    name: str
    url: str
    key: str
    throughput: Measured = field(init=False)
    latency: Measured = field(init=False)

    def __post_init__(self) -> None:
        self.throughput = Measured(self.name, 0, 0)
        self.latency = Measured(self.name, 0, 0)


@contextmanager
def full_deployment(emulators: Emulators, logs: Path, shared_breaker: bool) -> Iterator[Target]:
    """hybrid-router on Postgres, called with a client key; the breaker in Redis or in-process."""
    with throwaway_database("hr_bench") as database_url:
        migrate(Settings(database_url=database_url))
        env = {"HR_DATABASE_URL": database_url}
        if shared_breaker:
            env["HR_REDIS_URL"] = "redis://127.0.0.1:6379/0"
            env["HR_REDIS_BREAKER_KEY"] = f"hybrid-router:bench:{uuid.uuid4().hex}"
        with run_proxy(emulators, logs, env) as proxy:
            _, key = new_client(proxy, "bench")
            name = "full" if shared_breaker else "full, breaker in-process"
            yield Target(name, proxy.url, key)


@contextmanager
def bare_litellm(emulators: Emulators, logs: Path) -> Iterator[Target]:
    port = free_port()
    key = "sk-bare-" + uuid.uuid4().hex
    env = {
        "PATH": "/usr/bin:/bin",
        "HR_MASTER_KEY": key,
        "OLLAMA_API_BASE": emulators.ollama_url,
        "ANTHROPIC_API_BASE": emulators.anthropic_url,
        "ANTHROPIC_API_KEY": EMULATOR_ANTHROPIC_KEY,
    }
    config = config_without_callbacks(logs)
    command = [sys.executable, "-m", "bench.bare_litellm", str(config), str(port)]
    with (logs / "bare-litellm.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(url + "/health/liveliness", process, 120)
            yield Target("bare", url, key)
        finally:
            stop(process)


def report(targets: list[Target], args: argparse.Namespace) -> str:
    rows = [
        f"| proxy | RPS at concurrency {args.concurrency} (median of rounds) | p50 ms | p99 ms "
        "| one at a time: p50 ms | p99 ms | tiers |",
        "|---|---|---|---|---|---|---|",
    ]
    for target in targets:
        busy, alone = target.throughput, target.latency
        rows.append(
            f"| {target.name} | {statistics.median(busy.round_rps):.1f} "
            f"| {percentile(busy.latencies_ms, 0.5):.1f} "
            f"| {percentile(busy.latencies_ms, 0.99):.1f} "
            f"| {percentile(alone.latencies_ms, 0.5):.2f} "
            f"| {percentile(alone.latencies_ms, 0.99):.2f} | {busy.tiers} |"
        )
    *ours, bare = targets
    rows.append("")
    for full in ours:
        ratio = statistics.median(full.throughput.round_rps) / statistics.median(
            bare.throughput.round_rps
        )
        rows += [
            f"{full.name} / bare: throughput {ratio:.3f} (goal >= 0.9); added latency one "
            f"request at a time: p50 {added(full, bare, 0.5):+.2f} ms (goal <= 2), "
            f"p99 {added(full, bare, 0.99):+.2f} ms; at concurrency {args.concurrency}: "
            f"p50 {added(full, bare, 0.5, busy=True):+.2f} ms, "
            f"p99 {added(full, bare, 0.99, busy=True):+.2f} ms",
        ]
    rows.append(
        f"({args.rounds} alternating rounds: {args.requests} requests at concurrency "
        f"{args.concurrency}, then {args.latency_requests} one at a time)"
    )
    return "\n".join(rows)


def added(full: Target, bare: Target, share: float, busy: bool = False) -> float:
    def of(target: Target) -> list[float]:
        return (target.throughput if busy else target.latency).latencies_ms

    return percentile(of(full), share) - percentile(of(bare), share)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-requests", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        logs = Path(scratch)
        emulators = stack.enter_context(run_emulators(logs))
        targets = [
            stack.enter_context(full_deployment(emulators, logs, shared_breaker=True)),
            stack.enter_context(full_deployment(emulators, logs, shared_breaker=False)),
            stack.enter_context(bare_litellm(emulators, logs)),
        ]
        for target in targets:  # warm-up, not measured
            warm_up = Measured("warm-up", 0, 0)
            asyncio.run(load_round(target.url, target.key, warm_up, 50, args.concurrency))
        for _ in range(args.rounds):
            for target in targets:
                asyncio.run(
                    load_round(
                        target.url, target.key, target.throughput, args.requests, args.concurrency
                    )
                )
                asyncio.run(
                    load_round(target.url, target.key, target.latency, args.latency_requests, 1)
                )
        print(report(targets, args))


if __name__ == "__main__":
    main()
