"""A restriction the person adds ends the signed media URLs of others' drafts of them at once, as a
withdrawal of consent does (tests/moderation/test_draft_media_withdrawn.py), not when generation's
recheck of the rules deletes those that break it; the recheck serves the others again."""

import pytest
from django.test import Client

from cameos import services as cameos
from feed.models import Video
from tests.enroll import approve

pytestmark = pytest.mark.usefixtures("c2pa_dev_dir")

URL = "/api/v1/generations"


def draft_of(api, prompt, capture):  # type: ignore[no-untyped-def]
    """A ready job's draft, the worker run in-process: its id and signed media and poster URLs."""
    with capture(execute=True):
        job_id = api.post(URL, {"prompt": prompt, "duration_s": 2}, format="json").json()["id"]
    video_id = api.get(f"{URL}/{job_id}").json()["video"]["id"]
    body = api.get(f"/api/v1/videos/{video_id}").json()
    return video_id, [body["media_url"], body["poster_url"]]


def served(links):  # type: ignore[no-untyped-def]
    return [Client().get(link).status_code for link in links]


def test_a_new_restriction_ends_others_draft_urls_at_once_and_the_recheck_serves_those_that_keep_it(
    api, me, make_user, enroll, client_of, make_video, django_capture_on_commit_callbacks
):
    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    beers, beer_links = draft_of(api, "@ria chugging beers at a bar", django_capture_on_commit_callbacks)
    hike, hike_links = draft_of(api, "@ria hiking up a mountain at dawn", django_capture_on_commit_callbacks)
    own = make_video(ria, publish=False, people=(ria,))
    own_body = client_of(ria).get(f"/api/v1/videos/{own.pk}").json()
    own_links = [own_body["media_url"], own_body["poster_url"]]
    assert served(beer_links) == served(hike_links) == [200, 200]

    with django_capture_on_commit_callbacks(execute=False) as recheck:  # queued, the worker not there yet
        response = client_of(ria).patch("/api/v1/cameo", {"restrictions": ["no drinking"]}, format="json")
    assert response.status_code == 200

    assert Video.objects.filter(pk__in=[beers, hike]).count() == 2  # the recheck has not run
    assert served(beer_links) == served(hike_links) == [404, 404]
    assert served(own_links) == [200, 200]  # her own draft of herself
    for callback in recheck:  # the worker reads the rule by meaning
        callback()
    assert not Video.objects.filter(pk=beers).exists() and served(beer_links) == [404, 404]
    assert served(hike_links) == [200, 200]  # breaks no rule of hers


def test_a_consent_cascade_that_finds_the_author_allowed_does_not_serve_a_draft_the_rules_recheck_has_not_read(
    api, me, make_user, enroll, client_of, django_capture_on_commit_callbacks
):
    ria = make_user("ria")
    enroll(ria, "astronaut", audience="approved")
    approve(ria, me)
    cameos.cameo_update(owner=ria, audience="everyone")
    beers, beer_links = draft_of(api, "@ria chugging beers at a bar", django_capture_on_commit_callbacks)
    hike, hike_links = draft_of(api, "@ria hiking up a mountain at dawn", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=False) as recheck:
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    with django_capture_on_commit_callbacks(execute=False) as cascade:
        cameos.cameo_update(owner=ria, audience="approved")  # I am still allowed: she approved me
    for callback in cascade:
        callback()

    assert Video.objects.filter(pk__in=[beers, hike]).count() == 2
    assert served(beer_links) == served(hike_links) == [404, 404]  # her rule is still to be read
    for callback in recheck:
        callback()
    assert not Video.objects.filter(pk=beers).exists()
    assert served(hike_links) == [200, 200]


