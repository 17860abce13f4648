"""/me: read, update, erase."""

import datetime as dt

import pytest
from django.dispatch import receiver
from rest_framework.test import APIClient

from accounts import services
from accounts.models import AuthToken, Block, Follow, User
from accounts.signals import account_erasing
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
ME = "/api/v1/me"


def test_me_shows_my_account_with_counts(api, me, other, make_user):
    services.follow_create(follower=other, followee=me)
    services.follow_create(follower=make_user(), followee=me)
    services.follow_create(follower=me, followee=other)
    body = api.get(ME).json()
    assert body == {
        "handle": "me.myself",
        "display_name": "Me Myself",
        "birthdate": "1990-05-17",
        "is_minor": False,
        "approval_only": False,
        "followers_count": 2,
        "following_count": 1,
        "date_joined": body["date_joined"],
    }


def test_anonymous_has_no_me(anon):
    for method in ("get", "patch", "delete"):
        response = getattr(anon, method)(ME)
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"


def test_update_display_name(api, me):
    response = api.patch(ME, {"display_name": "  New Name "}, format="json")
    assert response.status_code == 200
    assert response.json()["display_name"] == "New Name"
    me.refresh_from_db()
    assert me.display_name == "New Name"


def test_birthdate_can_be_given_once_but_not_changed(client_of, make_user):
    user = make_user("no.birthdate", birthdate=None)
    client = client_of(user)
    assert client.patch(ME, {"birthdate": "2000-01-01"}, format="json").json()["is_minor"] is False
    response = client.patch(ME, {"birthdate": "2012-01-01"}, format="json")
    assert response.status_code == 400
    assert "birthdate" in response.json()["fields"]
    user.refresh_from_db()
    assert user.birthdate == dt.date(2000, 1, 1)


def test_password_change_needs_the_current_one_and_signs_out_other_devices(client_of, me, anon):
    laptop, phone = client_of(me), client_of(me)
    response = laptop.patch(ME, {"password": "a-brand-new-passphrase"}, format="json")
    assert response.status_code == 400
    assert "current_password" in response.json()["fields"]
    response = laptop.patch(ME, {"password": "a-brand-new-passphrase", "current_password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert phone.get(ME).status_code == 401
    assert laptop.get(ME).status_code == 200  # the device that changed it stays signed in
    ok = anon.post("/api/v1/auth/token", {"handle": "me.myself", "password": "a-brand-new-passphrase"}, format="json")
    assert ok.status_code == 200


def test_guessing_the_current_password_is_throttled_as_signing_in_is(client_of, me, settings, mid_window):
    """A token is no way around the sign-in limit: each check of the current password counts against
    `sign_in`, the other updates do not."""
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"sign_in": "2/minute"}}
    api = client_of(me)
    for name in ("One", "Two", "Three"):
        assert api.patch(ME, {"display_name": name}, format="json").status_code == 200
    guesses = [
        api.patch(ME, {"password": "a-brand-new-passphrase", "current_password": guess}, format="json")
        for guess in ("wrong-one", "wrong-two", PASSWORD)
    ]

    assert [r.status_code for r in guesses] == [400, 400, 429]
    assert guesses[2].json()["error"] == "throttled"
    me.refresh_from_db()
    assert me.check_password(PASSWORD)


def test_wrong_current_passwords_count_against_the_accounts_budget(anon, client_of, me, settings, mid_window):
    """A stolen token is no way to guess the password at the token's own rate: wrong current passwords
    count against the account's budget (SIGN_IN_FAILURES), as wrong sign-ins do, and past it neither
    the right current password nor signing in is checked (429). Counted in the database on the
    embedded default too: not rolled back with the refused change."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    api = client_of(me)
    change = {"password": "a-brand-new-passphrase"}
    codes = [api.patch(ME, {**change, "current_password": guess}, format="json").status_code for guess in ("x1", "x2")]
    assert codes == [400, 400]

    refused = api.patch(ME, {**change, "current_password": PASSWORD}, format="json")
    assert refused.status_code == 429
    assert refused.json()["error"] == "throttled"
    sign_in = anon.post("/api/v1/auth/token", {"handle": me.handle, "password": PASSWORD}, format="json")
    assert sign_in.status_code == 429
    me.refresh_from_db()
    assert me.check_password(PASSWORD)
    assert api.patch(ME, {"display_name": "Still Me"}, format="json").status_code == 200


HOME, ELSEWHERE = "198.51.100.7", "192.0.2.44"


def signed_in_at_home_then_budget_spent(anon, me):
    """`me` signs in from HOME (a known address), then her 2 wrong passwords' budget is spent from elsewhere."""
    body = {"handle": me.handle, "password": PASSWORD}
    assert anon.post("/api/v1/auth/token", body, format="json", REMOTE_ADDR=HOME).status_code == 200
    for n in range(2):
        guess = {"handle": me.handle, "password": f"guess-{n}"}
        assert anon.post("/api/v1/auth/token", guess, format="json", REMOTE_ADDR=f"203.0.113.{n}").status_code == 400


