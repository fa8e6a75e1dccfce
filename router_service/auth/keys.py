"""Client API keys: `sk-hr-<public id>-<secret>`.

The public id finds the key's row; the secret is checked against its SHA-256,
in constant time. The secret itself is shown once, when the key is created,
and never stored.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "sk-hr-"
PUBLIC_ID_BYTES = 6  # 12 hex characters
SECRET_BYTES = 32


@dataclass(frozen=True)
class NewKey:
    public_id: str
    secret_sha256: str
    key: str  # the whole key, for the client, shown once


@dataclass(frozen=True)
class PresentedKey:
    public_id: str
    secret: str


def generate_key() -> NewKey:
    public_id = secrets.token_hex(PUBLIC_ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return NewKey(public_id, hash_secret(secret), f"{PREFIX}{public_id}-{secret}")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_key(key: str) -> PresentedKey | None:
    """The parts of a client key, or None if `key` does not have the client-key shape."""
    if not key.startswith(PREFIX):
        return None
    public_id, separator, secret = key[len(PREFIX) :].partition("-")
    if not separator or len(public_id) != 2 * PUBLIC_ID_BYTES or not secret:
        return None
    if any(char not in "0123456789abcdef" for char in public_id):
        return None
    return PresentedKey(public_id, secret)


def secret_matches(secret: str, expected_sha256: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), expected_sha256)
