"""Writes for accounts: registration, tokens, profile changes, the social graph, erasure."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import ipaddress
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.conf import conf
from accounts.models import (
    AuthToken,
    Block,
    Follow,
    Notification,
    User,
    age_on,
    normalize_handle,
    token_digest,
)
from accounts.selectors import (
    blocks_of,
    followers_of,
    following_of,
    notifications_named_now,
    notifications_of,
    relation_between,
)
from accounts.signals import (
    account_appearances_deleting,
    account_deactivated,
    account_erasing,
    account_erasure_naming,
    account_exporting,
    account_reactivated,
    became_approval_only,
    became_minor,
    handle_choosing,
    mutual_follow_ended,
    people_holding,
    user_blocked,
)
from core.exceptions import ApplicationError, Conflict, InvalidInput, NotFound, TooManyRequests
from core.presenters import timestamp
from core.text import canonical, skeleton
from core.throttling import (
    clock,
    forget,
    hit_window,
    hit_window_forget,
    hit_window_taken_back,
    parse_rate,
    remember,
    remembered,
)


class InvalidCredentials(ApplicationError):
    code = "invalid_credentials"
    default_detail = "That handle and password do not match."


class HandleFormat(RegexValidator):
    """What a pattern can say of a handle being chosen: 3–30 of a-z 0-9 _ . in either case (it is
    stored lower-cased), not ending in a dot. "@sam." at the end of a sentence reads as @sam: a handle
    ending in a dot is one that people mean to mention and do not. moderation.consent still resolves
    the ones taken before ("@sam." is `sam.` where that account exists), so that no such person goes
    unasked for consent. A RegexValidator, so that the API's field that carries it states the pattern
    in the OpenAPI document (drf-spectacular reads it); the message says which rule failed."""

    regex = r"^[A-Za-z0-9_.]{2,29}[A-Za-z0-9_]\Z"
    message = "Use 3–30 characters: letters, digits, _ and ."

    def __call__(self, value: Any) -> None:
        if re.fullmatch(r"[A-Za-z0-9_.]{3,30}", str(value)) and str(value).endswith("."):
            raise DjangoValidationError("A handle cannot end with a dot.", code=self.code)
        super().__call__(value)


def check_handle(handle: str) -> str:
    """The normalised handle, or InvalidInput naming what is wrong with it."""
    value = normalize_handle(handle)
    try:
        HandleFormat()(value)
    except DjangoValidationError as exc:
        raise InvalidInput({"handle": exc.messages}) from exc
    if value in conf().reserved_handles:
        raise InvalidInput({"handle": ["This handle is reserved."]})
    handle_choosing.send(sender=User, handle=value)
    return value


# Explicit embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): "\u202eevil" shows
# as "live", and an unpaired one reorders the text around a name wherever it is shown. The marks (LRM,
# RLM, ALM) stay: they only place neutral characters in mixed-direction names and reverse nothing.
_BIDI_CONTROLS = frozenset({"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"})


def check_display_name(display_name: str) -> str:
    """The display name as stored: without surrounding whitespace, empty for none. InvalidInput for
    one that shows nothing (only format characters, zero-width or default-ignorable ones, fillers and
    spaces: a blank that passes for a name), that holds a control character (C0, DEL, C1: a line
    break, a tab, an escape) or a line or paragraph separator, or a bidi control (a name shown
    reversed)."""
    value = display_name.strip()
    if not value:
        return ""
    # The prompts' one notion of invisible (core.text), and the braille blank, a cell with no dots
    # that every screen draws as a space (in a prompt it is harmless).
    if not canonical(value, strict=False).replace("\u2800", "").strip():
        message = "Use at least one visible character, or leave the display name empty."
        raise InvalidInput({"display_name": [message]}, detail=message)
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        # A line break (a control, or U+2028 and U+2029) or a tab breaks every list the name is shown
        # in; an escape (ESC, CSI) colours the terminal or log that prints it.
        message = "Remove the line breaks, tabs and other control characters: a name is one line of text."
        raise InvalidInput({"display_name": [message]}, detail=message)
    if any(unicodedata.bidirectional(c) in _BIDI_CONTROLS for c in value):
        message = "Remove the characters that change the direction of text: they can make a name read as another."
        raise InvalidInput({"display_name": [message]}, detail=message)
    return value


# What a pattern over the ISO date can say of a real birthdate (1900 or later), for the API's field
# that states it in the OpenAPI document; check_birthdate's other rules move with the day.
REAL_BIRTHDATE = "Enter your real date of birth."
BIRTHDATE_YEAR = RegexValidator(r"^(19|[2-9]\d)\d\d-", REAL_BIRTHDATE)


def check_birthdate(birthdate: dt.date) -> dt.date:
    today = timezone.localdate()
    if birthdate > today or birthdate.year < 1900:
        raise InvalidInput({"birthdate": [REAL_BIRTHDATE]})
    minimum = conf().minimum_age
    if age_on(birthdate, today) < minimum:
        raise InvalidInput({"birthdate": [f"You must be at least {minimum} to join."]})
    return birthdate


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise InvalidInput({"password": list(exc.messages)}) from exc


@transaction.atomic
def user_register(
    *,
    handle: str,
    password: str,
    display_name: str = "",
    birthdate: dt.date | None = None,
    address: str | None = None,
) -> User:
    """A new account, its password chosen from `address` (the caller's), which is thus one it is known
    to sign in from (_password_guessed)."""
    handle = check_handle(handle)
    if birthdate is not None:
        check_birthdate(birthdate)
    user = User(handle=handle, display_name=check_display_name(display_name), birthdate=birthdate)
    _check_password(password, user)
    user.set_password(password)
    check_handle_free(handle)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # two registrations of the same (or a look-alike) handle at once
        raise _handle_unavailable(handle) from exc
    _address_known_now(_known_address(user, handle, address))
    return user


def check_handle_free(handle: str, *, exclude: int | None = None) -> None:
    """Conflict (handle_taken) if anyone but `exclude` (the account changing its handle) has this
    handle, or one so like it that others would mistake one for the other."""
    others = User.objects.filter(Q(handle=handle) | Q(handle_skeleton=skeleton(handle)))
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise _handle_unavailable(handle)


def _handle_unavailable(handle: str) -> Conflict:
    """Taken, or so like a taken handle ("rnike" for "mike") that others would mistake one for the other."""
    message = (
        "This handle is taken."
        if User.objects.filter(handle=handle).exists()
        else "This handle is too similar to an existing one."
    )
    return Conflict(message, code="handle_taken", fields={"handle": [message]})


@transaction.atomic
def token_issue(*, user: User) -> str:
    """A new bearer token for `user`; only its digest is stored, so it is shown once. The person is
    held first (people_keep), as the token's row holds them: their erasure on another device at the
    same time commits first, and this is InvalidCredentials (signing in to no one: the answer of a
    handle nobody has), or waits and deletes the token with the rest. Unheld, the token's row named
    an account the erasure deleted meanwhile and failed its foreign key at commit (a 500). Support's
    deactivation holds them too (people_hold) and revokes every token, so the hold is one that waits
    for it (FOR SHARE, people_keep's `against_blocks`), and the account is read again once held: one
    deactivated meanwhile is InvalidCredentials as well (the answer of signing in to one). Held so that
    it did not wait (FOR KEY SHARE), the token could be stored after the deactivation had revoked them
    all, and worked again when the account was opened, which asks its owner to sign in again."""
    held = people_keep([user.pk], against_blocks=True)
    if user.pk not in held or not User.objects.filter(pk=user.pk, is_active=True).exists():
        raise InvalidCredentials
    token = f"cf_{secrets.token_urlsafe(32)}"
    AuthToken.objects.create(user=user, digest=token_digest(token))
    return token


def token_sign_in(*, handle: str, password: str, address: str | None = None) -> tuple[User, str]:
    """A new token for the right handle and password, within the handle's budget of wrong passwords
    (_password_guessed). `address`: the caller's (core.throttling.client_address), None if unknown."""
    user = User.objects.filter(handle=normalize_handle(handle), is_active=True).first()
    with _password_guessed(handle, user=user, address=address):
        if user is None or not user.check_password(password):
            if user is None:
                User().set_password(password)  # same work either way: no timing oracle for handles
            raise InvalidCredentials
    try:
        return user, token_issue(user=user)
    except InvalidCredentials:
        if not User.objects.filter(pk=user.pk).exists():  # erased meanwhile: its address goes too
            forget(_known_addresses(str(user.pk)))
        raise


@contextlib.contextmanager
def _password_guessed(handle: str, *, user: User | None, address: str | None) -> Iterator[None]:
    """A password checked for `handle` inside: refused with a 429 past the handle's budget of wrong
    passwords, from any address (accounts' SIGN_IN_FAILURES; a handle nobody has is counted alike), and
    a wrong one (the block raises) counted, so that an account's password cannot be guessed from many
    addresses at once. Its holder's signed-in devices keep working. Outside any transaction: a count
    kept in the database would roll back with it. Each password is counted before it is checked and
    taken back once right, so that attempts at the same moment see each other: together they check
    no more wrong passwords than the budget.

    Past the budget, a known `address` (one the right password came from lately: _known_address) is
    still checked, within a budget of its own as large: whoever spends an account's budget from
    elsewhere does not lock its owner out, and one who shares the owner's address (a carrier's NAT)
    guesses no faster than the budget. Its wrong passwords count against the account's budget too.
    `user`: the account with this handle, None for a handle nobody has."""
    handle = normalize_handle(handle)
    limit, period = parse_rate(conf().sign_in_failures)
    now = clock()
    counted = [_failures_of(handle)]
    within, left = hit_window(counted[0], limit, period, now=now)
    known = _known_address(user, handle, address) if conf().known_address_days else None
    if not within:
        # Looked up for any handle, taken or free, so that the answer and its time say nothing of it.
        if known is not None and remembered(*known):
            counted.append("signin:failures:" + known[1])
            within, left = hit_window(counted[-1], limit, period, now=now)
        if not within:
            _taken_back(counted, period, now)  # no password checked
            raise TooManyRequests(
                "Too many wrong passwords for this account.", retry_after=int(left) + 1, code="throttled"
            )
    try:
        yield
    except (InvalidCredentials, InvalidInput):
        raise
    except BaseException:  # not a password found wrong (an error): not counted
        _taken_back(counted, period, now)
        raise
    _taken_back(counted, period, now)  # the right password
    if user is not None:  # as its password is stored now (check_password may have stored it anew)
        _address_known_now(_known_address(user, handle, address))


def _failures_of(handle: str) -> str:
    """The counter of a handle's wrong passwords (hit_window), whoever has the handle, if anyone."""
    return "signin:failures:" + hashlib.sha256(handle.encode()).hexdigest()[:32]


def _address_known_now(known: tuple[str, str] | None) -> None:
    """The right password came from this address (_known_address): known for KNOWN_ADDRESS_DAYS more."""
    days = conf().known_address_days
    if known is not None and days:  # none known (0): none remembered either
        remember(*known, ttl=days * 86400)


def _known_addresses(account: str) -> str:
    """The group an account's known addresses are remembered in (core.throttling.remember), one per
    account (`account`: its id), so that a new password or the erasure forgets them all at once."""
    return "signin:known:" + salted_hmac("accounts.known_addresses", account, algorithm="sha256").hexdigest()


def _taken_back(keys: list[str], period: int, now: float) -> None:
    for key in keys:
        hit_window_taken_back(key, period, now=now)


def _known_address(user: User | None, handle: str, address: str | None) -> tuple[str, str] | None:
    """The name `address` is remembered by for the account once the right password came from it: a
    keyed hash (the secret key's) of the address and of the account as it is now, its id and its
    stored password, so that what is stored names neither, a new password forgets every address the
    old one came from (a thief's among them), and whoever takes an erased account's handle next
    inherits none of them. `handle` stands for a `user` nobody is (None): never remembered. An IPv6
    address is taken by its /64, the network one home or phone has (its last half changes every day
    or so). With its group (_known_addresses); None for no address (or one that is none: a unix
    socket's)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        network = ip.ipv4_mapped or ipaddress.ip_network(f"{ip}/64", strict=False)
    else:
        network = ip
    account = f"{user.pk}\n{user.password}" if user is not None else f"nobody\n{handle}"
    known = salted_hmac("accounts.known_address", f"{account}\n{network}", algorithm="sha256").hexdigest()
    return _known_addresses(str(user.pk) if user is not None else f"nobody\n{handle}"), known


def token_revoke(*, token: AuthToken) -> None:
    token.delete()


class TokenExpired(Exception):
    """The token was not used for `token_idle_days`: it is deleted, and its holder signs in again."""


def token_in_use(*, token: AuthToken) -> None:
    """A request comes with `token` (accounts.authentication): refused and deleted when it was not
    used for `token_idle_days`, else its use recorded, at most once a day (one small UPDATE a day per
    token, none on the other requests)."""
    now = timezone.now()
    if now - token.last_used_at > dt.timedelta(days=conf().token_idle_days):
        token_revoke(token=token)
        raise TokenExpired
    if now - token.last_used_at > _TOKEN_USE_RESOLUTION:
        AuthToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


_TOKEN_USE_RESOLUTION = dt.timedelta(days=1)


def tokens_purge_idle() -> int:
    """Delete the tokens nobody used for `token_idle_days` (beat: daily); those still held are refused
    on their next use anyway. How many were deleted."""
    cutoff = timezone.now() - dt.timedelta(days=conf().token_idle_days)
    deleted, _ = AuthToken.objects.filter(last_used_at__lt=cutoff).delete()
    return deleted


def tokens_revoke_all(*, user: User, keep: AuthToken | None = None) -> None:
    """Sign `user` out everywhere (a new password), but on `keep`'s device (the one that changed it)."""
    tokens = AuthToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    tokens.delete()


def user_update(
    *,
    user: User,
    display_name: str | None = None,
    birthdate: dt.date | None = None,
    password: str | None = None,
    current_password: str | None = None,
    keep_token: AuthToken | None = None,
    address: str | None = None,
) -> User:
    """Change the profile. A new password needs the current one, checked first within the account's
    budget of wrong passwords as signing in from `address` is (the caller's): a token is no way
    around it, as a stolen one is what the budget holds back here; a known address is, as it is for
    signing in. It signs every device out but `keep_token`'s (the one that asked for the change), and
    forgets every known address but `address` (_known_address)."""
    if password is not None:
        wrong = InvalidInput({"current_password": ["Enter your current password to set a new one."]})
        if not current_password:  # none given: no password guessed, nothing counted
            raise wrong
        with _password_guessed(user.handle, user=user, address=address):
            if not user.check_password(current_password):
                raise wrong
    user = _user_update_held(
        user=user, display_name=display_name, birthdate=birthdate, password=password, keep_token=keep_token
    )
    if password is not None:  # the new password came from here: known, as every other address is forgotten
        forget(_known_addresses(str(user.pk)))
        _address_known_now(_known_address(user, user.handle, address))
    return user


@transaction.atomic
def _user_update_held(
    *,
    user: User,
    display_name: str | None,
    birthdate: dt.date | None,
    password: str | None,
    keep_token: AuthToken | None,
) -> User:
    """user_update's writes. The account row is held first, as an erasure holds it: the person's erasure
    on another device at the same time commits first (this is a 404) or waits. Unheld, the change
    found no row to update once the erasure had committed (a 500), and a new password's sign-outs,
    deleting the tokens before the row, deadlocked with it (it deletes the tokens after the row)."""
    if not User.objects.select_for_update(no_key=True).filter(pk=user.pk).exists():
        raise NotFound("Your account no longer exists.")
    fields: list[str] = []
    if display_name is not None:
        user.display_name = check_display_name(display_name)
        fields.append("display_name")
    if birthdate is not None and birthdate != user.birthdate:
        if user.birthdate is not None:
            # Age gates consent rules for minors: a birthdate, once given, is changed by support only.
            raise InvalidInput({"birthdate": ["Your date of birth is already set; contact support to change it."]})
        user.birthdate = check_birthdate(birthdate)
        fields.append("birthdate")
    if password is not None:
        _check_password(password, user)
        user.set_password(password)
        fields.append("password")
        tokens_revoke_all(user=user, keep=keep_token)
    if fields:
        user.save(update_fields=fields)
    return user


@transaction.atomic
def people_approval_only_set(*, user_ids: Iterable[int], approval_only: bool, by_id: int | None = None) -> list[int]:
    """Support sets (or clears) `approval_only` on these people: only people they approve one by one
    may show them (cameos.selectors.may_use). The people are held first, as a deactivation holds
    them (people_hold). Those it newly restricts are announced (became_approval_only), so that their
    cameo closes to everyone and the consent cascade stops what anyone they did not approve was making
    with them. The ids of those it changed."""
    held = people_hold(user_ids=user_ids)
    changed = list(User.objects.filter(pk__in=held).exclude(approval_only=approval_only).order_by("pk"))
    if not changed:
        return []
    User.objects.filter(pk__in=[u.pk for u in changed]).update(approval_only=approval_only)
    for user in changed:
        user.approval_only = approval_only
    if approval_only:
        became_approval_only.send(sender=User, users=changed, by_id=by_id)
    return [u.pk for u in changed]


@transaction.atomic
def user_birthdate_correct(*, user: User, birthdate: dt.date | None, by: User | None = None) -> User:
    """Support (`by`, the staff member) corrects a date of birth (a person cannot change theirs once
    set: user_update), or clears it. If that makes them a minor (DESIGN.md §5), became_minor lets the
    consent cascade stop what people they did not approve one by one were making with them, before the
    row is saved."""
    if birthdate is not None:
        birthdate = check_birthdate(birthdate)
    stored = User.objects.filter(pk=user.pk).values_list("birthdate", flat=True).first()
    was_minor = User(birthdate=stored).is_minor
    user.birthdate = birthdate
    if user.is_minor and not was_minor:
        became_minor.send(sender=User, user=user, by_id=by.pk if by else None)
    user.save(update_fields=["birthdate"])
    return user


@transaction.atomic
def user_active_set(*, user: User, active: bool, by: User | None = None) -> User:
    """Support (`by`, the staff member) deactivates an account (or opens it again). A deactivated
    person cannot sign in, is found by no search, profile or handle, may be shown by no one, and
    nothing they published is shown to anyone: account_deactivated lets the consent cascade stop what
    others were making with them, and the feed hide their published videos. Every token goes:
    opening it again asks its owner to sign in, and one someone else held stays dead. Opening it
    again (account_reactivated) publishes exactly those videos again, and gives back what their
    cameo's settings allow. The person is held first, as an erasure holds them (people_hold): the
    feed then locks their videos, after their account row, in the order an erasure takes them."""
    people_hold(user_ids=[user.pk])
    was_active = User.objects.filter(pk=user.pk).values_list("is_active", flat=True).first()
    user.is_active = active
    by_id = by.pk if by else None
    if was_active and not active:
        account_deactivated.send(sender=User, user=user, by_id=by_id)
        tokens_revoke_all(user=user)
    elif active and was_active is False:
        account_reactivated.send(sender=User, user=user, by_id=by_id)
    user.save(update_fields=["is_active"])
    return user


def people_hold(
    *,
    user_ids: Iterable[int],
    deleting_videos_of: tuple[int, int] | None = None,
    videos: Iterable[int] = (),
    only_videos: bool = False,
) -> set[int]:
    """Lock these people for the rest of the transaction, in the one order every taker of consent and
    every erasure follows (accounts.signals.people_holding): what each app holds of them, then their
    account rows (FOR NO KEY UPDATE, in id order). `deleting_videos_of` (person, author): the
    transaction will delete the videos by that author that show that person, and the apps hold what
    points at them too, with the rest. `videos`: the transaction will lock these videos next (to add
    one of the people to them, or to delete them), and the apps hold what points at them with the
    rest, the same way. `only_videos`: the transaction writes nothing else of the people's but rows
    naming them (a notification), so the apps hold what points at `videos` and not the rest of what
    is theirs (generation: not every job of theirs). Which of them still exist."""
    ids = sorted({int(i) for i in user_ids})
    people_holding.send(
        sender=User,
        user_ids=ids,
        deleting_videos_of=deleting_videos_of,
        videos=sorted({int(v) for v in videos}),
        only_videos=only_videos,
    )
    return set(
        User.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
    )


class PeopleBusy(Exception):
    """Someone people_keep(nowait=True) would hold is being erased right now: their erasure holds
    their account row."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(ids)
        self.ids = ids


def people_keep(user_ids: Iterable[int], *, nowait: bool = False, against_blocks: bool = False) -> set[int]:
    """Which of these people still exist, each held until the transaction ends as a row naming them
    holds them (FOR KEY SHARE on PostgreSQL, in id order, as a foreign key to them would take): it
    holds up nothing but their erasure, which locks their account row FOR UPDATE and so waits for
    what is being written of them, then finds it. For a record naming people (a generation job), and
    for what a person does to a shared row that their erasure changes too (a like, a comment or a view
    changes a video's counts): held first, their erasure waits for it or is waited for; else the row
    naming them checked their account at commit, after the video, while the erasure held the account
    and waited for the video (a deadlock). On SQLite the write lock serialises them. `nowait`:
    PeopleBusy, rather than wait, when an erasure of one of them holds their row. `against_blocks`:
    FOR SHARE instead, which people_hold's lock (a block, a follow) waits for and is waited for by,
    so that what is written next of them is ordered wholly before or after a block made between
    them and someone else: a like or a comment, which must see a block committed before it."""
    return set(people_keep_active(user_ids, nowait=nowait, against_blocks=against_blocks))


def people_keep_active(
    user_ids: Iterable[int], *, nowait: bool = False, against_blocks: bool = False
) -> dict[int, bool]:
    """people_keep, telling of each person still there whether their account is active, read in the
    statement that holds their row. With `against_blocks` (FOR SHARE) it stays so until the transaction
    ends: a deactivation or a reactivation, which changes the row, committed before it (and is read)
    or waits for it; FOR KEY SHARE holds up neither."""
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return {}
    if connection.vendor != "postgresql":
        return dict(User.objects.filter(pk__in=ids).values_list("pk", "is_active"))
    with connection.cursor() as cursor:
        try:
            cursor.execute(
                f"SELECT id, is_active FROM {User._meta.db_table} WHERE id = ANY(%s) ORDER BY id"  # noqa: S608
                + (" FOR SHARE" if against_blocks else " FOR KEY SHARE")
                + (" NOWAIT" if nowait else ""),
                [ids],
            )
        except OperationalError as exc:
            if nowait and getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
                raise PeopleBusy(ids) from exc
            raise
        return dict(cursor.fetchall())


def _erasure_hold(user_id: int, *, others: set[int]) -> User | None:
    """The erased person's account row (FOR UPDATE) and the others' (people_keep: what a row naming them
    takes), all in one id order (accounts.signals.account_erasure_naming): another person's erasure
    waits for this one, or this one for it, before either holds any like or video. (A like of theirs
    committed after the receivers read and before this hold is not among them: checked at commit, as
    before.) The person's row, or None once erased."""
    people_keep(pk for pk in others if pk < user_id)  # one statement each side, whatever their number
    locked = User.objects.select_for_update().filter(pk=user_id).first()
    people_keep(pk for pk in others if pk > user_id)
    return locked


@transaction.atomic
def account_erase(*, user: User, delete_appearances: bool = False) -> None:
    """Erase the person and everything that is theirs. Apps that keep data of a person connect to
    `account_erasing` (accounts.signals); their rows and files go in this same transaction (files
    after it commits). Rows with a foreign key to the user cascade. With delete_appearances, every
    video that shows them (others' too) is deleted as well."""
    people_holding.send(sender=User, user_ids=[user.pk], erasing=True)
    naming = account_erasure_naming.send(sender=User, user=user, delete_appearances=delete_appearances)
    locked = _erasure_hold(user.pk, others={int(i) for _, ids in naming for i in ids or ()})
    if locked is None:
        return  # already erased
    # Their follows, both ways, go first: each changes the stored follower count of the one followed (a
    # trigger, FollowerCount), which a block or an unfollow between two others changes too, before their
    # videos' counts (follows end before user_blocked). Left to the account row's cascade, last, after
    # the apps had held videos, the erasure of someone who followed the blocked waited for that count's
    # row, which the block held while it waited for a video the erasure held (a deadlock).
    Follow.objects.filter(Q(follower_id=locked.pk) | Q(followee_id=locked.pk)).delete()
    if delete_appearances:
        account_appearances_deleting.send(sender=User, user=locked)
    account_erasing.send(sender=User, user=locked)
    # What told others about them goes too: their handle may be someone else's tomorrow. Held with their
    # own (which go with the account row), all in one id order, before any goes: two people erased at
    # once each deleted the other's notifications about them, then waited for their own about the
    # other, which the other erasure had deleted (on PostgreSQL a deadlock, one erasure failed). The
    # apps' erasures leave the notifications naming the person to this (cameos: the authors' questions
    # about their possible matches).
    theirs = Notification.objects.filter(Q(about_id=locked.pk) | Q(user_id=locked.pk))
    list(theirs.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    Notification.objects.filter(about_id=locked.pk).delete()
    # The addresses they signed in from; again once this commits: one a sign-in remembered meanwhile.
    known = _known_addresses(str(locked.pk))
    forget(known)
    transaction.on_commit(lambda: forget(known))
    # And the wrong passwords counted against their handle: whoever takes it next starts with none.
    failures, period = _failures_of(locked.handle), parse_rate(conf().sign_in_failures)[1]
    hit_window_forget(failures, period)
    transaction.on_commit(lambda: hit_window_forget(failures, period))
    locked.delete()


@transaction.atomic
def follow_create(*, follower: User, followee: User) -> None:
    """Idempotent: following someone already followed changes nothing. The two are held first (as
    a block holds them), so a block made at the same time is seen: no follow is left across it."""
    if follower.pk == followee.pk:
        raise InvalidInput({"handle": ["You cannot follow yourself."]}, detail="You cannot follow yourself.")
    held = people_hold(user_ids=[follower.pk, followee.pk])  # either one erased while the hold waited
    if follower.pk not in held:
        raise NotFound("Your account no longer exists.")
    if followee.pk not in held:
        raise NotFound("No one has this handle.")
    relation = relation_between(follower.pk, followee.pk)
    if relation.blocked_by_them:
        # Said the same way as an unknown person: a block is never revealed to the blocked.
        raise NotFound("No one has this handle.")
    if relation.blocked_by_me:
        raise Conflict("You have blocked this person; unblock them first.", code="blocked")
    Follow.objects.get_or_create(follower=follower, followee=followee)


@transaction.atomic  # two people unfollowing each other at once: each still sees the other's follow
def follow_delete(*, follower: User, followee: User) -> None:
    """Idempotent; someone who blocked the follower is nobody to them (404, as follow_create)."""
    if relation_between(follower.pk, followee.pk).blocked_by_them:
        raise NotFound("No one has this handle.")
    people_hold(user_ids=[follower.pk, followee.pk])  # before their follow rows, as an erasure
    deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
    if deleted and Follow.objects.filter(follower=followee, followee=follower).exists():
        mutual_follow_ended.send(sender=User, follower=follower, followee=followee)


@transaction.atomic
def block_create(*, blocker: User, blocked: User, delete_videos: bool = False) -> None:
    """Block `blocked`: follows both ways end, and every consent rule treats them as strangers and
    worse (user_blocked lets cameos and generation cascade). Idempotent. `delete_videos`: their
    published videos that show the blocker go too (the receivers do it)."""
    if blocker.pk == blocked.pk:
        raise InvalidInput({"handle": ["You cannot block yourself."]}, detail="You cannot block yourself.")
    deleting = (blocker.pk, blocked.pk) if delete_videos else None  # their videos of me (the receivers)
    held = people_hold(user_ids=[blocker.pk, blocked.pk], deleting_videos_of=deleting)
    if blocker.pk not in held:  # erased on another device while the hold waited
        raise NotFound("Your account no longer exists.")
    if blocked.pk not in held:
        raise NotFound("No one has this handle.")  # erased while the hold waited
    _, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    Follow.objects.filter(follower=blocker, followee=blocked).delete()
    Follow.objects.filter(follower=blocked, followee=blocker).delete()
    if created or delete_videos:
        user_blocked.send(sender=User, blocker=blocker, blocked=blocked, delete_videos=delete_videos)


def block_delete(*, blocker: User, blocked: User) -> None:
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


def notify(*, user_id: int, kind: str, about: int | None = None, **data: Any) -> None:
    """Tell someone something (GET /notifications). Never about themselves acting. `about`: the
    person it names, whose erasure takes it back and whom a block hides."""
    Notification.objects.create(user_id=user_id, kind=kind, about_id=about, data=data)


def notifications_about_withdraw(*, user_id: int, kind: str, about: int) -> int:
    """Take back `user_id`'s notifications of this kind that name the person `about` (what that
    person asked is settled, e.g. a cameo request a block ended). How many."""
    deleted, _ = Notification.objects.filter(user_id=user_id, kind=kind, about_id=about).delete()
    return deleted


def notifications_withdraw(*, kind: str, key: str, values: Iterable[Any], user_id: int | None = None) -> int:
    """Take back the notifications of this kind whose `key` is one of `values` (what they were about
    is gone or settled, e.g. a possible match of an erased face, or one its author answered); only
    `user_id`'s when given (their own notifications: an index scan, not every notification). How many."""
    rows = Notification.objects.filter(kind=kind, **{f"data__{key}__in": list(values)})
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    deleted, _ = rows.delete()
    return deleted


def notifications_read(*, user: User) -> int:
    """Mark read what GET /notifications shows (notifications_of): one hidden by a block or a
    deactivated account is not counted (the count would tell that it is there) and shows again
    unread once it is shown again. How many."""
    return notifications_of(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def account_export(*, user: User) -> dict[str, Any]:
    """The person's data: profile, graph, sign-ins, notifications, and what every app adds
    (account_exporting). It names no
    one the person's own lists hide: not an account support deactivated (their followers, following
    and blocks), nor someone in a block with them in their notifications (notifications_of)."""
    out: dict[str, Any] = {
        "exported_at": timestamp(timezone.now()),
        "account": {
            "handle": user.handle,
            "display_name": user.display_name,
            "birthdate": user.birthdate.isoformat() if user.birthdate else None,
            "approval_only": user.approval_only,  # support's mark: shown only by people they approve
            "date_joined": timestamp(user.date_joined),
        },
        "following": list(following_of(user).values_list("followee__handle", flat=True)),
        "followers": list(followers_of(user).values_list("follower__handle", flat=True)),
        "blocked": list(blocks_of(user).values_list("blocked__handle", flat=True)),
        # Each sign-in that still works: when it was made and last used (to the day); never its digest.
        "sign_ins": [
            {"created_at": timestamp(created), "last_used_at": timestamp(used)}
            for created, used in AuthToken.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values_list("created_at", "last_used_at")
        ],
        "notifications": [
            {"kind": n.kind, "data": n.data, "created_at": timestamp(n.created_at), "read_at": timestamp(n.read_at)}
            for n in notifications_named_now(notifications_of(user).order_by("id"))
        ],
    }
    account_exporting.send(sender=User, user=user, out=out)
    return out
