"""Which answers count as followed up: the first request after an answer, within the window."""

from datetime import UTC, datetime, timedelta

from router_service.request_log.follow_ups import Turn, follow_up_gaps

T0 = datetime(2026, 11, 29, 12, tzinfo=UTC)
WINDOW = timedelta(seconds=120)


def turn(id_: int, start_s: float, length_s: float = 1.0, **changes: bool) -> Turn:
    started = T0 + timedelta(seconds=start_s)
    fields = {"answered": True, "followed_up": False, **changes}
    return Turn(id_, f"r{id_}", started, started + timedelta(seconds=length_s), **fields)


def test_each_answer_is_followed_up_by_the_first_request_after_it_within_the_window() -> None:
    conversation = [turn(1, 0), turn(2, 30), turn(3, 200), turn(4, 250)]
    assert follow_up_gaps(conversation, WINDOW) == {
        1: timedelta(seconds=29),  # turn 2 came 29 s after turn 1 finished
        3: timedelta(seconds=49),
    }  # turn 2: the next came 169 s later; turn 4: nothing yet
    assert follow_up_gaps(list(reversed(conversation)), WINDOW) == follow_up_gaps(
        conversation, WINDOW
    )


def test_only_answers_not_yet_marked_are_marked_and_any_request_follows_up() -> None:
    conversation = [
        turn(1, 0, followed_up=True),  # marked by an earlier batch
        turn(2, 10, answered=False),  # failed: nothing to follow up, but it follows up 1
        turn(3, 20),
        turn(4, 25, answered=False),
    ]
    assert follow_up_gaps(conversation, WINDOW) == {3: timedelta(seconds=4)}


def test_a_request_that_overlaps_an_answer_does_not_follow_it_up() -> None:
    # Sent while the long answer was still being written, then nothing.
    assert follow_up_gaps([turn(1, 0, length_s=60), turn(2, 30)], WINDOW) == {}


def test_a_request_that_takes_no_time_is_not_its_own_follow_up() -> None:
    assert follow_up_gaps([turn(1, 0, length_s=0)], WINDOW) == {}
    assert follow_up_gaps([turn(1, 0, length_s=0), turn(2, 0)], WINDOW) == {1: timedelta(0)}
