"""I delete my cameo with every video of me while someone I approved, who made one of them, erases
their account: both are answered; so are two people who approved each other erasing their accounts at
once. My deletion holds my cameo row, deletes it with its grants (theirs
among them), then holds the jobs of the videos of me; their erasure holds their cameo row, their jobs
(the one of their video of me), their account row, and deleted the grants naming them last: it waited
for my deletion at their grant, and my deletion for it at their job (on PostgreSQL a deadlock, one of
the two answered 500; found by tests/generation/test_consent_stress.py). Two erasures each deleted
their own cameo's grants, then the grant naming them on the other's. An erasure now holds the grants
of the person's cameo and naming them, in one id order, right after their cameo row. Two threads, each with its
own database connection, against committed data."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import services as accounts
from accounts.models import User
from cameos.models import Cameo, CameoGrant
from cameos.services import access
from feed.models import Video
from tests.enroll import approve
from tests.generation.test_publish_race import a_job_of
from tests.races import pause_in, second_while_first_pauses, while_erasing_paused_at_the_end

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_deleting_my_cameo_and_its_videos_while_someone_i_approved_erases_their_account_answers_both(
    me, make_user, make_video, client_of, activate_cameo, monkeypatch
):
    activate_cameo(me)  # open to approved people
    maker = make_user("video.maker")
    approve(me, maker)
    video = make_video(maker, people=(me,))
    a_job_of(video)

    # My deletion pauses once my cameo and its grants are deleted, before it holds the videos' jobs.
    pause = pause_in(monkeypatch, access, "possible_matches_forget", after=True, thread="delete")
    answer: list[Any] = []
    errors = second_while_first_pauses(
        lambda: answer.append(client_of(me).delete("/api/v1/cameo?appearances=delete")),
        lambda: accounts.account_erase(user=User.objects.get(pk=maker.pk)),
        pause,
        names=("delete", "erase"),
    )

    assert errors == []
    assert answer[0].status_code == 204, answer[0].content[:300]
    assert not Cameo.objects.filter(owner=me).exists() and not CameoGrant.objects.exists()
    assert not User.objects.filter(pk=maker.pk).exists() and not Video.objects.filter(pk=video.pk).exists()


def test_two_people_who_approved_each_other_erasing_their_accounts_at_once_are_both_erased(
    me, make_user, activate_cameo
):
    other = make_user("the.other")
    activate_cameo(me)
    activate_cameo(other)
    approve(me, other)
    approve(other, me)
    # my cameo and its grants deleted, my account not yet
    errors = while_erasing_paused_at_the_end(
        me, lambda: accounts.account_erase(user=User.objects.get(pk=other.pk)), names=("erase", "other")
    )

    assert errors == []
    assert not User.objects.filter(pk__in=[me.pk, other.pk]).exists()
    assert not CameoGrant.objects.exists()
