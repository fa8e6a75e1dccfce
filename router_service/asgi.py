"""Two small ASGI wrappers the server is assembled from."""

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PathPrefix:
    """Paths under `prefix` go to `inner`, everything else to `outer`."""

    def __init__(self, prefix: str, inner: ASGIApp, outer: ASGIApp) -> None:
        self.prefix = prefix
        self.inner = inner
        self.outer = outer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        matches = path == self.prefix or path.startswith(self.prefix + "/")
        await (self.inner if matches else self.outer)(scope, receive, send)


class Lifespan:
    """Run `start` when the server starts and `stop` when it stops, around the app's own.

    `start` runs before the app's start-up (inside the server's event loop),
    `ready` once the app's start-up is complete, `stop` after the app's
    shut-down, when no request is left in flight.
    """

    def __init__(
        self,
        app: ASGIApp,
        start: Callable[[], Awaitable[None]],
        stop: Callable[[], Awaitable[None]],
        ready: Callable[[], None] = lambda: None,
    ) -> None:
        self.app = app
        self.start = start
        self.stop = stop
        self.ready = ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def receive_and_start() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.start()
            return message

        async def send_and_stop(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                self.ready()
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                await self.stop()
            await send(message)

        await self.app(scope, receive_and_start, send_and_stop)
