"""Keep keys and personal data out of the process's log output.

Every log record, whoever writes it (the router, LiteLLM, uvicorn), passes
through a record factory that masks the master key and redacts API keys,
e-mail addresses, phone and card numbers from its message: an error message
that quotes a customer's request must not leak it into the logs.
"""

import logging
from collections.abc import Iterable
from typing import Any

from router_service.request_log.redaction import redact


def install(secrets: Iterable[str]) -> None:
    """Mask `secrets` and redact personal data in every log record from now on."""
    masked = [secret for secret in secrets if secret]
    make_record = logging.getLogRecordFactory()

    def private_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record  # a malformed record: leave it to the logging module's own handling
        for secret in masked:
            message = message.replace(secret, "[master key]")
        record.msg, record.args = redact(message), None
        return record

    logging.setLogRecordFactory(private_record)
