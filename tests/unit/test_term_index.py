"""The term index finds exactly the vocabulary rows of `text_terms`."""

from hypothesis import given
from hypothesis import strategies as st

from classifier import extract_features
from classifier.features import RequestFeatures
from classifier.ngrams import PAIR_TERM, WORD_TERM, text_terms
from classifier.term_index import SHORT_REPLY_WORDS, TermIndex

TRAINING_TEXTS = [
    "Are you open on Sunday?",
    "and on Saturday?",
    "How much is a flat white with oat milk",
    "Make a list of podcasts about history",
    "Где вы находитесь? Сколько стоит капучино?",
]
WORDS = ["open", "sunday", "and", "on", "how", "much", "make", "list", "zorblat", "где", "вы", "x"]


def conversation(previous: str, last: str) -> RequestFeatures:
    messages = [{"role": "user", "content": previous}] if previous else []
    messages += [{"role": "assistant", "content": "..."}] if previous else []
    return extract_features({"messages": [*messages, {"role": "user", "content": last}]})


def vocabulary() -> list[str]:
    terms = set()
    for previous, last in zip(["", *TRAINING_TEXTS], TRAINING_TEXTS, strict=False):
        terms.update(text_terms(conversation(previous, last)))
    return sorted(terms)


VOCABULARY = vocabulary()
INDEX = TermIndex(VOCABULARY)
ROWS = {term: row for row, term in enumerate(VOCABULARY)}


def expected(features: RequestFeatures) -> tuple[set[int], float]:
    """Rows and coverage computed from the term strings, the slow way."""
    terms = text_terms(features)
    rows = {ROWS[term] for term in terms if term in ROWS}
    coverage = own_coverage(terms)
    previous = text_terms(conversation("", features.previous_user_text))
    reply_words = sum(term.startswith(WORD_TERM) for term in terms)
    if reply_words <= SHORT_REPLY_WORDS and any(t.startswith(WORD_TERM) for t in previous):
        coverage = max(coverage, own_coverage(previous))
    return rows, coverage


def own_coverage(terms: list[str]) -> float:
    words = [term in ROWS for term in terms if term.startswith(WORD_TERM)]
    pairs = [term in ROWS for term in terms if term.startswith(PAIR_TERM)]
    if len(words) < 2:
        return float(sum(words))
    # One known pair assumed: (known pairs + 1) / (pairs + 1).
    return (sum(words) / len(words) + (sum(pairs) + 1) / (len(pairs) + 1)) / 2


TEXT = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=30).map(" ".join)


@given(TEXT, TEXT)
def test_rows_and_coverage_match_the_term_strings(previous: str, last: str) -> None:
    features = conversation(previous, last)
    found = INDEX.look_up(features.last_user_text, features.previous_user_text)
    rows, coverage = expected(features)
    assert found.rows == rows
    assert abs(found.coverage - coverage) < 1e-12


def test_a_known_message_is_covered_and_a_foreign_one_is_not() -> None:
    known = conversation("", "Are you open on Sunday?")
    foreign = conversation("", "日曜日は営業していますか")
    assert INDEX.look_up(known.last_user_text, "").coverage == 1.0
    assert INDEX.look_up(foreign.last_user_text, "").coverage == 0.0


def test_a_short_reply_is_as_familiar_as_the_message_it_answers() -> None:
    # A name is unknown to any vocabulary; given in reply, it belongs to the question.
    reply = conversation("How much is a flat white with oat milk", "Zorblat")
    alone = conversation("", "Zorblat")
    assert INDEX.look_up(alone.last_user_text, "").coverage == 0.0
    assert INDEX.look_up(reply.last_user_text, reply.previous_user_text).coverage == 1.0


def test_a_long_unknown_message_is_not_lifted_by_the_one_before() -> None:
    message = conversation("Are you open on Sunday?", "Zorblat quux florp snarg")
    found = INDEX.look_up(message.last_user_text, message.previous_user_text)
    assert found.coverage < 0.5
