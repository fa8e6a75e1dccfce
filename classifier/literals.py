"""Literal strings a regular expression cannot match without.

A rule's regex runs only if one of its required literals occurs in the text:
Python's substring test is far cheaper than a scan by a regex alternation,
and most messages fire no rule. Extraction is conservative: any construct it
does not understand gives None (no prefilter), never a wrong literal.
"""

from collections.abc import Iterator

QUANTIFIERS = "?*+{"
LITERAL_EXTRAS = " '-’"
MIN_LITERAL = 2


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(index, char, depth before it) of each unescaped char outside a [...] class."""
    depth = 0
    in_class = False
    escaped = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield index, char, depth
            depth += {"(": 1, ")": -1}.get(char, 0)


def split_top_level(pattern: str) -> list[str]:
    """The alternatives of `pattern` at nesting depth zero."""
    cuts = [index for index, char, depth in _structure(pattern) if char == "|" and depth == 0]
    bounds = zip([-1, *cuts], [*cuts, len(pattern)], strict=True)
    return [pattern[start + 1 : stop] for start, stop in bounds]


def required_literals(pattern: str) -> list[str] | None:
    """Literals one of which every match of `pattern` contains, or None if unknown."""
    found: list[str] = []
    for alternative in split_top_level(pattern):
        literals = _alternative_literals(alternative)
        if literals is None:
            return None
        found += literals
    return found


def _alternative_literals(alternative: str) -> list[str] | None:
    rest = alternative
    while rest.startswith(("\\b", "^")):
        rest = rest[2:] if rest.startswith("\\b") else rest[1:]
    if rest.startswith("(") and not rest.startswith("(?"):
        end = _closing_paren(rest)
        if end is None or rest[end + 1 : end + 2] in tuple(QUANTIFIERS):
            return None  # an optional or repeated group guarantees nothing
        branches = split_top_level(rest[1:end])
        literals = [_literal_prefix(branch) for branch in branches]
        return literals if all(len(literal) >= MIN_LITERAL for literal in literals) else None
    literal = _literal_prefix(rest)
    return [literal] if len(literal) >= MIN_LITERAL else None


def _closing_paren(text: str) -> int | None:
    """Index of the `)` that closes the `(` at the start of `text`."""
    return next(
        (index for index, char, depth in _structure(text) if char == ")" and depth == 1), None
    )


def _literal_prefix(text: str) -> str:
    """The leading run of plain characters that any match must contain."""
    run = []
    for index, char in enumerate(text):
        if not (char.isalnum() or char in LITERAL_EXTRAS):
            break
        following = text[index + 1 : index + 2]
        if following and following in QUANTIFIERS:
            break  # this character is optional or repeated
        run.append(char)
    return "".join(run)
