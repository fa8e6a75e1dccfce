"""Request-log pieces without a database: redaction, the ledger's join, spill files, money."""

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from classifier import Policy
from router_service.budget import period_key
from router_service.budget_gate import _pressure
from router_service.db.models import BudgetPeriod
from router_service.pricing import Prices, format_usd, usd_to_micros
from router_service.request_log.ledger import RequestLedger
from router_service.request_log.record import PendingRecord
from router_service.request_log.redaction import redact
from router_service.request_log.spill import SpillFiles

CANARY_EMAIL = "canary.jane+cafe@example.co.uk"
CANARY_PHONE = "+44 20 7946 0958"
CANARY_CARD = "4111 1111 1111 1111"
CANARY_KEY = "sk-hr-0123456789ab-Zm9vYmFyYmF6cXV4"


def test_redaction_removes_keys_addresses_cards_and_phones() -> None:
    text = (
        f"I'm Jane, {CANARY_EMAIL}, call {CANARY_PHONE} or (555) 123-4567, "
        f"card {CANARY_CARD}, my key is {CANARY_KEY}. Table for 4 at 7:30 on 2026-12-24, "
        "order 12345, total 23.50"
    )
    redacted = redact(text)
    for secret in (CANARY_EMAIL, CANARY_PHONE, "(555) 123-4567", CANARY_CARD, CANARY_KEY):
        assert secret not in redacted
    assert "[email]" in redacted and "[phone]" in redacted and "[card]" in redacted
    assert "[key]" in redacted
    # What a café request needs stays: party size, time, date, order number, price.
    for kept in ("Table for 4 at 7:30", "2026-12-24", "order 12345", "23.50"):
        assert kept in redacted


def test_a_number_that_fails_the_card_check_is_not_called_a_card() -> None:
    assert "[card]" not in redact("ticket 1234 5678 9012 3456")


class Written:
    def __init__(self) -> None:
        self.rows: list[PendingRecord] = []

    def __call__(self, record: PendingRecord) -> None:
        self.rows.append(record)


def ledger_with_clock() -> tuple[RequestLedger, Written, list[float]]:
    now = [0.0]
    written = Written()
    return RequestLedger(written, grace_s=5.0, max_age_s=100.0, clock=lambda: now[0]), written, now


def test_a_row_waits_for_both_the_response_and_the_model_event() -> None:
    ledger, written, _ = ledger_with_clock()
    first = ledger.open(PendingRecord("a", "/v1/chat/completions"))
    first.expects_llm_event = True
    ledger.response_finished(first)
    assert written.rows == []  # the model call's event is still to come
    ledger.llm_event_seen(first)
    second = ledger.open(PendingRecord("b", "/v1/chat/completions"))
    second.expects_llm_event = True
    ledger.llm_event_seen(second)  # the event may come first
    ledger.response_finished(second)
    assert [record.request_id for record in written.rows] == ["a", "b"]
    ledger.llm_event_seen(second)  # a late duplicate changes nothing
    assert len(written.rows) == 2 and len(ledger) == 0


def test_a_request_stopped_before_the_model_is_written_at_once() -> None:
    ledger, written, _ = ledger_with_clock()
    rejected = ledger.open(PendingRecord("401", "/v1/chat/completions", status_code=401))
    ledger.response_finished(rejected)
    assert [record.request_id for record in written.rows] == ["401"]


def test_overdue_rows_are_written_without_waiting_forever() -> None:
    ledger, written, now = ledger_with_clock()
    lost_event = ledger.open(PendingRecord("lost-event", "/v1/messages"))
    lost_event.expects_llm_event = True
    ledger.response_finished(lost_event)
    never_answered = ledger.open(PendingRecord("never-answered", "/v1/messages"))
    now[0] = 4.0
    assert ledger.sweep() == 0
    now[0] = 6.0
    assert ledger.sweep() == 1  # written after the grace time, without cost
    now[0] = 101.0
    assert ledger.sweep() == 1
    assert [record.request_id for record in written.rows] == ["lost-event", "never-answered"]
    assert never_answered.finished_at is None  # to_row stamps the time it is written


