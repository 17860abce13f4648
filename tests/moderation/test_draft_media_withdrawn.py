"""A draft's signed media URL dies the moment consent to show someone in it is withdrawn (a revoked
grant, a deleted cameo, a narrowed audience, an erased account), not seconds later when the consent
cascade deletes the draft; a draft whose author is still allowed is served again once the cascade has
said so. A restriction added marks them too (tests/generation/test_draft_media_restricted.py)."""

from django.test import Client

from cameos import services as cameos
from feed.models import Video


def grant(owner, grantee):  # type: ignore[no-untyped-def]
    request = cameos.grant_request(requester=grantee, owner=owner)
    return cameos.grant_decide(owner=owner, grant_id=request.pk, approve=True)


def urls(client, video):  # type: ignore[no-untyped-def]
    """The draft's signed media and poster URLs, as its author's client gets them."""
    body = client.get(f"/api/v1/videos/{video.pk}").json()
    return [body["media_url"], body["poster_url"]]


def served(links):  # type: ignore[no-untyped-def]
    return [Client().get(link).status_code for link in links]


def test_revoking_a_grant_ends_the_grantees_draft_urls_before_the_cascade_runs(
    make_user, activate_cameo, make_video, client_of, django_capture_on_commit_callbacks
):
    owner, friend, other = make_user("owner"), make_user("friend"), make_user("other")
    activate_cameo(owner, audience="approved")
    approval = grant(owner, friend)
    grant(owner, other)
    draft = make_video(friend, publish=False, people=(owner,))
    kept = make_video(other, publish=False, people=(owner,))
    links, kept_links = urls(client_of(friend), draft), urls(client_of(other), kept)
    assert served(links) == served(kept_links) == [200, 200]

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        assert client_of(owner).delete(f"/api/v1/cameo/grants/{approval.pk}").status_code == 204

    assert Video.objects.filter(pk=draft.pk).exists()  # the cascade has not run yet
    assert served(links) == [404, 404]
    assert served(kept_links) == [200, 200]  # another grantee's draft is untouched
    for callback in after_commit:
        callback()
    assert not Video.objects.filter(pk=draft.pk).exists()
    assert served(links) == [404, 404]


def test_deleting_my_cameo_ends_others_draft_urls_at_once(
    make_user, activate_cameo, make_video, client_of, django_capture_on_commit_callbacks
):
    owner, friend = make_user("owner"), make_user("friend")
    activate_cameo(owner, audience="everyone")
    draft = make_video(friend, publish=False, people=(owner,))
    own = make_video(owner, publish=False, people=(owner,))
    links, own_links = urls(client_of(friend), draft), urls(client_of(owner), own)

    with django_capture_on_commit_callbacks(execute=False):
        assert client_of(owner).delete("/api/v1/cameo").status_code == 204

    assert served(links) == [404, 404]
    assert served(own_links) == [200, 200]  # the person's own draft of themselves


def test_erasing_my_account_ends_others_draft_urls_at_once(
    make_user, activate_cameo, make_video, client_of, django_capture_on_commit_callbacks
):
    owner, friend = make_user("owner"), make_user("friend")
    activate_cameo(owner, audience="everyone")
    draft = make_video(friend, publish=False, people=(owner,))
    links = urls(client_of(friend), draft)

    with django_capture_on_commit_callbacks(execute=False):
        assert client_of(owner).delete("/api/v1/me").status_code == 204

    assert Video.objects.filter(pk=draft.pk).exists()
    assert served(links) == [404, 404]


