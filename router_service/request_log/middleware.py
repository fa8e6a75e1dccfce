"""ASGI middleware that opens a log record for every model request and closes it.

Outermost on the model routes: it gives each request an id (the
`x-hybrid-request-id` header, on the request for LiteLLM and on the
response for the client), and records what only the HTTP layer sees: the
status (including 4xx answered by the key check or the request guard,
before LiteLLM), the error message, whether the reply streamed, the first
byte and the end. The routing hook and the recorder fill in the rest; the
ledger writes the row when all of it is in.
"""

import json
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from router_service.auth.identity import ClientIdentity, scope_identity
from router_service.db.models import utc_now
from router_service.request_log.ledger import RequestLedger
from router_service.request_log.record import PendingRecord

REQUEST_ID_HEADER = b"x-hybrid-request-id"
MAX_ERROR_BODY = 8192


class RequestLogging:
    def __init__(self, app: ASGIApp, ledger: RequestLedger, paths: frozenset[str]) -> None:
        self.app = app
        self.ledger = ledger
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        record = self.ledger.open(PendingRecord(request_id, route=scope["path"]))
        headers = [item for item in scope.get("headers") or [] if item[0] != REQUEST_ID_HEADER]
        scope["headers"] = [*headers, (REQUEST_ID_HEADER, request_id.encode())]
        error_body = bytearray()

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status_code = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode()),
                ]
                content_type = dict(message["headers"]).get(b"content-type", b"")
                record.stream = content_type.startswith(b"text/event-stream")
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                if body and record.first_byte_at is None:
                    record.first_byte_at = utc_now()
                if record.status_code >= 400 and len(error_body) < MAX_ERROR_BODY:
                    error_body.extend(body[: MAX_ERROR_BODY - len(error_body)])
                if not message.get("more_body", False):
                    record.finished_at = utc_now()
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except Exception as error:
            record.status_code = record.status_code or 500
            record.error = record.error or f"{type(error).__name__}: {error}"
            raise
        finally:
            identity = scope_identity(scope)
            if isinstance(identity, ClientIdentity):
                record.client_id = identity.client_id
                record.client_name = identity.client_name
            if record.status_code == 0:
                record.status_code = 499  # the client left before any answer
            if record.status_code >= 400 and error_body and record.error is None:
                record.error = error_message(bytes(error_body))
            self.ledger.response_finished(record)


def error_message(body: bytes) -> str:
    """The message of an error body in OpenAI's or Anthropic's shape, else the body's start."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:500].decode("utf-8", "replace")
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:2000]
    return json.dumps(data)[:500]
