"""The requests under way, until each one's row is complete.

A row is complete when the response has been sent and, if the request
reached the model, the model call's log event (tokens, cost) has come too;
that event may arrive just before or just after the response ends. Then
the row goes to the writer, once. A request whose event never comes is
written `grace_s` after its response anyway, and one whose response never
ends after `max_age_s`: a row may lack its cost, but is never lost.
"""

import time
from collections.abc import Callable

from router_service.request_log.record import PendingRecord


class RequestLedger:
    def __init__(
        self,
        write: Callable[[PendingRecord], None],
        grace_s: float = 5.0,
        max_age_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self.grace_s = grace_s
        self.max_age_s = max_age_s
        self._clock = clock
        self._records: dict[str, PendingRecord] = {}
        self._opened_at: dict[str, float] = {}
        self._responded_at: dict[str, float] = {}

    def open(self, record: PendingRecord) -> PendingRecord:
        self._records[record.request_id] = record
        self._opened_at[record.request_id] = self._clock()
        return record

    def get(self, request_id: str | None) -> PendingRecord | None:
        return self._records.get(request_id) if request_id else None

    def response_finished(self, record: PendingRecord) -> None:
        record.response_done = True
        self._responded_at[record.request_id] = self._clock()
        self._complete_if_done(record)

    def llm_event_seen(self, record: PendingRecord) -> None:
        record.llm_event_seen = True
        self._complete_if_done(record)

    def sweep(self) -> int:
        """Write the rows that waited long enough; how many were written."""
        now = self._clock()
        overdue = [
            record
            for request_id, record in self._records.items()
            if now - self._responded_at.get(request_id, float("inf")) >= self.grace_s
            or now - self._opened_at[request_id] >= self.max_age_s
        ]
        for record in overdue:
            self._finish(record)
        return len(overdue)

    def flush(self) -> None:
        """Write every row now (shutdown)."""
        for record in list(self._records.values()):
            self._finish(record)

    def __len__(self) -> int:
        return len(self._records)

    def _complete_if_done(self, record: PendingRecord) -> None:
        waiting_for_model = record.expects_llm_event and not record.llm_event_seen
        if record.response_done and not waiting_for_model:
            self._finish(record)

    def _finish(self, record: PendingRecord) -> None:
        if self._records.pop(record.request_id, None) is None:
            return  # written already
        self._opened_at.pop(record.request_id, None)
        self._responded_at.pop(record.request_id, None)
        self._write(record)