def test_a_narrowed_audience_serves_the_drafts_of_authors_still_allowed_again_after_the_cascade(
    make_user, activate_cameo, make_video, client_of, django_capture_on_commit_callbacks
):
    owner, approved, stranger = make_user("owner"), make_user("approved"), make_user("stranger")
    activate_cameo(owner, audience="approved")
    grant(owner, approved)
    cameos.cameo_update(owner=owner, audience="everyone")
    still_allowed = make_video(approved, publish=False, people=(owner,))
    refused = make_video(stranger, publish=False, people=(owner,))
    allowed_links, refused_links = urls(client_of(approved), still_allowed), urls(client_of(stranger), refused)

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        assert client_of(owner).patch("/api/v1/cameo", {"audience": "approved"}, format="json").status_code == 200
    assert served(allowed_links) == served(refused_links) == [404, 404]  # until the cascade decides

    for callback in after_commit:
        callback()
    assert served(allowed_links) == [200, 200]
    assert served(refused_links) == [404, 404] and not Video.objects.filter(pk=refused.pk).exists()


def test_a_draft_of_two_people_stays_unserved_while_the_second_ones_cascade_waits(
    make_user, activate_cameo, make_video, client_of, django_capture_on_commit_callbacks
):
    first, second, author = make_user("first"), make_user("second"), make_user("author")
    activate_cameo(first, audience="approved")
    activate_cameo(second, audience="approved")
    grant(first, author)
    cameos.cameo_update(owner=first, audience="everyone")
    approval = grant(second, author)
    draft = make_video(author, publish=False, people=(first, second))
    links = urls(client_of(author), draft)

    with django_capture_on_commit_callbacks(execute=False) as first_commit:
        client_of(first).patch("/api/v1/cameo", {"audience": "approved"}, format="json")  # still allowed
    with django_capture_on_commit_callbacks(execute=False):
        assert client_of(second).delete(f"/api/v1/cameo/grants/{approval.pk}").status_code == 204
    for callback in first_commit:
        callback()  # the first person's cascade finds the author still allowed by them

    assert Video.objects.filter(pk=draft.pk).exists()
    assert served(links) == [404, 404]  # the second person's withdrawal still stands


def test_only_a_restriction_not_there_before_ends_others_draft_urls(
    make_user, activate_cameo, make_video, client_of, django_capture_on_commit_callbacks
):
    """Removing a restriction, or saving the same ones (case aside), only keeps or widens consent."""
    owner, friend = make_user("owner"), make_user("friend")
    activate_cameo(owner, audience="everyone")
    cameos.cameo_update(owner=owner, restrictions=["no drinking", "no politics"])
    links = urls(client_of(friend), make_video(friend, publish=False, people=(owner,)))

    for restrictions in (["No Drinking", "no politics"], ["no drinking"], []):
        with django_capture_on_commit_callbacks(execute=False):
            response = client_of(owner).patch("/api/v1/cameo", {"restrictions": restrictions}, format="json")
        assert response.status_code == 200
        assert served(links) == [200, 200], restrictions

    with django_capture_on_commit_callbacks(execute=False):
        client_of(owner).patch("/api/v1/cameo", {"restrictions": ["no politics"]}, format="json")
    assert served(links) == [404, 404]  # one she had removed is new again


def test_a_consent_cascade_that_loses_its_database_connection_is_retried_and_deletes_the_draft(
    make_user, activate_cameo, make_video, client_of, monkeypatch, tasks_retried, django_capture_on_commit_callbacks
):
    """The cascade's first run loses its database connection as it deletes the draft (the worker here
    in-process, so its retry runs at once). Before, the task was not retried: the draft stayed, unserved,
    in the author's drafts until they deleted it."""
    from django.db import OperationalError

    from feed import services as feed
    from tests.faults import FailsOnce

    owner, friend = make_user("owner"), make_user("friend")
    activate_cameo(owner, audience="approved")
    approval = grant(owner, friend)
    draft = make_video(friend, publish=False, people=(owner,))
    links = urls(client_of(friend), draft)
    delete = FailsOnce(feed.video_delete, OperationalError("server closed the connection unexpectedly"))
    monkeypatch.setattr(feed, "video_delete", delete)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(owner).delete(f"/api/v1/cameo/grants/{approval.pk}").status_code == 204

    assert delete.calls == 2
    assert not Video.objects.filter(pk=draft.pk).exists()
    assert served(links) == [404, 404]
