"""A traffic spike on the single-GPU local tier, with and without the breaker.

    python -m bench.spike [--target 1.0] [--gpu-ms 250] [--spike-rps 12] [--spike-s 10]

One run starts the emulators and two proxies: `breaker` (as shipped, with a
latency threshold of `--target` seconds) and `no-breaker` (the same proxy
with a threshold so high that neither the breaker nor the queue check ever
acts). Each faces the same open-loop traffic, on a freshly reset emulator,
in two scenarios of three phases (calm, spike, calm again):

- overload: the spike sends `--spike-rps`, above what the GPU serves;
- slowdown: the rate stays calm but the GPU gets `--slow-factor` times slower
  (a heavier model, a neighbour on the GPU, thermal throttling).

Requests are café questions a rule sends local; the Ollama emulator spends
`--gpu-ms` of GPU time on each (one at a time), the Anthropic emulator
answers after `--cloud-ms`. Arrivals are scheduled, not waited for, so a
queue builds exactly as it would in front of one GPU.

Printed per proxy: client latency p50 / p95 / p99 (whole reply), overall and
during the spike; the share of spike traffic shifted to the cloud; when the
breaker opened and closed (polled from `/hr/admin/breaker`); and the local
emulator's truncation count (must be 0).
"""

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

from bench.harness import Emulators, Proxy, run_emulators, run_proxy

QUESTIONS = (
    "What are your opening hours?",
    "Are you open on Sunday?",
    "What's your address?",
    "How much is a cappuccino?",
    "Is there parking nearby?",
)
POLL_S = 0.1


@dataclass(frozen=True)
class Phase:
    name: str
    rps: float
    seconds: float
    gpu_ms: float  # GPU time per local request during the phase


@dataclass(frozen=True)
class Outcome:
    sent_at: float  # seconds since the scenario started
    latency_s: float
    tier: str  # the model that answered: local or cloud
    reason: str
    phase: str


@dataclass
class Run:
    scenario: str
    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    transitions: list[tuple[float, str]] = field(default_factory=list)  # (time, breaker mode)
    truncations: int = 0
    errors: int = 0


def schedule(phases: Sequence[Phase]) -> list[tuple[float, str]]:
    """(send time, phase) of every request: evenly spaced at each phase's rate."""
    plan, start = [], 0.0
    for phase in phases:
        count = round(phase.rps * phase.seconds)
        plan += [(start + index / phase.rps, phase.name) for index in range(count)]
        start += phase.seconds
    return plan


async def run_scenario(
    proxy: Proxy, emulators: Emulators, phases: Sequence[Phase], run: Run
) -> None:
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    async with httpx.AsyncClient(
        base_url=proxy.url, headers=headers, timeout=120, limits=limits
    ) as client:
        await client.post("/hr/admin/breaker/reset")
        began = time.monotonic()
        done = asyncio.Event()
        watcher = asyncio.create_task(watch_breaker(client, began, run, done))
        tasks = [asyncio.create_task(set_gpu_time(emulators, phases, began))]
        for number, (at, phase) in enumerate(schedule(phases)):
            await asyncio.sleep(max(0.0, began + at - time.monotonic()))
            question = QUESTIONS[number % len(QUESTIONS)]
            tasks.append(asyncio.create_task(ask(client, question, began, phase, run)))
        await asyncio.gather(*tasks)
        done.set()
        await watcher
    stats = httpx.get(emulators.ollama_url + "/_emulator/stats").json()
    run.truncations = int(stats["truncations"])


async def set_gpu_time(emulators: Emulators, phases: Sequence[Phase], began: float) -> None:
    """Each phase's GPU time per request, set on the emulator when the phase starts."""
    start = 0.0
    async with httpx.AsyncClient(base_url=emulators.ollama_url) as client:
        for phase in phases:
            await asyncio.sleep(max(0.0, began + start - time.monotonic()))
            response = await client.post("/_emulator/faults", json={"gpu_ms": phase.gpu_ms})
            response.raise_for_status()
            start += phase.seconds


async def ask(client: httpx.AsyncClient, question: str, began: float, phase: str, run: Run) -> None:
    sent = time.monotonic()
    body = {"model": "auto", "messages": [{"role": "user", "content": question}]}
    response = await client.post("/v1/chat/completions", json=body)
    if response.status_code != 200:
        run.errors += 1
        return
    model = response.headers.get("x-hybrid-actual-model", "")
    run.outcomes.append(
        Outcome(
            sent_at=sent - began,
            latency_s=time.monotonic() - sent,
            tier="local" if model.startswith("ollama") else "cloud",
            reason=response.headers.get("x-hybrid-reason", ""),
            phase=phase,
        )
    )


