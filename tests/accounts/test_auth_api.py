"""Register, sign in, sign out: what a client sees."""

import time
import types

import pytest
import redis

from accounts import services
from accounts.models import AuthToken, User
from core.exceptions import TooManyRequests
from core.models import RateCounter
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"


def register(anon, **overrides):
    body = {"handle": "new.person", "password": PASSWORD, "display_name": "New Person", "birthdate": "1995-03-01"}
    body.update(overrides)
    return anon.post(REGISTER, body, format="json")


def test_register_returns_the_user_and_a_working_token(anon):
    response = register(anon)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["handle"] == "new.person"
    assert body["user"]["display_name"] == "New Person"
    assert body["user"]["is_minor"] is False
    assert body["user"]["followers_count"] == 0
    assert "password" not in body["user"]
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert anon.get("/api/v1/me").json()["handle"] == "new.person"


def test_register_stores_only_a_digest_of_the_token(anon):
    token = register(anon).json()["token"]
    stored = AuthToken.objects.get()
    assert token not in stored.digest
    assert len(stored.digest) == 64


def test_handle_is_case_insensitive_and_stored_lower_case(anon):
    assert register(anon, handle="Mixed.Case").json()["user"]["handle"] == "mixed.case"
    response = register(anon, handle="MIXED.case")
    assert response.status_code == 409
    assert response.json()["error"] == "handle_taken"
    assert response.json()["fields"]["handle"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("taken", [False, True])
def test_a_handle_written_with_the_kelvin_sign_is_no_handle(anon, make_user, taken):
    """ "\u212aate" looks like "Kate": before, registering it made the account "kate" (201), or a 409
    when that was taken; signing in with it signed in to kate's. Like every other letter outside
    a-z (a full-width k, an accented one), it is refused when chosen and is nobody."""
    if taken:
        make_user("kate")

    response = register(anon, handle="\u212aate")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid" and list(response.json()["fields"]) == ["handle"]
    assert User.objects.count() == int(taken)
    signing_in = anon.post("/api/v1/auth/token", {"handle": "\u212aate", "password": PASSWORD}, format="json")
    assert signing_in.status_code == 400 and "token" not in signing_in.json()
    assert anon.get("/api/v1/users/\u212aate").status_code == 404


def test_the_password_rules_are_the_ones_configured_now(anon, client_of, settings):
    """AUTH_PASSWORD_VALIDATORS as a deploy (or a test) sets it: before, the API's field kept the rules
    read at import (at least 8 characters, not only digits) and refused what the settings allow."""
    assert register(anon, password="739214").status_code == 400  # too short, only digits: as configured first
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 5}}
    ]

    response = register(anon, password="739214")
    assert response.status_code == 201, response.content
    me = User.objects.get(handle="new.person")
    change = {"password": "48213", "current_password": "739214"}
    assert client_of(me).patch("/api/v1/me", change, format="json").status_code == 200
    short = client_of(me).patch("/api/v1/me", {"password": "9q2", "current_password": "48213"}, format="json")
    assert short.status_code == 400
    assert short.json()["fields"]["password"] == ["This password is too short. It must contain at least 5 characters."]


def test_a_handle_whose_words_break_the_content_policy_is_refused_when_chosen(anon):
    """Every prompt that mentions it would be refused (the policy reads a handle's words: a video model
    reads them): the person learns it now."""
    response = register(anon, handle="slit.my.wrists")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert response.json()["fields"]["handle"] == ["This handle reads as self-harm or suicide: choose another."]
    assert not User.objects.exists()
    # Words that are also film titles and nicknames are fine.
    for handle in ("kill.bill.fan", "dead.pool", "die.hard.fan"):
        assert register(anon, handle=handle).status_code == 201, handle


