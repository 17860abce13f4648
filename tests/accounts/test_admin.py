"""The accounts' admin: support corrects a date of birth through the service, so that someone it makes
a minor stops the videos people they never approved were making with them; support deletes an account
as the person would erase it; a password support sets signs the account out everywhere; follows and
blocks are people's own choices, which support may look at and never change."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone

from accounts import services
from accounts.models import Block, Follow, User
from cameos import services as cameos
from cameos.models import Cameo
from cameos.selectors import trending_for
from feed.models import Video
from moderation import consent
from moderation.models import AuditEvent
from tests.races import pause_in, second_while_first_pauses

pytestmark = pytest.mark.django_db


def change(support, user, **fields):  # type: ignore[no-untyped-def]
    """Post the user's change form as support would: every field as it stands, `fields` changed."""
    data = {
        "handle": user.handle,
        "display_name": user.display_name,
        "birthdate": user.birthdate.isoformat() if user.birthdate else "",
        "is_active": "on",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": user.date_joined.time().strftime("%H:%M:%S"),
        **fields,
    }
    return support.post(f"/admin/accounts/user/{user.pk}/change/", data)


def test_support_making_someone_a_minor_stops_the_drafts_of_people_she_never_approved(
    support, make_user, activate_cameo, make_video, django_capture_on_commit_callbacks
):
    her, stranger, approved = make_user("her"), make_user("stranger"), make_user("approved")
    activate_cameo(her, audience="approved")
    request = cameos.grant_request(requester=approved, owner=her)
    cameos.grant_decide(owner=her, grant_id=request.pk, approve=True)
    cameos.cameo_update(owner=her, audience="everyone")
    strangers_draft = make_video(stranger, publish=False, people=(her,))
    approved_draft = make_video(approved, publish=False, people=(her,))
    published = make_video(stranger, people=(her,))
    cache.clear()
    assert [u.pk for u, _ in trending_for(None).people] == [her.pk]  # open to everyone, shown off
    a_minor = (timezone.localdate() - dt.timedelta(days=365 * 15)).isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        page = change(support, her, birthdate=a_minor)

    assert page.status_code == 302, page.content.decode()[:2000]
    her.refresh_from_db()
    assert her.birthdate.isoformat() == a_minor and her.is_minor
    assert not Video.objects.filter(pk=strangers_draft.pk).exists()
    assert Video.objects.filter(pk__in=[approved_draft.pk, published.pk]).count() == 2
    event = AuditEvent.objects.get(kind="consent_withdrawn", subject_id=her.pk)
    assert event.data["reason"] == "became_minor" and event.data["drafts_deleted"] == [strangers_draft.pk]
    assert event.actor_id == User.objects.get(handle="support.one").pk  # whose correction it was
    # A minor's cameo is never open to everyone (found by a second reader: she stayed in trending).
    assert Cameo.objects.get(owner=her).audience == "approved"
    cache.clear()
    assert [u.pk for u, _ in trending_for(None).people] == []


def test_support_clearing_a_birthdate_makes_her_a_minor_too(
    support, make_user, activate_cameo, make_video, django_capture_on_commit_callbacks
):
    her, stranger = make_user("her"), make_user("stranger")
    activate_cameo(her, audience="everyone")
    draft = make_video(stranger, publish=False, people=(her,))

    with django_capture_on_commit_callbacks(execute=True):
        assert change(support, her, birthdate="").status_code == 302

    her.refresh_from_db()
    assert her.birthdate is None and her.is_minor
    assert not Video.objects.filter(pk=draft.pk).exists()


def test_correcting_an_adults_birthdate_to_another_adults_stops_nothing(
    support, make_user, activate_cameo, make_video, django_capture_on_commit_callbacks
):
    her, stranger = make_user("her"), make_user("stranger")
    activate_cameo(her, audience="everyone")
    draft = make_video(stranger, publish=False, people=(her,))

    with django_capture_on_commit_callbacks(execute=True):
        assert change(support, her, birthdate="1985-01-02").status_code == 302

    her.refresh_from_db()
    assert her.birthdate == dt.date(1985, 1, 2)
    assert Video.objects.filter(pk=draft.pk).exists()
    assert not AuditEvent.objects.filter(kind="consent_withdrawn").exists()


