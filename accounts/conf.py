"""accounts' settings (core.typed_settings): ages, the handles no person may take, how long an
unused sign-in lasts, how many wrong passwords an account takes before signing in to it waits, and
for how long an address it signed in from is let in meanwhile.

Environment: `CASTFEED_ACCOUNTS_<FIELD>`, e.g. CASTFEED_ACCOUNTS_MINIMUM_AGE=16 or
CASTFEED_ACCOUNTS_RESERVED_HANDLES=admin,api,support (a comma list: replaces the default list).
"""

from __future__ import annotations

import dataclasses

from core.typed_settings import loader, require

# Handles that would read as the product or a route, never given to a person.
RESERVED_HANDLES = frozenset(
    {
        "admin",
        "administrator",
        "api",
        "castfeed",
        "support",
        "help",
        "me",
        "root",
        "staff",
        "system",
        "moderator",
        "security",
        "official",
        "null",
        "undefined",
        "settings",
        "about",
    }
)


@dataclasses.dataclass(frozen=True)
class AccountsSettings:
    # A person younger than this is a minor (stricter defaults: User.is_minor).
    adult_age: int = 18
    # Nobody younger than this may register.
    minimum_age: int = 13
    reserved_handles: frozenset[str] = RESERVED_HANDLES
    # A bearer token not used for this many days is refused and deleted: a lost phone, an old
    # browser or a leaked token stops working on its own. Use is recorded at most once a day.
    token_idle_days: int = 60
    # Wrong passwords per account, from any address, per period ("<n>/<second|minute|hour|day>"):
    # past it, signing in to that handle answers 429 until the period's window ends, whatever the
    # password. Guessing one account's password from many addresses escapes the per-address limit.
    sign_in_failures: str = "20/hour"
    # An address this account signed in from (the right password) within this many days is known:
    # past SIGN_IN_FAILURES its right password still signs in, so that whoever spends an account's
    # budget does not lock its owner out. 0: no address is known, every one waits.
    known_address_days: int = 30

    def __post_init__(self) -> None:
        require(0 < self.minimum_age <= self.adult_age, "MINIMUM_AGE must be positive and at most ADULT_AGE")
        require(self.token_idle_days > 0, "TOKEN_IDLE_DAYS must be a positive number of days")
        require(self.known_address_days >= 0, "KNOWN_ADDRESS_DAYS must be a number of days, 0 or more")
        count, _, period = self.sign_in_failures.partition("/")
        require(  # core.throttling.parse_rate reads the period's first letter
            count.isdigit() and int(count) > 0 and period[:1] in {"s", "m", "h", "d"},
            f"SIGN_IN_FAILURES {self.sign_in_failures!r} is not <n>/<second|minute|hour|day>",
        )


conf = loader("ACCOUNTS", AccountsSettings)
