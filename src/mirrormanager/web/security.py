"""Passwords, signed e-mail tokens and API tokens.

Local passwords are argon2id hashes (argon2-cffi defaults). E-mail confirmation and reset
links are itsdangerous signatures that expire; a reset link also carries a fingerprint of
the current password hash, so it stops working once used. API tokens are random strings
shown once; only their SHA-256 is stored (they are long and random, so a slow hash adds
nothing).
"""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from mirrormanager.manage.tokens import API_TOKEN_PREFIX, hash_api_token, new_api_token

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, offered: str) -> bool:
    if not stored or not offered:
        return False
    try:
        return _HASHER.verify(stored, offered)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 1024:
        return "Use at most 1024 characters."
    return None


def password_fingerprint(password_hash: str | None) -> str:
    """Short digest of the stored hash: changes whenever the password changes."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


class EmailTokens:
    """Signed, expiring tokens for e-mailed links (purpose-bound by salt)."""

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self._secret = secret_key
        self.max_age = max_age_seconds

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"mirrormanager-{purpose}")

    def make(self, purpose: str, payload: dict[str, object]) -> str:
        return self._serializer(purpose).dumps(payload)

    def load(self, purpose: str, token: str) -> dict[str, object] | None:
        try:
            data = self._serializer(purpose).loads(token, max_age=self.max_age)
        except BadSignature:  # SignatureExpired is a BadSignature
            return None
        return data if isinstance(data, dict) else None


__all__ = ["API_TOKEN_PREFIX", "hash_api_token", "new_api_token"]