def test_support_deactivating_someone_stops_every_draft_of_her_and_no_one_may_show_her(
    support, make_user, activate_cameo, make_video, django_capture_on_commit_callbacks
):
    her, stranger = make_user("her"), make_user("stranger")
    activate_cameo(her, audience="everyone")
    draft = make_video(stranger, publish=False, people=(her,))
    own_draft = make_video(her, publish=False, people=(her,))
    published = make_video(stranger, people=(her,))
    her_published = make_video(her, people=(her,))

    with django_capture_on_commit_callbacks(execute=True):
        page = change(support, her, is_active="")

    assert page.status_code == 302, page.content.decode()[:2000]
    her.refresh_from_db()
    assert not her.is_active
    assert not Video.objects.filter(pk=draft.pk).exists()
    assert Video.objects.filter(pk__in=[own_draft.pk, published.pk]).count() == 2
    # What she published is shown to no one while her account is closed (tests/feed/test_deactivated_author.py).
    assert Video.objects.get(pk=her_published.pk).hidden_with_author
    event = AuditEvent.objects.get(kind="consent_withdrawn", subject_id=her.pk)
    assert event.data["reason"] == "deactivated" and event.data["drafts_deleted"] == [draft.pk]
    assert event.actor_id == User.objects.get(handle="support.one").pk
    # Her cameo, open to everyone, is no one's to use now (tests/moderation/test_consent_matrix.py).
    remix = consent.check(stranger, "the same, at night", remix_of=published.pk)
    assert not remix.allowed and remix.public()[0]["reason"] == "not_available"

    # Opened again: what her cameo's settings allow, and nothing more is stopped.
    with django_capture_on_commit_callbacks(execute=True):
        assert change(support, her, is_active="on").status_code == 302
    assert consent.check(stranger, "the same, at night", remix_of=published.pk).allowed
    assert Video.objects.get(pk=her_published.pk).status == "published"
    assert AuditEvent.objects.filter(kind="consent_withdrawn").count() == 1


@pytest.mark.parametrize("birthdate", ["2999-01-01", "1850-01-01", "today"])
def test_support_cannot_save_a_birthdate_no_one_may_join_with(support, make_user, birthdate):
    her = make_user("her")
    if birthdate == "today":  # too young to join
        birthdate = timezone.localdate().isoformat()

    page = change(support, her, birthdate=birthdate)

    assert page.status_code == 200  # the form again, with the error
    assert "errorlist" in page.content.decode()
    her.refresh_from_db()
    assert her.birthdate == dt.date(1990, 5, 17)


