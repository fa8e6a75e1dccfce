"""The ``down`` fault: reset the TCP connection instead of answering.

ASGI gives an app no handle on its socket, so :class:`ResettableH11Protocol`
(a uvicorn HTTP protocol) publishes its transport in a context variable right
before uvicorn creates the request task, which inherits the value.
:class:`DownMiddleware` then sets ``SO_LINGER`` to ``(1, 0)`` and aborts the
transport, so the kernel sends an RST: the client sees exactly what a crashed
server looks like. The control endpoints (``/_emulator/*``) keep answering.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

CONTROL_PREFIX = "/_emulator/"
DISCONNECT_WAIT_S = 1.0

current_transport: ContextVar[asyncio.Transport | None] = ContextVar(
    "emulator_current_transport", default=None
)


class ResettableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that exposes its transport to the request task."""

    def data_received(self, data: bytes) -> None:
        current_transport.set(self.transport)
        super().data_received(data)


def reset_transport(transport: asyncio.Transport) -> None:
    """Close ``transport`` with a TCP RST rather than a FIN."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class DownMiddleware:
    """Resets every non-control connection while ``is_down()`` is true."""

    def __init__(
        self, app: ASGIApp, is_down: Callable[[], bool], on_reset: Callable[[], None]
    ) -> None:
        self.app = app
        self.is_down = is_down
        self.on_reset = on_reset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"].startswith(CONTROL_PREFIX)
            or not self.is_down()
        ):
            await self.app(scope, receive, send)
            return
        transport = current_transport.get()
        self.on_reset()
        if transport is None:
            # Not under ResettableH11Protocol (e.g. an in-process ASGI client):
            # the closest equivalent is a connection error raised to the caller.
            raise ConnectionResetError("emulator is down")
        reset_transport(transport)
        await _wait_for_disconnect(receive)


async def _wait_for_disconnect(receive: Receive) -> None:
    # Returning before uvicorn has noticed the abort would make it send a 500.
    async def drain() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(drain(), DISCONNECT_WAIT_S)
    except TimeoutError:
        return
