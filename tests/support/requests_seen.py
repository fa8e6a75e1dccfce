"""Every model request the tests make, by the id the proxy gave it.

The integration tests build their SDK and HTTP clients on `recording_client`,
whose response hook notes each `x-hybrid-request-id`. At the end of the
session every one of them must have exactly one row in the request log.
"""

from dataclasses import dataclass, field
from threading import Lock
from typing import Protocol

import httpx
import httpx2

REQUEST_ID_HEADER = "x-hybrid-request-id"


@dataclass
class RequestsSeen:
    statuses: dict[str, int] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def note(self, response: "HasHeaders") -> None:
        request_id = response.headers.get(REQUEST_ID_HEADER)
        if request_id:
            with self._lock:
                self.statuses[request_id] = response.status_code
                self.urls[request_id] = str(response.request.url)

    async def note_async(self, response: "HasHeaders") -> None:
        self.note(response)


class HasHeaders(Protocol):
    """A response of httpx (the OpenAI SDK's) or httpx2 (the Anthropic SDK's)."""

    @property
    def headers(self) -> httpx.Headers | httpx2.Headers: ...

    @property
    def status_code(self) -> int: ...

    @property
    def request(self) -> httpx.Request | httpx2.Request: ...


SEEN = RequestsSeen()


def recording_client(**options: object) -> httpx.Client:
    return httpx.Client(event_hooks={"response": [SEEN.note]}, **options)  # type: ignore[arg-type]


def recording_async_client(**options: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(event_hooks={"response": [SEEN.note_async]}, **options)  # type: ignore[arg-type]


def recording_client2(**options: object) -> httpx2.Client:
    """The same for the Anthropic SDK, which is built on httpx2."""
    return httpx2.Client(event_hooks={"response": [SEEN.note]}, **options)  # type: ignore[arg-type]
