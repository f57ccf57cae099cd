"""Site check-in passwords: stored as argon2id hashes.

MirrorManager2 stored them in plain text. Rows imported from it still hold plain text;
such a password is compared in constant time once and replaced by its hash on the first
successful check-in, so the database converges to hashes without a flag day.
"""

from __future__ import annotations

import contextlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
_PREFIX = "$argon2"
# Verified against when there is no real hash to check (unknown site, plain-text password).
_DUMMY_HASH = _HASHER.hash("not a real check-in password")


def hash_site_password(password: str) -> str:
    """What the web UI (and imports) must store in ``Site.password``."""
    return _HASHER.hash(password)


def is_hashed(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(_PREFIX)


def verify_site_password(stored: str | None, offered: str) -> bool:
    """Every call costs one argon2 verification, whatever is stored (nothing, plain text
    or a hash), so answer times do not tell which site names exist."""
    if not stored or not is_hashed(stored):
        _spend_one_hash(offered)
        if not stored or not offered:
            return False
        return hmac.compare_digest(stored.encode(), offered.encode())
    if not offered:
        return False
    try:
        return _HASHER.verify(stored, offered)
    except (VerificationError, InvalidHashError):
        return False


def _spend_one_hash(offered: str) -> None:
    with contextlib.suppress(VerificationError, InvalidHashError):
        _HASHER.verify(_DUMMY_HASH, offered or "-")


def needs_rehash(stored: str) -> bool:
    return not is_hashed(stored) or _HASHER.check_needs_rehash(stored)
