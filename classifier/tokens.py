"""Cheap, deterministic token estimates: one for routing, one for sizing a context.

Real tokenisers differ by model. Routing only needs a stable estimate, so
four characters per token (rounded up) is used for features and rules.
Sizing the local model's context must never undercount, or Ollama silently
drops the start of the prompt; llama3's tokeniser spends a token on about
four bytes of English but on fewer bytes of Cyrillic, digits and code, so
the sizing estimate counts a token per three UTF-8 bytes.
"""

import math

CHARS_PER_TOKEN = 4
UTF8_BYTES_PER_TOKEN_AT_MOST = 3


def estimate_tokens(text: str) -> int:
    """Tokens in `text`, rounded up; 0 for an empty string."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def tokens_upper_bound(text: str) -> int:
    """At least as many tokens as `text` has for llama3's tokeniser."""
    return math.ceil(len(text.encode("utf-8")) / UTF8_BYTES_PER_TOKEN_AT_MOST)