async def watch_breaker(
    client: httpx.AsyncClient, began: float, run: Run, done: asyncio.Event
) -> None:
    last = None
    while not done.is_set():
        mode = (await client.get("/hr/admin/breaker")).json()["mode"]
        if mode != last:
            run.transitions.append((time.monotonic() - began, mode))
            last = mode
        await asyncio.sleep(POLL_S)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def render(runs: Sequence[Run], phases: Sequence[Phase], target_s: float) -> str:
    spike = phases[1]
    spike_start = phases[0].seconds
    lines = [
        "| scenario | proxy | requests | p50 s | p95 s | p99 s | spike p95 s | spike p99 s | "
        "spike to cloud | reasons in the spike | opened at s | closed at s | truncations |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        latencies = [item.latency_s for item in run.outcomes]
        during = [item for item in run.outcomes if item.phase == spike.name]
        spike_latencies = [item.latency_s for item in during]
        cloud = sum(item.tier == "cloud" for item in during) / max(1, len(during))
        reasons = ", ".join(
            f"{name} {count}"
            for name, count in Counter(item.reason for item in during).most_common()
        )
        opened = next((at for at, mode in run.transitions if mode == "open"), None)
        closed = next(
            (
                at
                for at, mode in run.transitions
                if mode == "closed" and opened is not None and at > opened
            ),
            None,
        )
        lines.append(
            f"| {run.scenario} | {run.name} | {len(run.outcomes)} (+{run.errors} errors) | "
            f"{statistics.median(latencies):.2f} | {percentile(latencies, 0.95):.2f} | "
            f"{percentile(latencies, 0.99):.2f} | {percentile(spike_latencies, 0.95):.2f} | "
            f"{percentile(spike_latencies, 0.99):.2f} | {cloud:.0%} | {reasons} | "
            f"{_relative(opened, spike_start)} | "
            f"{_relative(closed, spike_start + spike.seconds)} | {run.truncations} |"
        )
    lines += [
        "",
        f"Latency target (breaker threshold): {target_s:.2f} s; "
        f"1.5 x target = {1.5 * target_s:.2f} s. "
        "`opened at` counts from the start of the spike, `closed at` from its end.",
    ]
    return "\n".join(lines) + "\n"


def _relative(at: float | None, origin: float) -> str:
    return "–" if at is None else f"{at - origin:+.1f}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.spike", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--target", type=float, default=1.0, help="latency threshold, seconds")
    parser.add_argument("--gpu-ms", type=float, default=250.0, help="GPU time per local request")
    parser.add_argument("--cloud-ms", type=float, default=600.0, help="cloud response time")
    parser.add_argument("--calm-rps", type=float, default=2.0)
    parser.add_argument("--spike-rps", type=float, default=12.0)
    parser.add_argument("--spike-s", type=float, default=10.0)
    parser.add_argument("--calm-s", type=float, default=15.0)
    parser.add_argument("--slow-factor", type=float, default=5.0)
    return parser.parse_args(argv)


def scenarios(args: argparse.Namespace) -> dict[str, tuple[Phase, ...]]:
    calm, spike = args.calm_rps, args.spike_rps
    slow = args.gpu_ms * args.slow_factor
    return {
        "overload": (
            Phase("calm", calm, args.calm_s, args.gpu_ms),
            Phase("spike", spike, args.spike_s, args.gpu_ms),
            Phase("after", calm, args.calm_s, args.gpu_ms),
        ),
        "slowdown": (
            Phase("calm", calm, args.calm_s, args.gpu_ms),
            Phase("spike", calm, args.spike_s, slow),
            Phase("after", calm, args.calm_s, args.gpu_ms),
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with_breaker = {
        "HR_LOCAL_LATENCY_THRESHOLD_S": str(args.target),
        "HR_LOCAL_SERVICE_TIME_S": str(args.gpu_ms / 1000.0),
        "HR_BREAKER_COOLDOWN_S": "5",
        "HR_BREAKER_MIN_SAMPLES": "5",
        "HR_BREAKER_WINDOW_S": "20",
    }
    without_breaker = {**with_breaker, "HR_LOCAL_LATENCY_THRESHOLD_S": "1000000"}
    runs = []
    with TemporaryDirectory() as logs, run_emulators(Path(logs)) as emulators:
        for name, env in (("breaker", with_breaker), ("no-breaker", without_breaker)):
            sys.stderr.write(f"starting the {name} proxy ...\n")
            with run_proxy(emulators, Path(logs), env) as proxy:
                for scenario, phases in scenarios(args).items():
                    for base in (emulators.ollama_url, emulators.anthropic_url):
                        httpx.post(base + "/_emulator/reset").raise_for_status()
                    latency = {"latency_ms": args.cloud_ms}
                    cloud_faults = emulators.anthropic_url + "/_emulator/faults"
                    httpx.post(cloud_faults, json=latency).raise_for_status()
                    run = Run(scenario, name)
                    seconds = sum(phase.seconds for phase in phases)
                    sys.stderr.write(f"  {scenario} with {name} ({seconds:.0f} s) ...\n")
                    asyncio.run(run_scenario(proxy, emulators, phases, run))
                    runs.append(run)
    runs.sort(key=lambda run: run.scenario)
    sys.stdout.write(render(runs, scenarios(args)["overload"], args.target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
