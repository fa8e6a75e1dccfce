"""Steady concurrent traffic on the proxy, every request's outcome kept, for the reliability suite.

Each worker sends one request after another for as long as the load runs:
OpenAI chat completions, some streamed. An outcome says whether the response
had started (a first byte of the body) and whether it finished properly, so a
test can tell "failed before anything reached the client" from "broken midway".
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.requests_seen import REQUEST_ID_HEADER

# A café customer's everyday questions: the router sends these to the local model
# whatever the customer number appended to them (checked by a unit test).
LOCAL_QUESTIONS = (
    "What time do you open on Sunday?",
    "Do you have oat milk?",
    "Where is the café?",
    "How much is a latte?",
    "Are you open on public holidays?",
    "Is there parking nearby?",
)

Body = dict[str, Any]


@dataclass
class Outcome:
    started: float
    ended: float = 0.0
    stream: bool = False
    status: int | None = None  # None: no HTTP response at all
    request_id: str | None = None
    first_byte: bool = False
    completed: bool = False
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def client_error(self) -> bool:
        """The client saw a failure: an error status, a broken connection or a broken stream."""
        return not self.completed


def local_question(number: int, stream: bool) -> Body:
    question = LOCAL_QUESTIONS[number % len(LOCAL_QUESTIONS)]
    return {
        "model": "auto",
        "stream": stream,
        "messages": [{"role": "user", "content": f"{question} (customer {number})"}],
    }


class Load:
    """`concurrency` workers sending local questions, every third streamed, until `stop()`."""

    def __init__(self, base_url: str, key: str, concurrency: int) -> None:
        self.url = base_url + "/v1/chat/completions"
        self.headers = {"Authorization": f"Bearer {key}"}
        self.concurrency = concurrency
        self.outcomes: list[Outcome] = []
        self._stopping = asyncio.Event()
        self._count = 0

    async def run(self) -> list[Outcome]:
        async with httpx.AsyncClient(timeout=60) as client:
            await asyncio.gather(*(self._worker(client) for _ in range(self.concurrency)))
        return self.outcomes

    def stop(self) -> None:
        self._stopping.set()

    async def _worker(self, client: httpx.AsyncClient) -> None:
        while not self._stopping.is_set():
            self._count += 1
            number = self._count
            stream = number % 3 == 0
            outcome = Outcome(started=time.monotonic(), stream=stream)
            self.outcomes.append(outcome)
            await send(client, self.url, self.headers, local_question(number, stream), outcome)


async def send(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    body: Body,
    outcome: Outcome,
) -> None:
    try:
        async with client.stream("POST", url, headers=headers, json=body) as response:
            outcome.status = response.status_code
            outcome.headers = dict(response.headers)
            outcome.request_id = response.headers.get(REQUEST_ID_HEADER)
            text = ""
            async for chunk in response.aiter_text():
                # Only an answer's bytes count: an error body is not a started answer.
                outcome.first_byte = response.status_code == 200
                text += chunk
            outcome.completed = response.status_code == 200 and finished(text, outcome.stream)
            if not outcome.completed:
                outcome.error = text[-300:]
    except httpx.HTTPError as error:
        outcome.error = f"{type(error).__name__}: {error}"
    finally:
        outcome.ended = time.monotonic()


def finished(text: str, stream: bool) -> bool:
    """A whole answer: a JSON completion, or a stream ending in [DONE] with no error event."""
    if not stream:
        try:
            return bool(json.loads(text)["choices"][0]["message"]["content"])
        except (ValueError, KeyError, IndexError, TypeError):
            return False
    events = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
    if not events or events[-1] != "[DONE]":
        return False
    return not any('"error"' in event for event in events[:-1])


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    return {
        "requests": len(outcomes),
        "streams": sum(outcome.stream for outcome in outcomes),
        "completed": sum(outcome.completed for outcome in outcomes),
        "failed_before_first_byte": sum(
            outcome.client_error and not outcome.first_byte for outcome in outcomes
        ),
        "broken_after_first_byte": sum(
            outcome.client_error and outcome.first_byte for outcome in outcomes
        ),
    }
