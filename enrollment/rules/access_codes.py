"""Access codes: the secret issued with an MCP ID that lets its holder claim it.

Pure: no database. A code is stored only as a keyed hash (HMAC-SHA256 under the
project's secret key), so a database dump does not reveal it; attempts are limited
per MCP ID and per trainer by the claim service, which is what keeps 50 bits enough.
"""

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

# No look-alikes (0/O, 1/I/L); 10 characters are about 50 bits.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
_HASH_SALT = "enrollment.access_code"


def access_code_generate() -> str:
    """A new random access code, grouped for reading aloud: `ABCDE-FGHJK`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def access_code_normalise(value: str) -> str:
    """What a person typed, as the code it means: case, spaces and dashes do not count."""
    return "".join(ch for ch in str(value).upper() if ch.isalnum())


def access_code_hash(value: str) -> str:
    """The stored form of a code; empty input has no hash."""
    normalised = access_code_normalise(value)
    if not normalised:
        return ""
    return salted_hmac(_HASH_SALT, normalised, algorithm="sha256").hexdigest()


def access_code_matches(value: str, stored_hash: str) -> bool:
    """True when `value` is the code whose hash is `stored_hash` (constant time)."""
    if not stored_hash:
        return False
    return constant_time_compare(access_code_hash(value), stored_hash)
