"""The server's lifespan wrapper: our start, the app's start-up, ready, then the stop."""

import gc

from starlette.types import Message, Receive, Scope, Send

from router_service.asgi import Lifespan
from router_service.server import freeze_start_up_objects


async def test_start_ready_and_stop_come_in_order() -> None:
    calls: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:  # an app's lifespan protocol, as uvicorn drives it
            message = await receive()
            if message["type"] == "lifespan.startup":
                calls.append("app starts")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                calls.append("app stops")
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def start() -> None:
        calls.append("start")

    async def stop() -> None:
        calls.append("stop")

    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> Message:
        return next(incoming)

    async def send(message: Message) -> None:
        sent.append(message["type"])

    wrapped = Lifespan(app, start, stop, ready=lambda: calls.append("ready"))
    await wrapped({"type": "lifespan"}, receive, send)
    assert calls == ["start", "app starts", "ready", "app stops", "stop"]
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_start_up_objects_leave_the_collector_s_passes() -> None:
    try:
        freeze_start_up_objects()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
