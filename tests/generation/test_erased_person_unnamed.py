"""Erasing an account takes the person out of everyone else's jobs: a job keeps its record (the
cameos it used, the consent decision, whom it showed) with their place in it, but neither their id
nor their handle, which a stranger may take the next day. The author's job, export and notifications
show nothing of them but the prompt they wrote themselves."""

import importlib
import json

import pytest
from django.apps import apps

from accounts import services as accounts
from accounts.models import Notification, User
from cameos import services as cameos
from generation import services
from generation.models import GenerationJob, JobPerson
from moderation import consent
from tests.enroll import approve

pytestmark = pytest.mark.usefixtures("c2pa_dev_dir")
migration = importlib.import_module("generation.migrations.0006_forget_erased_people")

URL = "/api/v1/generations"
HER = "astro.owner"
GRANTED = {"source": "mention", "verdict": "allowed", "reason": "granted", "detail": "They approved you."}
WITHDRAWN = {
    "handle": None,
    "source": "mention",
    "verdict": "refused",
    "reason": "consent_withdrawn",
    "detail": "This person no longer allows you.",
}


def submit(api, prompt):  # type: ignore[no-untyped-def]
    response = api.post(URL, {"prompt": prompt, "duration_s": 2}, format="json")
    assert response.status_code == 202
    return response.json()["id"]


def legacy_job(author, person_id):  # type: ignore[no-untyped-def]
    """A job stored before decisions recorded whose each subject is (no `subject_ids`): the person
    is found by the handle its cameos give."""
    return GenerationJob.objects.create(
        author=author,
        prompt=f"@{HER} waves",
        duration_s=2,
        seed=1,
        status="failed",
        consent={"allowed": True, "stage": "submit", "subjects": [{"handle": HER, **GRANTED}]},
        cameos=[{"user_id": person_id, "handle": HER}],
        people=[person_id],
    )


def names(job, person_id):  # type: ignore[no-untyped-def]
    """Whether the stored job holds the person's id or handle anywhere in its record."""
    job.refresh_from_db()
    ids = {*job.people, *(c["user_id"] for c in job.cameos), *(job.consent.get("subject_ids") or [])}
    return person_id in ids or HER in json.dumps([job.consent, job.cameos, job.people])


def without_prompts(body):  # type: ignore[no-untyped-def]
    """A job body as text, but the prompt its author wrote (their words stay as written)."""
    return json.dumps({k: v for k, v in body.items() if k != "prompt"})


def test_after_she_erases_her_account_my_jobs_export_and_notifications_name_her_no_more(
    api, me, client_of, make_user, enroll, django_capture_on_commit_callbacks
):
    her = make_user(HER)
    enroll(her, "astronaut", audience="approved")
    enroll(me, "hopper", audience="approved")
    approve(her, me)
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs in-process
        published = submit(api, f"@{HER} surfing at sunset")
    assert api.post(f"{URL}/{published}/publish", {"caption": "surf"}, format="json").status_code == 200
    queued = submit(api, f"@{HER} juggling")  # not run: still queued when she leaves
    old = str(legacy_job(me, her.pk).pk)
    cameos.grant_request(requester=her, owner=me)  # I am told "@astro.owner asked"
    before = {job: api.get(f"{URL}/{job}").json() for job in (published, queued, old)}
    assert before[published]["cameos"] == [HER] and before[old]["subjects"] == [{"handle": HER, **GRANTED}]
    assert [n["data"] for n in api.get("/api/v1/notifications").json()["results"]] == [{"handle": HER}]
    mine = list(GenerationJob.objects.filter(author=me))
    assert all(names(job, her.pk) for job in mine)

    with django_capture_on_commit_callbacks(execute=True):  # the consent cascade runs after the commit
        assert client_of(her).delete("/api/v1/me").status_code == 204
    make_user(HER)  # a stranger takes her handle

    after = {job: api.get(f"{URL}/{job}").json() for job in (published, queued, old)}
    assert not any(HER in without_prompts(body) for body in after.values())
    # Her place in each record stays: a subject and its verdict, with no handle.
    assert after[published]["subjects"] == [{**s, "handle": None} for s in before[published]["subjects"]]
    assert after[published]["cameos"] == [] and after[published]["status"] == "published"
    assert (after[queued]["status"], after[queued]["error"]["code"]) == ("blocked", "consent_withdrawn")
    assert after[queued]["subjects"] == [WITHDRAWN]
    assert after[old]["subjects"] == [{"handle": None, **GRANTED}]
    export = api.get("/api/v1/me/export").json()
    assert {job["id"] for job in export["generations"]} == {published, queued, old}
    export["generations"] = [json.loads(without_prompts(job)) for job in export["generations"]]
    assert HER not in json.dumps(export)
    assert api.get("/api/v1/notifications").json()["results"] == []
    # The rows: no job of mine, no index row, no notification holds her id or her handle.
    assert not any(names(job, her.pk) for job in mine)
    assert not JobPerson.objects.filter(person_id=her.pk).exists()
    assert not Notification.objects.filter(about_id=her.pk).exists()
    assert not any(HER in json.dumps(data) for data in Notification.objects.values_list("data", flat=True))