def test_a_minor_and_someone_without_birthdate_are_minors(anon):
    assert register(anon, handle="teen", birthdate="2011-01-01").json()["user"]["is_minor"] is True
    response = anon.post(REGISTER, {"handle": "nobirth", "password": PASSWORD}, format="json")
    assert response.status_code == 201
    assert response.json()["user"]["is_minor"] is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"handle": "ab"}, "handle"),
        ({"handle": "a" * 31}, "handle"),
        ({"handle": "has space"}, "handle"),
        ({"handle": "émile"}, "handle"),
        ({"handle": "dash-ed"}, "handle"),
        ({"handle": "admin"}, "handle"),
        ({"handle": ""}, "handle"),
        ({"handle": None}, "handle"),
        ({"handle": ["list"]}, "handle"),
        ({"password": "short"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "new.person1"}, "password"),
        ({"birthdate": "2020-01-01"}, "birthdate"),
        ({"birthdate": "2999-01-01"}, "birthdate"),
        ({"birthdate": "yesterday"}, "birthdate"),
        ({"display_name": "x" * 51}, "display_name"),
        ({"is_staff": True}, "is_staff"),
    ],
)
def test_bad_registrations_name_the_field_and_store_nothing(anon, overrides, field):
    response = register(anon, **overrides)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"]
    assert body["detail"]
    assert User.objects.count() == 0


@pytest.mark.parametrize("handle", ["sam.", "sam.lee.", "..."])
def test_a_handle_ending_in_a_dot_is_refused_as_no_one_could_mention_it(anon, make_user, handle):
    """`@sam.` at the end of a sentence mentions @sam (moderation.consent): a handle ending in a dot
    would never be asked for consent, and its mentions would go to someone else."""
    make_user("sam")
    response = register(anon, handle=handle)

    assert response.status_code == 400
    assert response.json()["fields"] == {"handle": ["A handle cannot end with a dot."]}
    assert not User.objects.filter(handle=handle).exists()


def test_missing_fields_are_named(anon):
    response = anon.post(REGISTER, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"handle", "password"}


