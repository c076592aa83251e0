"""Login throttling that nobody can turn against a user (moving windows, the `limits` library).

Three limits (settings ``login_rate_per_*``):

- failed logins for an account *from one address*: someone guessing at a user's password from
  elsewhere stops himself, not the user at his own address;
- every attempt from an address, whatever the account: one address' share of the password
  hashing work;
- failed logins for an account from all addresses together: a far higher cap, against guessing
  from many addresses; reaching it locks the account for a while, and the refusals are in the
  access log (outcome 429) for admins to see.

Successful logins count only against the address, so a town hall behind one address where
everybody logs in at nine is limited by ``login_rate_per_address`` alone. Every refusal says
when to try again (``retry_after``, sent as the Retry-After header).
"""

import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from limits import RateLimitItem, parse, storage, strategies

from app.core.errors import DomainError
from app.core.i18n import N_, t
from app.core.settings import get_settings


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, limit: str,
                 message: tuple[str, dict[str, Any]] | None = None) -> None:
        super().__init__(detail, retry_after=retry_after, message=message)
        self.limit = limit  # the setting whose limit was reached


@dataclass(frozen=True)
class _Limit:
    setting: str
    keys: tuple[str, ...]
    refusal: str  # the catalogue's key of the message

    @property
    def item(self) -> RateLimitItem:
        return parse(getattr(get_settings(), self.setting))


@lru_cache
def _limiter() -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(
        get_settings().rate_limit_storage))


def _limits(username: str, address: str | None) -> tuple[_Limit | None, list[_Limit]]:
    """The attempt limit of the address, and the failure limits of the account."""
    account = username.lower()
    per_address = _Limit("login_rate_per_address", ("address", address),
                         N_("detail_too_many_logins_address")) if address else None
    failures = [_Limit("login_rate_per_account", ("account", account),
                       N_("detail_too_many_logins_account"))]
    if address:
        failures.insert(0, _Limit("login_rate_per_account_and_address",
                                  ("account-address", account, address),
                                  N_("detail_too_many_logins_account_and_address")))
    return per_address, failures


def _refuse(limit: _Limit) -> TooManyRequests:
    reset_at, _ = _limiter().get_window_stats(limit.item, "login", *limit.keys)
    seconds = max(1, math.ceil(reset_at - time.time()))
    return TooManyRequests(t(limit.refusal, "en", seconds=seconds), retry_after=seconds,
                           limit=limit.setting, message=(limit.refusal, {"seconds": seconds}))


def check_login(username: str, address: str | None) -> None:
    """Count one login attempt against the address; refuse with 429 if the address, the
    account from this address or the account as a whole is over its limit."""
    limiter = _limiter()
    per_address, failures = _limits(username, address)
    if per_address is not None and not limiter.hit(per_address.item, "login", *per_address.keys):
        raise _refuse(per_address)
    for limit in failures:
        if not limiter.test(limit.item, "login", *limit.keys):
            raise _refuse(limit)


def login_failed(username: str, address: str | None) -> None:
    """Count a wrong password (or unknown user, or wrong one-time code) against the account."""
    limiter = _limiter()
    for limit in _limits(username, address)[1]:
        limiter.hit(limit.item, "login", *limit.keys)


def reset() -> None:
    """Forget all counts (tests)."""
    _limiter().storage.reset()


def storage_problem() -> str | None:
    """None if the store of the counts answers (memory always does), else one line saying which
    store is down. Asked by the readiness check."""
    url = get_settings().rate_limit_storage
    if url.startswith("memory://"):
        return None
    try:
        answers = _limiter().storage.check()
    except Exception:  # a store that cannot even be asked is down all the same
        answers = False
    if answers:
        return None
    return (f"Cannot reach the rate limit store {url}: check SOPIMUS_RATE_LIMIT_STORAGE and that "
            "Redis is running.")
