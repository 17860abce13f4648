"""Consent taken back between the output scan and the draft being kept: the scan decides without
holding anyone's consent (it takes a while), and the consent cascade (and the recheck of a new rule)
cannot find a face the scan found until the job's people are recorded when the draft is kept. So
keeping the draft asks again, with the cameo rows of everyone the video shows held: the job is blocked,
nothing of it is kept, and the audit log says why."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import services as accounts
from accounts.models import User
from cameos import services as cameos
from cameos.models import CameoGrant
from feed.models import Video
from generation import services
from generation.models import GenerationJob, JobPerson
from moderation.models import AuditEvent
from tests.cameos.test_enrollment_api import files_under
from tests.enroll import approve
from tests.media import rendered

pytestmark = pytest.mark.django_db(transaction=True)

# How a person found in the video stops allowing its author, after the scan allowed it.
TAKEN_BACK = {
    "nothing": lambda owner, me: None,
    "grant revoked": lambda owner, me: cameos.grant_revoke(owner=owner, grant_id=CameoGrant.objects.get(grantee=me).pk),
    "author blocked": lambda owner, me: accounts.block_create(blocker=owner, blocked=me),
    "cameo deleted": lambda owner, me: cameos.cameo_delete(owner=owner),
    "account erased": lambda owner, me: accounts.account_erase(user=owner),
    "rule set": lambda owner, me: cameos.cameo_update(owner=owner, restrictions=["no beaches"]),
    # Read by meaning only: no word of the rule is in the prompt ("two people at a beach in bikinis").
    "rule set, by meaning": lambda owner, me: cameos.cameo_update(owner=owner, restrictions=["no swimwear"]),
}


def finish(job: GenerationJob, *, detected: dict[int, float]) -> Any:
    return services.job_finish(job.pk, **rendered(detected=detected, decision={"allowed": True}))


@pytest.mark.parametrize("taken_back", TAKEN_BACK)
def test_a_face_the_scan_found_whose_consent_went_meanwhile_blocks_the_job(
    taken_back, me, make_user, enroll, settings, django_capture_on_commit_callbacks
):
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    approve(owner, me)
    job = GenerationJob.objects.create(
        author=me, prompt="two people at a beach in bikinis", duration_s=2, seed=1, status="scanning"
    )
    with django_capture_on_commit_callbacks(execute=True):
        TAKEN_BACK[taken_back](owner, me)

    video = finish(job, detected={owner.pk: 0.91})

    job.refresh_from_db()
    if taken_back == "nothing":  # the control: she still allows me, the draft is kept
        assert video is not None and job.status == "ready" and job.video_id == video.pk
        assert JobPerson.objects.filter(job=job, person_id=owner.pk).exists()
        assert len(files_under(settings, "videos")) == 2
        assert not AuditEvent.objects.filter(kind="consent_withdrawn").exists()
        return
    assert video is None
    assert (job.status, job.error_code, job.error) == ("blocked", "consent_withdrawn", services.WITHDRAWN)
    assert not Video.objects.exists() and not JobPerson.objects.filter(person_id=owner.pk).exists()
    assert files_under(settings, "videos") == []  # stored before the transaction, deleted when it kept nothing
    assert User.objects.filter(pk=me.pk).exists()
    event = AuditEvent.objects.get(kind="consent_withdrawn", object_id=str(job.pk))
    assert event.subject_id == owner.pk and event.data["reason"] == "before_draft_kept"
    assert [(s["handle"], s["verdict"]) for s in job.consent["subjects"]] == [(None, "refused")]
    # An erased person is recorded refused by no id (their account and its id are gone).
    assert job.consent["subject_ids"] == [None if taken_back == "account erased" else owner.pk]


def test_the_author_found_in_their_own_video_needs_no_one_else(me, enroll, settings):
    enroll(me, "astronaut")
    job = GenerationJob.objects.create(author=me, prompt="me at a beach", duration_s=2, seed=1, status="scanning")

    video = finish(job, detected={me.pk: 0.95})

    job.refresh_from_db()
    assert video is not None and job.status == "ready"