def test_sign_in_with_the_right_password_gives_a_new_token(anon, me):
    response = anon.post(TOKEN, {"handle": "ME.MYSELF", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert anon.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(("handle", "password"), [("me.myself", "wrong-password"), ("nobody.here", PASSWORD)])
def test_sign_in_failures_look_the_same(anon, me, handle, password):
    response = anon.post(TOKEN, {"handle": handle, "password": password}, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_credentials", "detail": "That handle and password do not match."}
    assert AuthToken.objects.count() == 0


def sign_in_from(anon, address, handle, password):
    return anon.post(TOKEN, {"handle": handle, "password": password}, format="json", REMOTE_ADDR=address)


def test_wrong_passwords_from_many_addresses_stop_signing_in_to_that_account_only(
    anon, client_of, me, make_user, settings, mid_window
):
    """Each address is under its own limit, but the account counts every wrong password: past
    SIGN_IN_FAILURES even the right one is a 429 until the window ends. Her signed-in devices and
    other people's sign-ins are unaffected."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "3/hour"}
    make_user("other.person")
    phone = client_of(me)
    guesses = [sign_in_from(anon, f"203.0.113.{n}", "me.myself", f"guess-{n}") for n in range(3)]
    assert [r.status_code for r in guesses] == [400, 400, 400]

    right = sign_in_from(anon, "198.51.100.7", "ME.MYSELF", PASSWORD)
    assert right.status_code == 429
    assert right.json()["error"] == "throttled"
    assert right.json()["detail"] == "Too many wrong passwords for this account."
    assert 0 < right.json()["retry_after"] <= 3600  # 3 x (1 - 1/3) + 1 = 3: 20 minutes into the next hour
    assert int(right["Retry-After"]) == right.json()["retry_after"]
    assert AuthToken.objects.filter(user=me).count() == 1  # the phone's, made by client_of
    assert phone.get("/api/v1/me").status_code == 200
    assert sign_in_from(anon, "203.0.113.1", "other.person", PASSWORD).status_code == 200


def test_the_budget_spent_at_a_windows_end_is_not_spent_again_just_after_it(anon, me, settings, monkeypatch):
    """Fixed windows let 5 wrong passwords be checked in the last second of a minute and 5 more in
    the first of the next: 10 guesses in two seconds against "5 a minute". The minute before weighs
    on this one as much as the part of it still within the last 60 seconds: 5 guesses, then 429s
    (the right password too), then one more once a fifth of the minute has gone by."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "5/minute"}
    edge = float(int(time.time()) // 60 * 60 + 600)
    clock = types.SimpleNamespace(time=lambda: edge - 0.5)
    monkeypatch.setattr("core.throttling.time", clock)
    assert [sign_in_from(anon, f"203.0.113.{n}", "me.myself", f"guess-{n}").status_code for n in range(5)] == [400] * 5

    clock.time = lambda: edge + 0.5
    after = [sign_in_from(anon, f"203.0.113.{n}", "me.myself", f"guess-{n}").status_code for n in range(5, 10)]
    assert after == [429] * 5
    refused = sign_in_from(anon, "192.0.2.1", "me.myself", PASSWORD)
    assert refused.status_code == 429 and refused.json()["retry_after"] == 12  # 5 x (1 - 12/60) + 1 = 5

    clock.time = lambda: edge + 12.5
    assert [sign_in_from(anon, f"203.0.113.{n}", "me.myself", f"guess-{n}").status_code for n in (10, 11)] == [400, 429]


def test_a_handle_nobody_has_is_limited_alike(anon, settings, mid_window):
    """No way to tell a taken handle from a free one by when the 429 comes."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    codes = [sign_in_from(anon, f"203.0.113.{n}", "nobody.here", PASSWORD).status_code for n in range(3)]
    assert codes == [400, 400, 429]


def test_the_right_password_under_the_limit_signs_in(anon, me, settings, mid_window):
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "3/hour"}
    for n in range(2):
        assert sign_in_from(anon, "203.0.113.9", "me.myself", f"guess-{n}").status_code == 400
    assert sign_in_from(anon, "203.0.113.9", "me.myself", PASSWORD).status_code == 200


def test_wrong_passwords_checked_at_the_same_moment_stay_within_the_budget(me, settings, mid_window, monkeypatch):
    """Sign-ins to one account at the same moment (here: a second one arriving while the first's
    password is being checked) each count before their password is checked, so together they check
    no more passwords than the budget. Before, each read the count, then checked, then counted: every
    request in progress got a password checked past the budget."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "1/hour"}
    checked, answers = [], []
    check_password = User.check_password

    def checking(user, raw):  # type: ignore[no-untyped-def]
        checked.append(raw)
        if len(checked) == 1:  # another address tries meanwhile
            try:
                services.token_sign_in(handle="me.myself", password="guess-2")
            except Exception as exc:  # which refusal is the point
                answers.append(type(exc).__name__)
        return check_password(user, raw)

    monkeypatch.setattr(User, "check_password", checking)
    with pytest.raises(services.InvalidCredentials):
        services.token_sign_in(handle="me.myself", password="guess-1")
    assert checked == ["guess-1"]
    assert answers == ["TooManyRequests"]
    monkeypatch.setattr(User, "check_password", check_password)
    with pytest.raises(TooManyRequests):
        services.token_sign_in(handle="me.myself", password=PASSWORD)


def test_the_right_password_spends_nothing_of_the_budget(anon, me, settings, mid_window):
    """A right password is not a wrong one: signing in on many devices never meets the limit."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    for n in range(4):
        assert sign_in_from(anon, f"203.0.113.{n}", "me.myself", PASSWORD).status_code == 200
    assert sign_in_from(anon, "203.0.113.9", "me.myself", "guess").status_code == 400
    assert sign_in_from(anon, "203.0.113.9", "me.myself", PASSWORD).status_code == 200


HOME, ELSEWHERE, THIEF = "198.51.100.7", "192.0.2.44", "198.51.100.200"


def spend_the_budget(anon, handle, n):
    """`n` wrong passwords for `handle`, each from an address of its own (none of them over the
    per-address limit): the account's budget, spent from elsewhere."""
    assert [sign_in_from(anon, f"203.0.113.{i}", handle, f"guess-{i}").status_code for i in range(n)] == [400] * n


def test_past_the_budget_the_right_password_from_an_address_she_signed_in_from_still_signs_in(
    anon, me, settings, mid_window
):
    """Whoever spends her account's budget of wrong passwords does not lock her out: from an address
    she signed in from lately her right password still gets a working token. From an address never
    seen, the right password waits as before (429), and so does the one who spent it."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "3/hour"}
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200
    spend_the_budget(anon, "me.myself", 3)

    again = sign_in_from(anon, HOME, "ME.MYSELF", PASSWORD)
    assert again.status_code == 200
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {again.json()['token']}")
    assert anon.get("/api/v1/me").json()["handle"] == "me.myself"
    anon.credentials()
    elsewhere = sign_in_from(anon, ELSEWHERE, "me.myself", PASSWORD)
    assert elsewhere.status_code == 429
    assert elsewhere.json()["detail"] == "Too many wrong passwords for this account."
    assert sign_in_from(anon, "203.0.113.0", "me.myself", "guess-9").status_code == 429
    assert AuthToken.objects.filter(user=me).count() == 2


def test_the_address_she_registered_from_is_one_she_signed_in_from(anon, settings, mid_window):
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    body = {"handle": "new.person", "password": PASSWORD, "birthdate": "1995-03-01"}
    assert anon.post(REGISTER, body, format="json", REMOTE_ADDR=HOME).status_code == 201
    spend_the_budget(anon, "new.person", 2)

    assert sign_in_from(anon, HOME, "new.person", PASSWORD).status_code == 200
    assert sign_in_from(anon, ELSEWHERE, "new.person", PASSWORD).status_code == 429


def test_wrong_passwords_from_a_known_address_still_count(anon, me, settings, mid_window):
    """A known address is no way around the budget for wrong passwords: they count against the
    account's (signing in from elsewhere then waits), and past it the address has a budget of its own
    as large, so that one who shares her address (a carrier's NAT, an office) guesses no faster."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200
    assert [sign_in_from(anon, HOME, "me.myself", f"wrong-{n}").status_code for n in range(2)] == [400, 400]
    assert sign_in_from(anon, ELSEWHERE, "me.myself", PASSWORD).status_code == 429  # the account's, spent

    assert [sign_in_from(anon, HOME, "me.myself", f"wrong-{n}").status_code for n in range(2, 4)] == [400, 400]
    refused = sign_in_from(anon, HOME, "me.myself", PASSWORD)  # the address's own, spent too
    assert refused.status_code == 429
    assert refused.json()["error"] == "throttled"
    assert AuthToken.objects.filter(user=me).count() == 1  # the first sign-in's


def test_an_address_known_for_one_account_is_nothing_to_another_nor_to_a_free_handle(
    anon, me, other, settings, mid_window
):
    """What is remembered is the account and the address together: past their budgets, another
    account, and a handle nobody has, answer that address the same 429 as any other address."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200
    spend_the_budget(anon, "other.person", 2)
    spend_the_budget(anon, "nobody.here", 2)

    answers = [
        sign_in_from(anon, address, handle, PASSWORD)
        for handle in ("other.person", "nobody.here")
        for address in (HOME, ELSEWHERE)
    ]
    assert [r.status_code for r in answers] == [429] * 4
    assert len({(r.content, r["Retry-After"]) for r in answers}) == 1


@pytest.mark.parametrize(("days", "status"), [(29, 200), (31, 429)])
def test_an_address_is_known_for_30_days_after_signing_in_from_it(
    anon, me, settings, mid_window, monkeypatch, days, status
):
    """CASTFEED_ACCOUNTS_KNOWN_ADDRESS_DAYS (30): then it is one like any other."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour", "KNOWN_ADDRESS_DAYS": 30}
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200
    later = mid_window + days * 86400
    monkeypatch.setattr("core.throttling.time", types.SimpleNamespace(time=lambda: later))
    spend_the_budget(anon, "me.myself", 2)

    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == status


def test_a_known_address_is_stored_naming_neither_the_address_nor_the_handle(anon, me, settings, mid_window):
    """Only a keyed hash of the two is kept, in Redis or the database (without Redis)."""
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200

    keys = [str(key) for key in RateCounter.objects.values_list("key", flat=True)]
    if settings.REDIS_URL:
        keys += [key.decode() for key in redis.Redis.from_url(settings.REDIS_URL).keys("*")]
    accounts = [key for key in keys if "signin:" in key]  # the per-address limit's keys name the address alone
    assert any("known" in key for key in accounts)
    assert not [key for key in accounts if HOME in key or "me.myself" in key]


def test_with_no_known_address_days_every_address_waits(anon, me, settings, mid_window):
    """KNOWN_ADDRESS_DAYS = 0 turns known addresses off, those already remembered too."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour", "KNOWN_ADDRESS_DAYS": 0}
    spend_the_budget(anon, "me.myself", 2)

    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 429


def test_an_ipv6_address_is_known_by_its_network(anon, me, settings, mid_window):
    """A phone or home on IPv6 changes the last half of its address every day or so: its /64 is known."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    assert sign_in_from(anon, "2001:db8:1:2::17", "me.myself", PASSWORD).status_code == 200
    spend_the_budget(anon, "me.myself", 2)

    assert sign_in_from(anon, "2001:db8:1:2:a4f1:9e2:c3:5", "me.myself", PASSWORD).status_code == 200
    assert sign_in_from(anon, "2001:db8:1:3::17", "me.myself", PASSWORD).status_code == 429


def test_a_new_password_forgets_the_addresses_the_old_one_signed_in_from(anon, client_of, me, settings, mid_window):
    """Someone who had her password (a thief) signed in from their own address. She changes it from
    home: past the budget, the thief's address is one like any other (429, the new password too), where
    it kept a budget of its own to guess the new password with (one more per address they had signed
    in from, as many as they liked). Her own address, which set the new password, stays known."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200
    assert sign_in_from(anon, THIEF, "me.myself", PASSWORD).status_code == 200
    change = {"password": "a-brand-new-passphrase", "current_password": PASSWORD}
    assert client_of(me).patch("/api/v1/me", change, format="json", REMOTE_ADDR=HOME).status_code == 200
    spend_the_budget(anon, "me.myself", 2)

    assert sign_in_from(anon, THIEF, "me.myself", "a-brand-new-passphrase").status_code == 429
    assert sign_in_from(anon, HOME, "me.myself", "a-brand-new-passphrase").status_code == 200


def test_the_next_owner_of_a_handle_inherits_no_known_address(anon, settings, mid_window):
    """A handle is free again once its account is erased: the addresses its first owner signed in from
    are nothing to whoever takes it next (they gave the first owner a budget of their own against her)."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    body = {"handle": "new.person", "password": PASSWORD, "birthdate": "1995-03-01"}
    first = anon.post(REGISTER, body, format="json", REMOTE_ADDR=THIEF)
    assert first.status_code == 201
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {first.json()['token']}")
    assert anon.delete("/api/v1/me?appearances=keep").status_code == 204
    anon.credentials()
    assert anon.post(REGISTER, body, format="json", REMOTE_ADDR=HOME).status_code == 201
    spend_the_budget(anon, "new.person", 2)

    assert sign_in_from(anon, THIEF, "new.person", PASSWORD).status_code == 429
    assert sign_in_from(anon, HOME, "new.person", PASSWORD).status_code == 200


def known_addresses_stored(settings) -> list[str]:  # type: ignore[no-untyped-def]
    """Every known address stored, in the database and (with Redis) in Redis, by the key it is under."""
    stored = [
        str(key) for key in RateCounter.objects.filter(key__startswith="signin:known:").values_list("key", flat=True)
    ]
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.keys("*signin:known:*"):
            members = client.hkeys(key) if client.type(key) == b"hash" else [b""]
            stored += [f"{key.decode()}:{member.decode()}" for member in members]
    return stored


def test_erasing_the_account_deletes_the_addresses_it_signed_in_from(anon, settings, mid_window):
    """Erasure takes everything of the account: before, its known addresses stayed stored for 30 days."""
    body = {"handle": "new.person", "password": PASSWORD, "birthdate": "1995-03-01"}
    registered = anon.post(REGISTER, body, format="json", REMOTE_ADDR=HOME)
    assert registered.status_code == 201
    assert sign_in_from(anon, THIEF, "new.person", PASSWORD).status_code == 200
    assert len(known_addresses_stored(settings)) == 2

    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {registered.json()['token']}")
    assert anon.delete("/api/v1/me?appearances=keep").status_code == 204

    assert known_addresses_stored(settings) == []


def test_a_sign_in_the_erasure_overtakes_leaves_no_address_stored(anon, me, settings, mid_window, monkeypatch):
    """The erasure committed between the password check and the token: the address the sign-in had
    just remembered stayed under the deleted account for 30 days."""
    check = User.check_password

    def erased_meanwhile(user, password):  # type: ignore[no-untyped-def]
        right = check(user, password)
        services.account_erase(user=User.objects.get(pk=user.pk))  # on her other device, committed first
        return right

    monkeypatch.setattr(User, "check_password", erased_meanwhile)
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 400  # as for a handle nobody has
    assert known_addresses_stored(settings) == []


def test_a_new_password_deletes_the_addresses_the_old_one_signed_in_from(anon, client_of, me, settings, mid_window):
    """Not only unreadable with the new password (test above): gone, but the one that set it."""
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200
    assert sign_in_from(anon, THIEF, "me.myself", PASSWORD).status_code == 200
    assert len(known_addresses_stored(settings)) == 2
    change = {"password": "a-brand-new-passphrase", "current_password": PASSWORD}

    assert client_of(me).patch("/api/v1/me", change, format="json", REMOTE_ADDR=HOME).status_code == 200

    assert len(known_addresses_stored(settings)) == 1


@pytest.mark.redis
def test_an_address_known_no_longer_is_stored_no_longer(anon, me, settings, mid_window, monkeypatch):
    """Its 30 days over, HOME is gone once the account signs in again: before, a Redis group kept by
    sign-ins within every 30 days kept each address it had ever signed in from, for good."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour", "KNOWN_ADDRESS_DAYS": 30}
    assert sign_in_from(anon, HOME, "me.myself", PASSWORD).status_code == 200
    later = mid_window + 31 * 86400
    monkeypatch.setattr("core.throttling.time", types.SimpleNamespace(time=lambda: later))

    assert sign_in_from(anon, THIEF, "me.myself", PASSWORD).status_code == 200

    assert len(known_addresses_stored(settings)) == 1


def test_sign_out_revokes_only_that_token(client_of, me):
    laptop, phone = client_of(me), client_of(me)
    assert laptop.delete(TOKEN).status_code == 204
    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 200


def test_sign_out_needs_a_token(anon):
    assert anon.delete(TOKEN).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer not-a-token", "Bearer a b", "Bearer \u00e9t\u00e9"],
)
def test_bad_tokens_are_401_with_the_error_shape(anon, me, header):
    response = anon.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_disabled_account_cannot_use_its_token(client_of, me):
    client = client_of(me)
    User.objects.filter(pk=me.pk).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 401


def test_an_account_support_deactivates_is_signed_out_for_good(client_of, anon, me):
    """Deactivating ends every session: opening the account again asks its owner to sign in again,
    and a token someone else held (the reason support closed it, often) stays dead."""
    client = client_of(me)
    services.user_active_set(user=me, active=False)
    assert client.get("/api/v1/me").status_code == 401
    signing_in = {"handle": "me.myself", "password": PASSWORD}
    assert anon.post("/api/v1/auth/token", signing_in, format="json").status_code == 400

    services.user_active_set(user=me, active=True)

    assert client.get("/api/v1/me").status_code == 401
    token = anon.post("/api/v1/auth/token", signing_in, format="json").json()["token"]
    assert anon.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_registration_is_throttled(anon, settings, mid_window):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"register": "2/hour"}}
    assert register(anon, handle="first.one").status_code == 201
    assert register(anon, handle="second.one").status_code == 201
    response = register(anon, handle="third.one")
    assert response.status_code == 429
    assert response.json()["error"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert response.json()["retry_after"] == int(response["Retry-After"])
    assert not User.objects.filter(handle="third.one").exists()


def test_whoever_takes_an_erased_handle_inherits_none_of_its_wrong_passwords(
    anon, client_of, me, settings, mid_window, django_capture_on_commit_callbacks
):
    """Wrong passwords counted against her handle go with her account: the next person to register
    it signs in from anywhere (before, a stranger's guesses at her account made them wait an hour)."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "3/hour"}
    spend_the_budget(anon, "me.myself", 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(me).delete("/api/v1/me").status_code == 204

    body = {"handle": "me.myself", "password": "another-long-password", "birthdate": "1990-05-05"}
    assert anon.post(REGISTER, body, format="json", REMOTE_ADDR=HOME).status_code == 201
    signed_in = sign_in_from(anon, ELSEWHERE, "me.myself", "another-long-password")
    assert signed_in.status_code == 200
    assert User.objects.get(handle="me.myself").pk != me.pk
