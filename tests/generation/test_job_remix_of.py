"""A job's `remix_of` names the video it remixes only while its author may open that video, as every
video body does: published and by no one in a block with them; their own draft too (theirs to open).
Never a video hidden or taken down, nor one whose author is in a block with them (a 404 to them)."""

import pytest

from accounts import services as accounts_services
from feed import services as feed_services

pytestmark = pytest.mark.django_db

URL = "/api/v1/generations"


def remix(api, source):  # type: ignore[no-untyped-def]
    response = api.post(URL, {"prompt": "the same, at night", "duration_s": 2, "remix_of": source.pk}, format="json")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def remix_of(api, job_id):  # type: ignore[no-untyped-def]
    """The job's `remix_of` in its own body and in the list of my jobs."""
    listed = [j["remix_of"] for j in api.get(URL).json()["results"] if j["id"] == job_id]
    return api.get(f"{URL}/{job_id}").json()["remix_of"], listed


@pytest.mark.parametrize("who_blocks", ["I block the source's author", "the source's author blocks me"])
def test_a_jobs_remix_of_is_null_once_the_source_is_a_404_to_its_author(api, me, other, make_video, who_blocks):
    source = make_video(other)
    job = remix(api, source)
    assert remix_of(api, job) == (source.pk, [source.pk])

    if who_blocks.startswith("I"):
        accounts_services.block_create(blocker=me, blocked=other)
    else:
        accounts_services.block_create(blocker=other, blocked=me)
    assert api.get(f"/api/v1/videos/{source.pk}").status_code == 404
    assert remix_of(api, job) == (None, [None])

    accounts_services.block_delete(blocker=me, blocked=other)
    accounts_services.block_delete(blocker=other, blocked=me)
    assert remix_of(api, job) == (source.pk, [source.pk])


def test_a_jobs_remix_of_is_null_while_its_source_is_hidden_or_taken_down(api, other, make_video):
    source = make_video(other)
    job = remix(api, source)

    feed_services.video_hide(video=source, reason="takedown request TD-1")
    assert remix_of(api, job) == (None, [None])
    feed_services.video_unhide(video=source)
    assert remix_of(api, job) == (source.pk, [source.pk])
    feed_services.video_take_down(video=source, reason="moderation")
    assert remix_of(api, job) == (None, [None])


def test_a_job_remixing_my_own_draft_names_it_to_me(api, me, make_video):
    """My draft is mine to open (GET /videos/{id}): the job I made from it says which it was."""
    draft = make_video(me, publish=False)
    job = remix(api, draft)
    assert remix_of(api, job) == (draft.pk, [draft.pk])

    feed_services.video_take_down(video=draft, reason="moderation")  # removed: on no page, mine included
    assert remix_of(api, job) == (None, [None])


@pytest.mark.django_db(transaction=True)  # the job's link to the video is checked when it commits
def test_a_remix_of_a_video_its_author_deletes_while_it_is_submitted_is_a_404(api, me, other, make_video, monkeypatch):
    """Found by a second reader: the video was checked, then deleted by its author before the job was
    stored; the job's link to it failed at commit, and the submit answered 500."""
    from generation import services
    from generation.models import GenerationJob

    source = make_video(other)
    check = services.consent.check

    def check_then_the_author_deletes_it(*args, **kwargs):  # type: ignore[no-untyped-def]
        decision = check(*args, **kwargs)
        feed_services.video_delete(video=source, by=other)
        return decision

    monkeypatch.setattr(services.consent, "check", check_then_the_author_deletes_it)
    response = api.post(URL, {"prompt": "the same, at night", "duration_s": 2, "remix_of": source.pk}, format="json")
    assert response.status_code == 404, response.content
    assert response.json() == {"error": "not_found", "detail": "This video does not exist."}
    assert not GenerationJob.objects.exists()