def test_the_rules_recheck_does_not_serve_a_draft_whose_author_lost_consent_meanwhile(
    api, me, make_user, enroll, client_of, django_capture_on_commit_callbacks
):
    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    hike, hike_links = draft_of(api, "@ria hiking up a mountain at dawn", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=False) as recheck:
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    assert served(hike_links) == [404, 404]
    with django_capture_on_commit_callbacks(execute=False) as cascade:
        cameos.cameo_update(owner=ria, audience="only_me")
    for callback in recheck:  # the draft breaks no rule, but I may no longer show her
        callback()

    assert served(hike_links) == [404, 404]
    for callback in cascade:
        callback()
    assert not Video.objects.filter(pk=hike).exists()


def test_a_draft_whose_author_loses_and_regains_access_around_the_rules_recheck_is_served_again(
    api, me, make_user, enroll, django_capture_on_commit_callbacks
):
    """Ria adds a rule, then narrows her audience; the rules' recheck runs while the author may not
    show her, she opens her audience again, then the consent cascade runs and finds the author
    allowed: the draft, which breaks no rule, is served again. Before, the rules' mark stayed, as the
    recheck left it for an author not allowed and the cascade settles only its own marks: the draft's
    URLs were a 404 for good."""
    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    draft, links = draft_of(api, "@ria hiking up a mountain at dawn", django_capture_on_commit_callbacks)
    assert served(links) == [200, 200]
    with django_capture_on_commit_callbacks(execute=False) as recheck:
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    with django_capture_on_commit_callbacks(execute=False) as cascade:
        cameos.cameo_update(owner=ria, audience="only_me")
    assert served(links) == [404, 404]
    for callback in recheck:  # the author may not show her now
        callback()
    cameos.cameo_update(owner=ria, audience="everyone")  # she changes her mind: widening queues nothing
    for callback in cascade:  # finds the author allowed
        callback()
    assert Video.objects.filter(pk=draft).exists()
    assert served(links) == [200, 200]


