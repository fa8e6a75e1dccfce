"""A request's vocabulary rows, found without building its term strings.

`classifier.ngrams.text_terms` defines the terms; scoring needs only which
vocabulary rows they hit and how much of the message the vocabulary covers.
Building ~100 prefixed strings per request and looking each one up was most
of a decision's time, so the vocabulary is split by kind into dicts keyed by
what the request already has: words, word pairs (tuples), trigrams. A known
word's own row and its trigrams' rows are stored together, so most words
cost one look-up. A test checks that the rows equal those of `text_terms`.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import cast

from classifier.ngrams import (
    OPENING_TERM,
    PAIR_TERM,
    PREVIOUS_TERM,
    TRIGRAM_TERM,
    WORD_TERM,
    word_trigrams,
    words,
)


@dataclass(frozen=True)
class Found:
    rows: set[int]  # vocabulary rows of the terms that occur
    # The mean of two shares of the message found in the vocabulary: its
    # words and its word pairs (just the words when it has one word).
    # See `_coverage` and SHORT_REPLY_WORDS.
    coverage: float


# A reply of a few words ("Louisa", "4 at 8pm") answers the bot's question:
# names and numbers the vocabulary cannot know, about what the user asked
# just before. It is as familiar as the better known of the two messages.
SHORT_REPLY_WORDS = 3


class TermIndex:
    def __init__(self, vocabulary: Sequence[str]) -> None:
        by_kind: dict[str, dict[str, int]] = defaultdict(dict)
        for row, term in enumerate(vocabulary):
            by_kind[term[:2]][term[2:]] = row
        self._trigrams = by_kind[TRIGRAM_TERM]
        self._pairs = {
            (first, second): row
            for text, row in by_kind[PAIR_TERM].items()
            for first, second in [text.split(" ")]
        }
        self._openings = by_kind[OPENING_TERM]
        self._previous = by_kind[PREVIOUS_TERM]
        # A known word's own row first, then its trigrams' rows.
        self._known_words = {
            word: (row, *self._trigram_rows(word)) for word, row in by_kind[WORD_TERM].items()
        }

    def look_up(self, last_user_text: str, previous_user_text: str) -> Found:
        tokens = words(last_user_text)
        rows: set[int | None] = set()
        known_words = 0
        for token in tokens:
            token_rows = self._known_words.get(token)
            if token_rows is None:
                token_rows = self._trigram_rows(token)
            else:
                known_words += 1
            rows.update(token_rows)
        pair_rows = [row for row in map(self._pairs.get, pairwise(tokens)) if row is not None]
        rows.update(pair_rows)
        if tokens and (opening := self._openings.get(tokens[0])) is not None:
            rows.add(opening)
        previous = words(previous_user_text)
        rows.update(map(self._previous.get, previous))
        rows.discard(None)  # the previous words not in the vocabulary
        coverage = _coverage(len(tokens), known_words, len(pair_rows))
        if coverage < 1.0 and previous and len(tokens) <= SHORT_REPLY_WORDS:
            coverage = max(coverage, self._coverage_of(previous))
        return Found(cast("set[int]", rows), coverage)

    def _coverage_of(self, tokens: list[str]) -> float:
        known_words = sum(token in self._known_words for token in tokens)
        known_pairs = sum(pair in self._pairs for pair in pairwise(tokens))
        return _coverage(len(tokens), known_words, known_pairs)

    def _trigram_rows(self, word: str) -> tuple[int, ...]:
        found = map(self._trigrams.get, word_trigrams(word))
        return tuple(row for row in found if row is not None)


def _coverage(word_count: int, known_words: int, known_pairs: int) -> float:
    if not word_count:
        return 0.0
    if word_count == 1:
        return known_words
    # Pairs count with one known pair assumed, so that a two-word reply
    # ("yes pls") is not judged by its single pair alone.
    return (known_words / word_count + (known_pairs + 1) / word_count) / 2