def test_past_the_budget_her_device_at_home_changes_her_password(anon, client_of, me, settings, mid_window):
    """A signed-in device is under the rule of signing in: from an address she signed in from
    lately, the right current password is checked past the account's budget."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    signed_in_at_home_then_budget_spent(anon, me)

    change = {"password": "a-brand-new-passphrase", "current_password": PASSWORD}
    assert client_of(me).patch(ME, change, format="json", REMOTE_ADDR=HOME).status_code == 200
    me.refresh_from_db()
    assert me.check_password("a-brand-new-passphrase")


def test_past_the_budget_a_token_elsewhere_waits_and_wrong_passwords_count(anon, client_of, me, settings, mid_window):
    """A token is no way around the budget: used from an address never seen (a stolen one), the right
    current password waits (429); from the known address, its wrong ones are checked and counted
    against that address's own budget, past which the right one waits too."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    signed_in_at_home_then_budget_spent(anon, me)
    phone = client_of(me)

    def change(current, address):
        body = {"password": "a-brand-new-passphrase", "current_password": current}
        return phone.patch(ME, body, format="json", REMOTE_ADDR=address).status_code

    assert change(PASSWORD, ELSEWHERE) == 429
    assert [change("x1", HOME), change("x2", HOME)] == [400, 400]
    assert change(PASSWORD, HOME) == 429
    me.refresh_from_db()
    assert me.check_password(PASSWORD)


def test_a_new_password_sent_without_the_current_one_is_no_wrong_password(anon, client_of, me, settings, mid_window):
    """No password was guessed: a client that leaves out current_password is told so (400) each
    time, and the account's budget of wrong passwords is untouched. Before, each such PATCH counted
    as a wrong password, and a few of them made signing in a 429 for the rest of the window."""
    settings.CASTFEED_ACCOUNTS = {"SIGN_IN_FAILURES": "2/hour"}
    api = client_of(me)
    for body in (
        {"password": "a-brand-new-passphrase"},
        {"password": "a-brand-new-passphrase", "current_password": ""},
    ):
        for _ in range(2):
            refused = api.patch(ME, body, format="json")
            assert refused.status_code == 400
            assert "current_password" in refused.json()["fields"]
    sign_in = anon.post("/api/v1/auth/token", {"handle": me.handle, "password": PASSWORD}, format="json")
    assert sign_in.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"handle": "renamed"},
        {"display_name": "x" * 51},
        {"birthdate": "not-a-date"},
        {"is_staff": True},
        {"password": "123", "current_password": PASSWORD},
    ],
)
def test_bad_updates_are_400_and_change_nothing(api, me, body):
    response = api.patch(ME, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    me.refresh_from_db()
    assert (me.handle, me.display_name, me.is_staff) == ("me.myself", "Me Myself", False)
    assert me.check_password(PASSWORD)


def test_delete_erases_the_account_and_everything_of_it(api, me, other, make_user):
    services.follow_create(follower=me, followee=other)
    services.follow_create(follower=other, followee=me)
    services.block_create(blocker=me, blocked=make_user())
    services.block_create(blocker=make_user(), blocked=me)
    seen = []

    @receiver(account_erasing)
    def remember(sender, user, **kwargs):
        seen.append((user.pk, User.objects.filter(pk=user.pk).exists()))

    try:
        response = api.delete(ME)
    finally:
        account_erasing.disconnect(remember)
    assert response.status_code == 204
    assert seen == [(me.pk, True)]  # hooks run while the person still exists
    assert not User.objects.filter(pk=me.pk).exists()
    assert not AuthToken.objects.filter(user_id=me.pk).exists()
    assert not Follow.objects.filter(follower_id=me.pk).exists()
    assert not Follow.objects.filter(followee_id=me.pk).exists()
    assert not Block.objects.filter(blocker_id=me.pk).exists()
    assert not Block.objects.filter(blocked_id=me.pk).exists()
    assert User.objects.filter(pk=other.pk).exists()
    assert api.get(ME).status_code == 401
    assert APIClient().get("/api/v1/users/me.myself").status_code == 404


def test_a_failing_hook_rolls_the_whole_erasure_back(api, me):
    @receiver(account_erasing)
    def explode(sender, user, **kwargs):
        raise RuntimeError("storage down")

    api.raise_request_exception = False
    try:
        response = api.delete(ME)
    finally:
        account_erasing.disconnect(explode)
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"
    assert User.objects.filter(pk=me.pk).exists()