def test_support_may_look_at_follows_and_blocks_but_not_change_them(support, make_user):
    a, b = make_user("alpha"), make_user("bravo")
    follow = Follow.objects.create(follower=a, followee=b)
    block = Block.objects.create(blocker=b, blocked=a)

    for model, row in (("follow", follow), ("block", block)):
        assert support.get(f"/admin/accounts/{model}/").status_code == 200
        assert support.get(f"/admin/accounts/{model}/{row.pk}/change/").status_code == 200  # a view
        assert support.get(f"/admin/accounts/{model}/add/").status_code == 403
        assert support.post(f"/admin/accounts/{model}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
        bulk = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
        support.post(f"/admin/accounts/{model}/", bulk)

    assert Follow.objects.filter(pk=follow.pk).exists() and Block.objects.filter(pk=block.pk).exists()


def test_support_can_change_an_account_whose_birthdate_met_older_rules(support, make_user):
    """The birthdate is checked only when support changes it (found by a second reader: someone who
    joined at 14 under a minimum age raised since could not be deactivated)."""
    fourteen = timezone.localdate() - dt.timedelta(days=365 * 14 + 10)
    kid = make_user("kid", birthdate=fourteen)
    with override_settings(CASTFEED_ACCOUNTS={"minimum_age": 16}):
        page = change(support, kid, is_active="")

    assert page.status_code == 302, page.content.decode()[:2000]
    kid.refresh_from_db()
    assert not kid.is_active and kid.birthdate == fourteen


@pytest.mark.parametrize("how", ["delete page", "bulk action"])
def test_support_deleting_an_account_erases_it_as_the_person_would(
    how, support, make_user, activate_cameo, make_video, django_capture_on_commit_callbacks
):
    """Django's own delete left the person's files in storage and no erasure in the audit log (found
    by a second reader)."""
    her = make_user("her")
    activate_cameo(her)
    video = make_video(her)
    files = [video.media.name, video.poster.name]
    assert all(default_storage.exists(f) for f in files)

    with django_capture_on_commit_callbacks(execute=True):
        if how == "delete page":
            page = support.post(f"/admin/accounts/user/{her.pk}/delete/", {"post": "yes"})
        else:
            bulk = {"action": "delete_selected", "_selected_action": [her.pk], "post": "yes"}
            page = support.post("/admin/accounts/user/", bulk)

    assert page.status_code == 302
    assert not User.objects.filter(pk=her.pk).exists()
    assert not any(default_storage.exists(f) for f in files)
    assert AuditEvent.objects.filter(kind="account_erased", subject_id=her.pk).exists()


def test_support_setting_a_new_password_signs_the_account_out_everywhere(support, make_user, client_of):
    """Support resets the password of an account someone else got into: every token of it stops
    working, as when the person changes it themselves (but for the device that asked, none here)."""
    taken = make_user("taken.over")
    phone = client_of(taken)
    assert phone.get("/api/v1/me").status_code == 200

    page = support.post(
        f"/admin/accounts/user/{taken.pk}/password/",
        {"password1": "a-fresh-start-passphrase", "password2": "a-fresh-start-passphrase", "usable_password": "true"},
    )

    assert page.status_code == 302, page.content.decode()[:2000]
    taken.refresh_from_db()
    assert taken.check_password("a-fresh-start-passphrase")
    assert phone.get("/api/v1/me").status_code == 401
    assert not taken.auth_tokens.exists()


REFUSED_HANDLES = [
    ("support", "This handle is reserved."),
    ("rnike", "This handle is too similar to an existing one."),
    ("mike", "This handle is taken."),
    ("slit.my.wrists", "This handle reads as self-harm or suicide: choose another."),
    ("sam.", "A handle cannot end with a dot."),
    ("no spaces", "Use 3–30 characters: letters, digits, _ and ."),
]


def add(support, handle):  # type: ignore[no-untyped-def]
    password = "a-fresh-start-passphrase"
    data = {"handle": handle, "password1": password, "password2": password, "usable_password": "true"}
    return support.post("/admin/accounts/user/add/", data)


@pytest.mark.parametrize(("handle", "error"), REFUSED_HANDLES)
def test_support_cannot_create_an_account_with_a_handle_sign_up_refuses(support, make_user, handle, error):
    """Support's add form skipped sign-up's checks: a reserved handle, a look-alike of someone's, one
    whose words break the policy or ending in a dot (no prompt could mention it) was saved."""
    make_user("mike")

    page = add(support, handle)

    assert page.status_code == 200  # the form again, with the error
    assert error in page.content.decode()
    assert sorted(User.objects.values_list("handle", flat=True)) == ["mike", "support.one"]


def test_support_creates_an_account_with_a_handle_sign_up_allows(support):
    page = add(support, "New.Person")

    assert page.status_code == 302, page.content.decode()[:2000]
    assert User.objects.filter(handle="new.person").exists()  # stored in lower case, as at sign-up


@pytest.mark.parametrize(("handle", "error"), REFUSED_HANDLES)
def test_support_cannot_change_a_handle_to_one_sign_up_refuses(support, make_user, handle, error):
    make_user("mike")
    her = make_user("her.handle")

    page = change(support, her, handle=handle)

    assert page.status_code == 200
    assert error in page.content.decode()
    her.refresh_from_db()
    assert her.handle == "her.handle"


def test_support_changes_a_handle_to_a_free_one_and_an_old_handle_may_stay(support, make_user):
    her = make_user("her.handle")
    assert change(support, her, handle="Her.New").status_code == 302
    her.refresh_from_db()
    assert her.handle == "her.new"
    # An account from before a rule keeps its handle while support changes something else.
    old = User.objects.create_user("sam.", password="an-older-passphrase", birthdate=dt.date(1990, 5, 17))
    page = change(support, old, display_name="Sam")
    assert page.status_code == 302, page.content.decode()[:2000]
    old.refresh_from_db()
    assert (old.handle, old.display_name) == ("sam.", "Sam")
    # Her own handle in another case is hers: neither taken nor a look-alike.
    assert change(support, her, handle="HER.NEW").status_code == 302


@pytest.mark.postgres  # real concurrent writers (SQLite holds the whole transaction's write lock)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", ["add", "change"])
def test_a_look_alike_handle_taken_while_support_saves_is_a_form_error_not_a_500(support, make_user, monkeypatch, page):
    """Support's form found "rnike" free; someone signed up as "mike" before it was saved, and the
    database refused the look-alike: a 500 with an IntegrityError. The page answers as sign-up does."""
    her = make_user("her.handle")
    # the form's checks passed; the account is not saved yet
    pause = pause_in(monkeypatch, services, "check_handle_free", after=True, thread="support")
    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        lambda: answers.update(page=add(support, "rnike") if page == "add" else change(support, her, handle="rnike")),
        lambda: services.user_register(handle="mike", password="someone-elses-passphrase"),  # committed meanwhile
        pause,
        names=("support", "sign-up"),
        wait=60,
    )

    assert errors == []
    assert answers["page"].status_code == 200  # the form again, with the error
    assert "This handle is too similar to an existing one." in answers["page"].content.decode()
    assert sorted(User.objects.values_list("handle", flat=True)) == ["her.handle", "mike", "support.one"]
