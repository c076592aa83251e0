"""Password hashing (argon2id) and the password policy."""

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from app.core.errors import InvalidInput
from app.core.settings import get_settings

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length: nothing is truncated
MIN_SCORE = 3  # zxcvbn 0–4; common, guessable passwords score below this


@lru_cache
def _hasher() -> PasswordHasher:
    """argon2id (settings: 64 MiB, 3 passes by default, above OWASP's minimum)."""
    settings = get_settings()
    return PasswordHasher(time_cost=settings.argon2_time_cost,
                          memory_cost=settings.argon2_memory_kib)


@lru_cache
def _dummy_hash() -> str:
    # Verifying against this keeps a login for an unknown user as slow as for a known one.
    return _hasher().hash("sopimus-timing-equaliser")


def check_policy(password: str, username: str = "") -> None:
    """Refuse short, overlong and common or guessable passwords (zxcvbn's dictionaries)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(f"A password must have {MIN_LENGTH} to {MAX_LENGTH} characters",
                           field="password")
    # zxcvbn estimates at most 72 characters; a longer password is hashed whole all the same.
    result = zxcvbn(password[:72], user_inputs=[username, "sopimus"])
    if result["score"] < MIN_SCORE:
        advice = result["feedback"].get("warning") or "it is too common or easy to guess"
        raise InvalidInput(f"Choose a stronger password: {advice}".rstrip(".") + ".",
                           field="password")


def hash_password(password: str, username: str = "") -> str:
    check_policy(password, username)
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