def test_spilled_rows_come_back_intact(tmp_path: Path) -> None:
    spill = SpillFiles(tmp_path)
    started = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    rows = [
        {**PendingRecord(f"r{number}", "/v1/chat/completions", started_at=started).to_row(),
         "features": {"numeric": {"log_digits": 0.0}}, "text": "Où êtes-vous ? [email]"}
        for number in range(3)
    ]  # fmt: skip
    spill.append(rows[:2])
    spill.append(rows[2:])
    assert spill.has_rows()
    replayed: list[dict[str, Any]] = []

    async def write(batch: list[dict[str, Any]]) -> None:
        replayed.extend(batch)

    assert asyncio.run(spill.replay(write)) == 3
    assert replayed == rows and not spill.has_rows()


def test_a_failed_replay_keeps_the_file(tmp_path: Path) -> None:
    spill = SpillFiles(tmp_path)
    spill.append([PendingRecord("r", "/v1/messages").to_row()])

    async def unreachable(batch: list[dict[str, Any]]) -> None:
        raise OSError("connection refused")

    with pytest.raises(OSError):
        asyncio.run(spill.replay(unreachable))
    assert spill.has_rows()


def test_money_is_exact_in_micro_dollars() -> None:
    sonnet = Prices(3.0, 15.0)
    assert sonnet.cost_micros(1000, 500) == 3000 + 7500
    assert Prices(0.25, 1.25).cost_micros(3, 2) == 4  # 3.25: fractions round up, never down
    assert usd_to_micros("20") == 20_000_000 and usd_to_micros("0.0001") == 100
    assert format_usd(1_234_500) == "$1.2345" and format_usd(None) == "unlimited"
    with pytest.raises(ValueError, match="not an amount"):
        usd_to_micros("twenty")


def test_budget_periods() -> None:
    moment = datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    assert period_key(BudgetPeriod.month, moment) == "2026-11"
    assert period_key(BudgetPeriod.week, moment) == "2026-W48"
    assert period_key(BudgetPeriod.day, moment) == "2026-11-29"


def test_budget_pressure_raises_the_cloud_threshold_smoothly() -> None:
    assert _pressure(0.5) == 0.0 and _pressure(0.8) == 0.0
    assert 0.0 < _pressure(0.85) < _pressure(0.9) < _pressure(0.99) < 1.0
    assert _pressure(1.2) == 1.0
    policy = Policy(0.1, 0.6)
    assert policy.under_pressure(0.0) == policy
    assert policy.under_pressure(0.5) == Policy(0.55, 0.6)
    assert policy.under_pressure(1.0).score_threshold == 1.0


def test_log_records_lose_keys_and_personal_data(caplog: pytest.LogCaptureFixture) -> None:
    from router_service import log_privacy

    factory = logging.getLogRecordFactory()
    try:
        log_privacy.install(["master-secret-123"])
        logger = logging.getLogger("test.privacy")
        with caplog.at_level(logging.INFO, logger="test.privacy"):
            logger.info("request from %s with %s failed", CANARY_EMAIL, "master-secret-123")
            logger.warning("bad key %s, call %s", CANARY_KEY, CANARY_PHONE)
    finally:
        logging.setLogRecordFactory(factory)
    text = caplog.text
    for secret in (CANARY_EMAIL, "master-secret-123", CANARY_KEY, CANARY_PHONE):
        assert secret not in text
    assert "[email]" in text and "[master key]" in text and "[key]" in text


def test_with_log_text_none_only_features_are_stored() -> None:
    from classifier import extract_features
    from router_service.request_log.fields import stored_features, stored_text

    features = extract_features(
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                      {"role": "user", "content": f"mail {CANARY_EMAIL}"}]}
    )  # fmt: skip
    assert stored_text(features, "none") is None
    assert "previous_text" not in stored_features(features, "none")
    assert stored_text(features, "redacted") == "mail [email]"
    assert stored_features(features, "redacted")["turn_index"] == 2
