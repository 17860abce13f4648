"""An enrollment accepted while its person erases their account or their cameo: one waits for the
other, neither answers with an error. Each in its own thread and database connection, against
committed data (PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from accounts import services as accounts
from accounts.models import User
from cameos import services as cameos
from cameos.models import Cameo, Enrollment, EnrollmentChallenge, IdentityConflict
from cameos.services import enrollment as services
from tests import races
from tests.enroll import random_template

pytestmark = pytest.mark.django_db(transaction=True)


def _accepted_while(erase: Any, me: Any, pause_in: str, again: bool, activate_cameo: Any, monkeypatch: Any) -> list:
    """The worker's acceptance of my enrollment (with my cameo already there when `again`) in a
    thread, paused once `pause_in` (a function of the enrollment service) has run; `erase` in
    another meanwhile; both let finish. What either raised."""
    template = random_template(me.pk)
    if again:
        activate_cameo(me, template)
    now = timezone.now()
    challenge = EnrollmentChallenge.objects.create(
        user=me, steps=["center"], used_at=now, expires_at=now + dt.timedelta(minutes=1)
    )
    enrollment = Enrollment.objects.create(user=me, challenge=challenge)
    verdict = SimpleNamespace(references=[], template=template, reason="ok")

    pause = races.pause_in(monkeypatch, services, pause_in, after=True, thread="accept")
    return races.second_while_first_pauses(
        lambda: services._accept(enrollment, verdict, None, searched_at=now),
        erase,
        pause,
        names=("accept", "erase"),
    )


@pytest.mark.postgres
@pytest.mark.parametrize("again", [False, True], ids=["first enrollment", "enrolling again"])
def test_an_enrollment_accepted_while_its_person_erases_their_account_is_no_deadlock(
    again, me, activate_cameo, monkeypatch
):
    """The worker accepts my enrollment: it marked the enrollment accepted, then creates or updates my
    cameo. My erasure at that moment held my cameo and account rows (accounts.services.people_hold),
    then cancels or deletes my enrollments: it waited for the acceptance, which waited for my cameo
    row, or for my account row to create one (on PostgreSQL a deadlock, one of the two answered with
    an error). The acceptance now holds me first, as the erasure does."""
    erase = lambda: accounts.account_erase(user=User.objects.get(pk=me.pk))  # noqa: E731
    # Paused once the enrollment is marked accepted (its upload then goes after the commit).
    errors = _accepted_while(erase, me, "delete_after_commit", again, activate_cameo, monkeypatch)

    assert errors == []
    assert not User.objects.filter(pk=me.pk).exists()
    assert not Cameo.objects.exists() and not Enrollment.objects.exists()


@pytest.mark.postgres
def test_my_enrollment_accepted_while_i_delete_my_cameo_is_no_deadlock(me, activate_cameo, monkeypatch):
    """The acceptance holds me (my cameo row), then marks the enrollment accepted; deleting my cameo at
    that moment cancelled my enrollments still being checked (that one's row), then waited for my
    cameo row: a deadlock on PostgreSQL. The deletion now holds my cameo row first."""
    erase = lambda: cameos.cameo_delete(owner=User.objects.get(pk=me.pk))  # noqa: E731
    errors = _accepted_while(erase, me, "people_hold", True, activate_cameo, monkeypatch)

    assert errors == []
    assert not Cameo.objects.exists()


@pytest.mark.postgres
def test_an_enrollment_refused_as_someone_elses_face_while_its_person_erases_their_account_is_no_deadlock(
    me, make_user, activate_cameo, monkeypatch
):
    """The worker refuses my enrollment (the face is another account's cameo): it marked the
    enrollment refused, then logs the conflict for review (a row naming my account). My erasure at
    that moment held my account row, then deletes my enrollments: it waited for the refusal, which
    waited for my account row (on PostgreSQL a deadlock, one of the two answered with an error). The
    refusal now holds me first, as the acceptance does."""
    other = make_user("the.other")
    cameo = activate_cameo(other)
    now = timezone.now()
    challenge = EnrollmentChallenge.objects.create(
        user=me, steps=["center"], used_at=now, expires_at=now + dt.timedelta(minutes=1)
    )
    enrollment = Enrollment.objects.create(user=me, challenge=challenge)
    match = SimpleNamespace(cameo_id=cameo.pk, similarity=0.99)

    # once the enrollment's row is marked refused, held
    pause = races.pause_in(monkeypatch, services, "delete_after_commit", after=True, thread="refuse")
    errors = races.second_while_first_pauses(
        lambda: services._refuse_duplicate(enrollment, [match]),
        lambda: accounts.account_erase(user=User.objects.get(pk=me.pk)),
        pause,
        names=("refuse", "erase"),
    )

    assert errors == []
    assert not User.objects.filter(pk=me.pk).exists() and not Enrollment.objects.filter(user_id=me.pk).exists()


def test_an_enrollment_refused_as_someone_elses_face_after_its_person_erased_their_account_logs_nothing(
    me, make_user, activate_cameo
):
    """The other order of the race above: the erasure commits first, while the worker compares the
    face. The refusal then holds no one, and logged the conflict anyway, a row naming the erased
    account and its deleted enrollment: its transaction failed at commit and the task with it."""
    from cameos.models import IdentityConflict

    cameo = activate_cameo(make_user("the.other"))
    now = timezone.now()
    challenge = EnrollmentChallenge.objects.create(
        user=me, steps=["center"], used_at=now, expires_at=now + dt.timedelta(minutes=1)
    )
    enrollment = Enrollment.objects.create(user=me, challenge=challenge)
    accounts.account_erase(user=User.objects.get(pk=me.pk))

    services._refuse_duplicate(enrollment, [SimpleNamespace(cameo_id=cameo.pk, similarity=0.99)])

    assert not IdentityConflict.objects.exists() and not Enrollment.objects.filter(user_id=me.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "pause_in", ["people_hold", "delete_after_commit"], ids=["erased before it is held", "erased once refused"]
)
def test_an_enrollment_refused_as_someone_elses_face_while_that_someone_erases_their_account_is_refused(
    pause_in, me, make_user, activate_cameo, monkeypatch
):
    """The worker refuses my enrollment (the face is another account's cameo) and logs the conflict, a
    row naming that account, while its owner erases it. Before, the other account was not held: the
    erasure committed first, the conflict failed its foreign key check at commit, and the refusal
    with it (I waited for my enrollment to time out). Now the refusal holds that account as the
    conflict would: its erasure waits and takes the conflict with it, or comes first and nothing is
    logged; either way my enrollment is refused, saying why."""
    other = make_user("the.other")
    cameo = activate_cameo(other)
    now = timezone.now()
    challenge = EnrollmentChallenge.objects.create(
        user=me, steps=["center"], used_at=now, expires_at=now + dt.timedelta(minutes=1)
    )
    enrollment = Enrollment.objects.create(user=me, challenge=challenge)
    match = SimpleNamespace(cameo_id=cameo.pk, similarity=0.99)

    # me held; or the enrollment's row marked refused
    pause = races.pause_in(monkeypatch, services, pause_in, after=True, thread="refuse")
    errors = races.second_while_first_pauses(
        lambda: services._refuse_duplicate(enrollment, [match]),
        lambda: accounts.account_erase(user=User.objects.get(pk=other.pk)),
        pause,
        names=("refuse", "erase"),
    )

    assert errors == []
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.reason_code) == (Enrollment.Status.REJECTED, "duplicate_identity")
    assert not User.objects.filter(pk=other.pk).exists() and not IdentityConflict.objects.exists()
