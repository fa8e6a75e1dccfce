"""The text terms the learned model reads: word and character n-grams.

This function defines the terms. Training gives it to scikit-learn's
vectoriser as the analyser; at request time `classifier.term_index` finds the
same terms' vocabulary rows without building the strings. Terms come from the
user's last message and, with a `p:` prefix, the words of the previous user
message: a follow-up such as "and on Sunday?" is judged with what it follows.
The model reads which terms occur, not how often (binary features).
"""

import re
from itertools import pairwise

from classifier.features import RequestFeatures

# Long messages are RAG or pasted documents; their size is a numeric feature,
# and n-grams of the first part are enough to tell what is being asked.
MAX_CHARS = 600
WORD = re.compile(r"\w+")
# Digits read as 0: "table for 4" and "table for 6" are the same request, and
# a phone number is a familiar shape, not an unknown word.
DIGITS_AS_ZERO = str.maketrans("123456789", "000000000")

# Term kinds, the prefix of every term string.
WORD_TERM = "w:"  # a word of the last user message
PAIR_TERM = "b:"  # two consecutive words, joined by a space
TRIGRAM_TERM = "c:"  # three characters of one word, padded with a space each side
OPENING_TERM = "f:"  # the message's first word: "make", "list" and "how" open tasks
PREVIOUS_TERM = "p:"  # a word of the previous user message


def words(text: str) -> list[str]:
    return WORD.findall(text[:MAX_CHARS].lower().translate(DIGITS_AS_ZERO))


def word_trigrams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[index : index + 3] for index in range(len(padded) - 2)]


def text_terms(features: RequestFeatures) -> list[str]:
    """Every term of the request, as `<kind prefix><text>` strings."""
    tokens = words(features.last_user_text)
    terms = [WORD_TERM + token for token in tokens]
    terms += [f"{PAIR_TERM}{first} {second}" for first, second in pairwise(tokens)]
    for token in tokens:
        terms += [TRIGRAM_TERM + trigram for trigram in word_trigrams(token)]
    terms += [OPENING_TERM + token for token in tokens[:1]]
    terms += [PREVIOUS_TERM + token for token in words(features.previous_user_text)]
    return terms