def test_a_rules_recheck_cut_short_has_served_the_drafts_it_passed(
    api, me, make_user, enroll, client_of, monkeypatch, django_capture_on_commit_callbacks
):
    """The recheck reads rules by meaning (a quarter of a second a job): one cut short by its time
    limit, or by a lost connection, has served again the drafts of the jobs it passed before. Before,
    it served them only at its very end: cut short, every draft of the person stayed a 404."""
    from generation import services as gen_services
    from moderation import consent
    from tests.faults import FailsOnce

    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    _, hike_links = draft_of(api, "@ria hiking up a mountain at dawn", django_capture_on_commit_callbacks)
    _, swim_links = draft_of(api, "@ria swimming in a lake", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    assert served(hike_links) == served(swim_links) == [404, 404]

    monkeypatch.setattr(gen_services, "_RECHECK_CHUNK", 1)
    monkeypatch.setattr(consent, "check", FailsOnce(consent.check, TimeoutError("the task's soft time limit"), at=2))
    with pytest.raises(TimeoutError):
        gen_services.jobs_recheck_restrictions(owner_id=ria.pk)
    assert sorted([served(hike_links), served(swim_links)]) == [[200, 200], [404, 404]]


def test_a_rule_added_while_the_recheck_runs_leaves_the_drafts_to_that_rules_own_recheck(
    api, me, make_user, enroll, monkeypatch, django_capture_on_commit_callbacks
):
    """Ria adds "no hiking" just after the "no drinking" recheck has checked my hiking draft: that
    recheck, which did not read the new rule, serves nothing; the new rule's own recheck deletes the
    draft. Served in between, it would have shown her breaking her rule."""
    from generation import services as gen_services
    from moderation import consent

    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    hike, hike_links = draft_of(api, "@ria hiking up a mountain at dawn", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    check, later = consent.check, []

    def a_rule_just_after(*args, **kwargs):  # type: ignore[no-untyped-def]
        decision = check(*args, **kwargs)
        if not later:
            with django_capture_on_commit_callbacks(execute=False) as queued:
                cameos.cameo_update(owner=ria, restrictions=["no drinking", "no hiking"])
            later.extend(queued)
        return decision

    monkeypatch.setattr(consent, "check", a_rule_just_after)
    gen_services.jobs_recheck_restrictions(owner_id=ria.pk)
    assert served(hike_links) == [404, 404]
    monkeypatch.setattr(consent, "check", check)
    for callback in later:  # the new rule's recheck
        callback()
    assert not Video.objects.filter(pk=hike).exists()


def test_a_rules_recheck_cut_short_by_its_time_limit_queues_the_rest_and_serves_every_draft_that_keeps_them(
    api, me, make_user, enroll, client_of, monkeypatch, django_capture_on_commit_callbacks
):
    """The task cut short by its soft time limit after its first chunk of jobs queues a run for the
    jobs after it (the worker here in-process): every draft that breaks no rule is served again.
    Before, the drafts of the jobs it had not reached stayed a 404 until a publish queued the recheck
    again, as the task was not retried."""
    from celery.exceptions import SoftTimeLimitExceeded

    from generation import services as gen_services
    from generation.tasks import recheck_restrictions
    from moderation import consent
    from tests.faults import FailsOnce

    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    _, hike_links = draft_of(api, "@ria hiking up a mountain at dawn", django_capture_on_commit_callbacks)
    _, swim_links = draft_of(api, "@ria swimming in a lake", django_capture_on_commit_callbacks)
    beers, beer_links = draft_of(api, "@ria chugging beers at a bar", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    assert served(hike_links) == served(swim_links) == served(beer_links) == [404, 404]

    monkeypatch.setattr(gen_services, "_RECHECK_CHUNK", 1)
    check = FailsOnce(consent.check, SoftTimeLimitExceeded(), at=2)  # in the second chunk
    monkeypatch.setattr(consent, "check", check)
    recheck_restrictions.delay(owner_id=ria.pk)

    assert check.calls == 4  # the second job checked again by the run the first queued
    assert served(hike_links) == served(swim_links) == [200, 200]
    assert not Video.objects.filter(pk=beers).exists() and served(beer_links) == [404, 404]


def test_a_draft_with_no_job_behind_it_is_not_served_again_by_the_rules_recheck(
    make_user, activate_cameo, make_video, client_of, django_capture_on_commit_callbacks
):
    """A draft the recheck finds no unpublished job for (made outside generation: an import, a
    fixture) has no prompt to read Ria's new rule against: it stays unserved, to its author and to
    her, until one of them deletes it. Before, the recheck's last step served it again with only
    the author's access checked: a draft of her drinking, after she said "no drinking"."""
    ria, maker = make_user("ria"), make_user("maker")
    activate_cameo(ria, audience="everyone")
    draft = make_video(maker, publish=False, people=(ria,), prompt="ria chugging beers at a bar")
    body = client_of(maker).get(f"/api/v1/videos/{draft.pk}").json()
    links = [body["media_url"], body["poster_url"]]
    assert served(links) == [200, 200]
    with django_capture_on_commit_callbacks(execute=False) as recheck:
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    assert served(links) == [404, 404]
    for callback in recheck:
        callback()
    assert served(links) == [404, 404]
    assert Video.objects.filter(pk=draft.pk).exists()  # hers and the author's to delete


def test_the_rules_recheck_reads_a_draft_whose_job_the_index_does_not_name_her_in(
    api, me, make_user, enroll, django_capture_on_commit_callbacks
):
    """The recheck finds the jobs of the others' drafts that show Ria by the drafts too, not only by
    the cascade's index (generation.JobPerson): a job whose index rows miss her (none written, or
    gone) has its draft read against her rule and deleted if it breaks it. Before, it was served
    again unread, as a draft no chunk had settled."""
    from generation.models import JobPerson

    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    beers, beer_links = draft_of(api, "@ria chugging beers at a bar", django_capture_on_commit_callbacks)
    JobPerson.objects.filter(person_id=ria.pk).delete()
    with django_capture_on_commit_callbacks(execute=False) as recheck:
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    for callback in recheck:
        callback()
    assert not Video.objects.filter(pk=beers).exists()
    assert served(beer_links) == [404, 404]
