"""Personal data taken out of stored text: keys, e-mail addresses, card and phone numbers.

Stored request text is for retraining and for reading a decision back; the
shape of a message matters there, not the customer's address or card. A
redacted span becomes a placeholder that keeps the sentence readable.
"""

import hashlib
import re

KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{8,}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 13 to 19 digits, maybe grouped by spaces or dashes; kept only if Luhn-valid.
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# 7 to 15 digits with the usual separators, maybe a leading +: phone numbers.
PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{5,}\d(?![\w.])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def redact(text: str) -> str:
    text = KEY.sub("[key]", text)
    text = EMAIL.sub("[email]", text)
    text = CARD.sub(_card, text)
    return PHONE.sub(_phone, text)


def conversation_key(raw_id: str) -> str:
    """What the log keeps of a conversation id (often an e-mail address): a hash,
    which still links a conversation's turns."""
    digest = hashlib.sha256(raw_id.strip().encode("utf-8")).hexdigest()
    return f"conv-{digest[:32]}"


def _card(match: re.Match[str]) -> str:
    digits = [int(char) for char in match.group() if char.isdigit()]
    return "[card]" if _luhn_valid(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(char.isdigit() for char in found)
    if not 7 <= digits <= 15 or ISO_DATE.fullmatch(found.strip()):
        return found
    return "[phone]"


def _luhn_valid(digits: list[int]) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
