"""The health probe of the local tier, which also keeps the model loaded.

Every few seconds it asks Ollama which models are loaded (`GET /api/ps`, which
answers at once even while the GPU is busy). The answer feeds the breaker: an
unreachable Ollama counts as a failure, a reachable one lets a breaker that
opened on failures try local again. Ollama unloads an idle model after its
`keep_alive` and the next request pays the load time, so when the model is not
loaded the probe loads it (an empty chat request with the router's
`keep_alive` and the usual context size) while the breaker is closed.
"""

import asyncio
import logging
from dataclasses import dataclass

import httpx

from router_service.breaker_store import LocalBreaker

LOGGER = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 2.0
LOAD_TIMEOUT_S = 120.0  # a cold 8B model takes seconds to load, more on a slow disk


@dataclass(frozen=True)
class OllamaTarget:
    api_base: str
    model: str  # Ollama's name, e.g. "llama3.1:8b"
    keep_alive: str
    num_ctx: int


class LocalProbe:
    def __init__(
        self,
        target: OllamaTarget,
        breaker: LocalBreaker,
        interval_s: float,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.target = target
        self.breaker = breaker
        self.interval_s = interval_s
        self._client = client or httpx.AsyncClient(base_url=target.api_base)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run the probe in the background of the running event loop (once)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="local-probe")

    async def check(self) -> bool:
        """One probe: report reachability, load the model if needed; True if reachable."""
        try:
            response = await self._client.get("/api/ps", timeout=PROBE_TIMEOUT_S)
            response.raise_for_status()
            loaded = {entry.get("name") for entry in response.json().get("models", [])}
        except (httpx.HTTPError, ValueError) as error:
            LOGGER.info("local probe: Ollama unreachable at %s (%s)", self.target.api_base, error)
            await self.breaker.health_checked(reachable=False)
            return False
        await self.breaker.health_checked(reachable=True)
        state = await self.breaker.state()
        if state.mode == "closed" and not _is_loaded(self.target.model, loaded):
            await self._load()
        return True

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # the probe must outlive any one bad round
                LOGGER.exception(
                    "local probe: unexpected error; probing again in %s s", self.interval_s
                )
            await asyncio.sleep(self.interval_s)

    async def _load(self) -> None:
        body = {
            "model": self.target.model,
            "messages": [],
            "keep_alive": self.target.keep_alive,
            "options": {"num_ctx": self.target.num_ctx},
        }
        try:
            response = await self._client.post("/api/chat", json=body, timeout=LOAD_TIMEOUT_S)
            response.raise_for_status()
        except httpx.HTTPError as error:
            LOGGER.warning("local probe: loading %s failed (%s)", self.target.model, error)
            return
        LOGGER.info("local probe: loaded %s", self.target.model)


def _is_loaded(model: str, loaded: set[str | None]) -> bool:
    # Ollama names a model with its tag ("llama3.1:8b"); a bare name means ":latest".
    wanted = model if ":" in model else f"{model}:latest"
    return wanted in loaded
