"""Login attempts limited per account and per address (moving window, the `limits` library)."""

from functools import lru_cache

from limits import parse, storage, strategies

from app.core.errors import DomainError
from app.core.settings import get_settings


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"


@lru_cache
def _limiter() -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(
        get_settings().rate_limit_storage))


def check_login(username: str, address: str | None) -> None:
    """Count one login attempt; refuse with 429 once the account or the address is over."""
    settings = get_settings()
    limiter = _limiter()
    checks = [(parse(settings.login_rate_per_account), "account", username.lower())]
    if address:
        checks.append((parse(settings.login_rate_per_address), "address", address))
    for limit, kind, key in checks:
        if not limiter.hit(limit, "login", kind, key):
            raise TooManyRequests(
                f"Too many login attempts for this {kind}; wait a minute and try again",
                retry_after=60,
            )


def reset() -> None:
    """Forget all counts (tests)."""
    _limiter().storage.reset()
