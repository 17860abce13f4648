"""Someone erases their account on one device while another device of theirs follows someone, blocks
someone, asks for someone's cameo, reports a video, sets what steers their For You, enrolls their own
cameo (asks for a challenge, sends the video), or changes their profile or password: the erasure
holds their account row until it commits, the other request waits for it and then finds them gone.
It answers 404 ("Your account no longer exists.") and the erasure is done; before, the request went
on without them and its new row (the follow, the block, the cameo request, the report, the
preference, the challenge, the enrollment) named an account that no longer existed: on PostgreSQL
its commit failed on the foreign key, a 500 (found by tests/generation/test_consent_stress.py and
benchmarks/engagement_stress.py); a change of the profile found no row to update, a 500 too. Signing in on
a new device at that moment waits the same way and answers as for a handle nobody has (400
invalid_credentials); before, its token's row failed the same foreign key. So does signing in while
support deactivates the account; before, its token was stored after the deactivation revoked them all.
Two threads, each with its own database connection, against committed data."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models.signals import post_save

from accounts import services as accounts
from accounts.models import AuthToken, Block, Follow, User
from cameos.models import CameoGrant, Enrollment, EnrollmentChallenge
from feed.models import Report, Steer
from tests.conftest import PASSWORD
from tests.races import in_thread, pause_in, pause_on, second_while_first_pauses, while_erasing_paused_at_the_end

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUESTS = {
    "follow": ("put", "/api/v1/users/the.other/follow", None),
    "block": ("put", "/api/v1/users/the.other/block", None),
    "cameo request": ("post", "/api/v1/cameos/the.other/requests", None),
    "steering": ("put", "/api/v1/feed/steer", {"text": "more cooking, less sports"}),
    "cameo challenge": ("post", "/api/v1/cameo/challenges", None),
    "profile": ("patch", "/api/v1/me", {"display_name": "New name"}),
    "password": ("patch", "/api/v1/me", {"password": "another-Secret-42", "current_password": PASSWORD}),
}


@pytest.mark.parametrize("request_sent", REQUESTS)
def test_a_request_sent_while_my_account_is_being_erased_answers_and_the_erasure_ends(
    request_sent, me, make_user, client_of, activate_cameo
):
    other = make_user("the.other")
    activate_cameo(other)  # open to approved people: I may ask for it
    mine = client_of(me)  # my other device, signed in before the erasure began
    accounts.token_issue(user=me)  # a third device, which a new password signs out
    answer: list[Any] = []
    method, path, body = REQUESTS[request_sent]
    # my account row held, not yet deleted: the request waits for the erasure
    errors = while_erasing_paused_at_the_end(
        me, lambda: answer.append(getattr(mine, method)(path, body, format="json")), names=("erase", request_sent)
    )

    assert errors == []
    assert answer[0].status_code == 404, answer[0].content[:300]
    assert answer[0].json()["detail"] == "Your account no longer exists."
    assert not User.objects.filter(pk=me.pk).exists()
    assert not Follow.objects.exists() and not Block.objects.exists() and not CameoGrant.objects.exists()
    assert not Steer.objects.exists()
    assert not EnrollmentChallenge.objects.filter(user_id=me.pk).exists()


def test_a_report_sent_while_my_account_is_being_erased_answers_404_and_the_erasure_ends(
    me, make_user, make_video, client_of
):
    """The report held the video and was stored, then its row, which names me, waited at commit for my
    account row that my erasure held, and failed once the erasure had deleted it: a 500 (found by
    benchmarks/engagement_stress.py). The report now holds me first, as a like or a play does."""
    video = make_video(make_user("the.author"))
    mine = client_of(me)
    answer: list[Any] = []
    body = {"reason": "spam"}
    errors = while_erasing_paused_at_the_end(
        me,
        lambda: answer.append(mine.post(f"/api/v1/videos/{video.pk}/report", body, format="json")),
        names=("erase", "report"),
    )

    assert errors == []
    assert answer[0].status_code == 404, answer[0].content[:300]
    assert answer[0].json()["detail"] == "Your account no longer exists."
    assert not User.objects.filter(pk=me.pk).exists() and not Report.objects.exists()


def test_my_enrollment_video_sent_while_my_account_is_being_erased_answers_and_the_erasure_ends(me, client_of):
    """The enrollment held its challenge and then named me at commit, while my erasure held my account
    row and then deleted my challenges: a deadlock on PostgreSQL (or a foreign key failed at commit)."""
    from tests.cameos import videos
    from tests.cameos.test_enrollment_api import challenge, enroll

    mine = client_of(me)
    challenge_id = challenge(mine)  # asked for before the erasure began
    answer: list[Any] = []
    # the enrollment waits for the erasure
    errors = while_erasing_paused_at_the_end(
        me, lambda: answer.append(enroll(mine, videos.video(), challenge_id)), names=("erase", "enroll")
    )

    assert errors == []
    assert answer[0].status_code == 404, answer[0].content[:300]
    assert answer[0].json()["detail"] == "Your account no longer exists."
    assert not User.objects.filter(pk=me.pk).exists()
    assert not Enrollment.objects.exists() and not EnrollmentChallenge.objects.exists()


def test_my_enrollment_video_checked_while_my_account_was_erased_answers_404(me, client_of, monkeypatch):
    """The upload was signed in, then my erasure on another device committed while the file was being
    checked: the challenge had gone with my account, and the answer said to ask for a new challenge
    (400 invalid_challenge), which my client then could not. It says my account is gone."""
    from cameos.services import enrollment
    from tests.cameos import videos
    from tests.cameos.test_enrollment_api import challenge, enroll

    mine = client_of(me)
    challenge_id = challenge(mine)
    checked = pause_in(monkeypatch, enrollment, "check_upload", after=True)
    answer: list[Any] = []
    sending = in_thread(lambda: answer.append(enroll(mine, videos.video(), challenge_id)), name="enroll")
    assert checked.reached.wait(timeout=60)
    accounts.account_erase(user=User.objects.get(pk=me.pk))
    checked.go_on.set()
    sending.join(timeout=60)

    assert answer[0].status_code == 404, answer[0].content[:300]
    assert answer[0].json()["detail"] == "Your account no longer exists."
    assert not Enrollment.objects.exists() and not EnrollmentChallenge.objects.exists()


def test_signing_in_while_my_account_is_being_erased_answers_invalid_credentials_and_the_erasure_ends(me, client_of):
    """Signing in on a new device found me (my erasure had not committed), checked my password, and
    stored a token naming me, whose foreign key PostgreSQL checked at commit, after my erasure had
    deleted my account row: a 500. Sign-in now holds me first; once my account is gone it answers as
    for a handle nobody has (400 invalid_credentials, the one error POST /auth/token has), and no
    token is left."""
    client_of(me)  # the device that erases
    answer: list[Any] = []
    body = {"handle": "me.myself", "password": PASSWORD}
    # the sign-in waits for the erasure
    errors = while_erasing_paused_at_the_end(
        me,
        lambda: answer.append(client_of(None).post("/api/v1/auth/token", body, format="json")),
        names=("erase", "sign in"),
    )

    assert errors == []
    assert answer[0].status_code == 400, answer[0].content[:300]
    assert answer[0].json()["error"] == "invalid_credentials"
    assert not User.objects.filter(pk=me.pk).exists() and not AuthToken.objects.exists()


def test_signing_in_while_support_deactivates_my_account_answers_invalid_credentials_and_stores_no_token(
    me, make_user, client_of
):
    """Signing in found me active (support's deactivation, which had revoked every token of mine, had
    not committed yet), checked my password and stored a token the deactivation never saw: opening my
    account again would have let that device in, where it asks me to sign in again. Sign-in now holds
    me in a way the deactivation's hold waits for and is waited for by, reads me again once it holds
    me, and answers as for a deactivated account."""
    staff = make_user("support.staff")
    answer: list[Any] = []
    body = {"handle": "me.myself", "password": PASSWORD}
    # my account row held and saved, my tokens revoked, not committed: the sign-in waits for it
    with pause_on(post_save, sender=User, thread="deactivate") as pause:
        errors = second_while_first_pauses(
            lambda: accounts.user_active_set(user=User.objects.get(pk=me.pk), active=False, by=staff),
            lambda: answer.append(client_of(None).post("/api/v1/auth/token", body, format="json")),
            pause,
            names=("deactivate", "sign in"),
        )

    assert errors == []
    assert answer[0].status_code == 400, answer[0].content[:300]
    assert answer[0].json()["error"] == "invalid_credentials"
    assert not User.objects.get(pk=me.pk).is_active
    assert not AuthToken.objects.filter(user_id=me.pk).exists()
