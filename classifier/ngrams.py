"""The text terms the learned model reads: word and character n-grams.

Training (scikit-learn's vectoriser with this function as its analyser) and
request-time scoring use this one function, so the vocabulary means exactly
the same thing in both. Terms come from the user's last message and, with a
`p:` prefix, the words of the previous user message: a follow-up such as
"and on Sunday?" is judged with what it follows.
"""

import re
from itertools import pairwise

from classifier.features import RequestFeatures

# Long messages are RAG or pasted documents; their size is a numeric feature,
# and n-grams of the first part are enough to tell what is being asked.
MAX_CHARS = 600
WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return WORD.findall(text[:MAX_CHARS].lower())


def text_terms(features: RequestFeatures) -> list[str]:
    """Word unigrams and bigrams, in-word character trigrams, previous-turn words."""
    tokens = words(features.last_user_text)
    terms = [f"w:{token}" for token in tokens]
    terms += [f"b:{first} {second}" for first, second in pairwise(tokens)]
    for token in tokens:
        padded = f" {token} "
        terms += [f"c:{padded[i : i + 3]}" for i in range(len(padded) - 2)]
    terms += [f"p:{token}" for token in words(features.previous_user_text)]
    return terms
