"""Site check-in passwords: stored as argon2id hashes.

MirrorManager2 stored them in plain text. Rows imported from it still hold plain text;
such a password is compared in constant time once and replaced by its hash on the first
successful check-in, so the database converges to hashes without a flag day.
"""

from __future__ import annotations

import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
_PREFIX = "$argon2"


def hash_site_password(password: str) -> str:
    """What the web UI (and imports) must store in ``Site.password``."""
    return _HASHER.hash(password)


def is_hashed(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(_PREFIX)


def verify_site_password(stored: str | None, offered: str) -> bool:
    if not stored or not offered:
        return False
    if not is_hashed(stored):
        return hmac.compare_digest(stored.encode(), offered.encode())
    try:
        return _HASHER.verify(stored, offered)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return not is_hashed(stored) or _HASHER.check_needs_rehash(stored)
