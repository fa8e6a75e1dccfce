"""Proxy start-up time and memory, and what the routing hook costs under load.

One run starts the emulators and two proxies side by side:
  - `hook`: hybrid-router as shipped (request guard + routing hook);
  - `no-hook`: the same proxy and config with the callbacks removed and
    `auto` aliased to the `local` model group.
It records each proxy's start-up time and RSS, then alternates load rounds
between them with the same requests (all of which the hook sends to the
local tier, so both do the same upstream work) and prints one table.

    python -m bench.proxy_baseline [--rounds 5] [--requests 300] [--concurrency 8]
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.bare_litellm import config_without_callbacks
from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from router_service.core.config import Settings
from router_service.request_router import RequestRouter

SYSTEM_PROMPT = (
    "You are the assistant of Café Lune, 12 Rue des Lilas. Answer briefly and politely. "
    "Opening hours: Mon-Fri 8-20, Sat-Sun 9-18. " * 12
)
QUESTIONS = (
    "What are your opening hours?",
    "Are you open on Sunday?",
    "What's your address?",
    "How much is a cappuccino?",
    "Do you have wifi?",
    "Can I bring my dog inside?",
    "Is there parking nearby?",
    "Do you take cards?",
)


@dataclass
class Measured:
    name: str
    startup_s: float
    rss_mb_idle: float
    rss_mb_after: float = 0.0
    round_rps: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    tiers: dict[str, int] = field(default_factory=dict)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


@contextmanager
def started(
    name: str, emulators: Emulators, logs: Path, env: dict[str, str]
) -> Iterator[tuple[Proxy, Measured]]:
    began = time.perf_counter()
    with run_proxy(emulators, logs, env) as proxy:
        startup = time.perf_counter() - began
        yield proxy, Measured(name, startup, rss_mb(proxy.pid))


async def load_round(
    url: str, key: str, measured: Measured, requests: int, concurrency: int
) -> None:
    """`requests` café questions, `concurrency` at a time; RPS, latencies and tiers noted."""
    headers = {"Authorization": f"Bearer {key}"}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(requests):
        queue.put_nowait(index)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            index = queue.get_nowait()
            body = {
                "model": "auto",
                "max_tokens": 40,
                "messages": [
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": QUESTIONS[index % len(QUESTIONS)]},
                ],
            }
            sent = time.perf_counter()
            response = await client.post("/v1/chat/completions", json=body, headers=headers)
            measured.latencies_ms.append((time.perf_counter() - sent) * 1000)
            response.raise_for_status()
            tier = response.headers.get("x-hybrid-routed-to", "unreported")
            measured.tiers[tier] = measured.tiers.get(tier, 0) + 1

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        measured.round_rps.append(requests / (time.perf_counter() - began))


def decision_times_us(repeats: int = 2000) -> list[float]:
    """The hook's own work (features, rules, score, policy) per request, in-process."""
    router = RequestRouter.from_settings(Settings())
    requests = [
        {"model": "auto", "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                                       {"role": "user", "content": question}]}
        for question in QUESTIONS
    ]  # fmt: skip
    times = []
    for index in range(repeats):
        request = requests[index % len(requests)]
        began = time.perf_counter()
        router.decide(request)
        times.append((time.perf_counter() - began) * 1e6)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(results: list[Measured], args: argparse.Namespace, truncations: int) -> str:
    rows = [
        "| proxy | start-up s | RSS idle MB | RSS after load MB | RPS (median of rounds) "
        "| p50 ms | p99 ms | tiers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in results:
        rows.append(
            f"| {m.name} | {m.startup_s:.1f} | {m.rss_mb_idle:.0f} | {m.rss_mb_after:.0f} "
            f"| {statistics.median(m.round_rps):.1f} | {percentile(m.latencies_ms, 0.5):.1f} "
            f"| {percentile(m.latencies_ms, 0.99):.1f} | {m.tiers} |"
        )
    hook, bare = results
    ratio = statistics.median(hook.round_rps) / statistics.median(bare.round_rps)
    added = percentile(hook.latencies_ms, 0.5) - percentile(bare.latencies_ms, 0.5)
    decision = decision_times_us()
    rows.append("")
    rows.append(
        f"routing decision in-process (features + rules + score + policy): "
        f"median {statistics.median(decision):.1f} us, p99 {percentile(decision, 0.99):.1f} us"
    )
    rows.append(
        f"hook / no-hook throughput: {ratio:.3f}; added p50: {added:+.2f} ms "
        f"({args.rounds} alternating rounds x {args.requests} requests, "
        f"concurrency {args.concurrency})"
    )
    rows.append(f"local prompts truncated by the Ollama emulator: {truncations}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        logs = Path(scratch)
        emulators = stack.enter_context(run_emulators(logs))
        no_hook_env = {"HR_LITELLM_CONFIG": str(config_without_callbacks(logs, keep_auth=True))}
        proxies = [
            stack.enter_context(started("hook", emulators, logs, {})),
            stack.enter_context(started("no-hook", emulators, logs, no_hook_env)),
        ]
        for proxy, _ in proxies:  # warm-up, not measured
            warm_up = Measured("warm-up", 0, 0)
            asyncio.run(load_round(proxy.url, proxy.master_key, warm_up, 50, args.concurrency))
        for _ in range(args.rounds):
            for proxy, measured in proxies:
                asyncio.run(
                    load_round(
                        proxy.url, proxy.master_key, measured, args.requests, args.concurrency
                    )
                )
        for proxy, measured in proxies:
            measured.rss_mb_after = rss_mb(proxy.pid)
        stats = httpx.get(emulators.ollama_url + "/_emulator/stats").json()
        print(report([measured for _, measured in proxies], args, int(stats["truncations"])))


if __name__ == "__main__":
    main()