def test_a_refusal_the_worker_decided_before_she_left_is_stored_without_her(me, make_user):
    her = make_user(HER)
    job = GenerationJob.objects.create(author=me, prompt="two people dancing", duration_s=2, seed=1, status="scanning")
    decision = {
        "allowed": False,
        "stage": "output",
        "subjects": [{"handle": HER, **GRANTED}, {**WITHDRAWN, "source": "output_face"}],
        "subject_ids": [her.pk, None],
    }
    User.objects.filter(pk=her.pk).delete()  # she was erased while the scan decided

    assert services.job_block(job.pk, reason="Not allowed.", decision=decision)

    job.refresh_from_db()
    assert job.consent["subjects"] == [{"handle": None, **GRANTED}, decision["subjects"][1]]
    assert job.consent["subject_ids"] == [None, None]


def test_jobs_stored_before_this_forget_people_erased_then(api, me, make_user):
    her, friend = make_user(HER), make_user("still.here")
    old = legacy_job(me, her.pk)
    newer = GenerationJob.objects.create(
        author=me,
        prompt=f"@{HER} and @still.here at the beach",
        duration_s=2,
        seed=1,
        status="published",
        consent={
            "allowed": True,
            "stage": "output",
            "subjects": [{"handle": HER, **GRANTED}, {"handle": "still.here", **GRANTED}],
            "subject_ids": [her.pk, friend.pk],
        },
        cameos=[{"user_id": her.pk, "handle": HER}, {"user_id": friend.pk, "handle": "still.here"}],
        people=[her.pk, friend.pk],
    )
    User.objects.filter(pk=her.pk).delete()  # erased by a version that left her in others' jobs
    make_user(HER)  # and her handle is someone else's
    assert api.get(f"{URL}/{old.pk}").json()["subjects"] == [{"handle": HER, **GRANTED}]

    migration.forget_erased_people(apps, None)

    assert not names(old, her.pk) and not names(newer, her.pk)
    assert api.get(f"{URL}/{old.pk}").json()["subjects"] == [{"handle": None, **GRANTED}]
    assert newer.consent["subjects"] == [{"handle": None, **GRANTED}, {"handle": "still.here", **GRANTED}]
    assert newer.consent["subject_ids"] == [None, friend.pk]
    assert newer.cameos == [{"user_id": None, "handle": None}, {"user_id": friend.pk, "handle": "still.here"}]
    assert newer.people == [friend.pk]
    assert api.get(f"{URL}/{newer.pk}").json()["cameos"] == ["still.here"]


def test_a_job_whose_gate_decided_just_before_she_erased_her_account_names_her_no_more(
    api, me, client_of, make_user, enroll, monkeypatch, django_capture_on_commit_callbacks
):
    """My submit's gate allowed her, then her erasure committed before my job was stored: the
    erasure's sweep of others' jobs could not see it. The job is stored as that sweep and the
    cascade after it would have left it: blocked, her place in it kept with neither id nor handle."""
    her = make_user(HER)
    enroll(her, "astronaut", audience="approved")
    approve(her, me)
    real_check = consent.check

    def check_then_she_leaves(*args, **kwargs):  # type: ignore[no-untyped-def]
        decision = real_check(*args, **kwargs)
        monkeypatch.setattr(consent, "check", real_check)
        accounts.account_erase(user=User.objects.get(pk=her.pk))
        return decision

    monkeypatch.setattr(consent, "check", check_then_she_leaves)
    with django_capture_on_commit_callbacks(execute=True):  # the worker and the cascade run in-process
        job_id = submit(api, f"@{HER} juggling")
    assert not User.objects.filter(pk=her.pk).exists()
    make_user(HER)  # a stranger takes her handle

    body = api.get(f"{URL}/{job_id}").json()
    assert (body["status"], body["error"]["code"]) == ("blocked", "consent_withdrawn")
    assert body["subjects"] == [WITHDRAWN] and body["cameos"] == []
    assert not names(GenerationJob.objects.get(pk=job_id), her.pk)
    assert not JobPerson.objects.filter(person_id=her.pk).exists()
