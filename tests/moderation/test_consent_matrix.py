"""The gate's full matrix: audience × relation × source, each asserting the verdict and the reason
the author is shown. Faces are real: the astronaut's SFace template is the cameo, and the reference
image and the generated clip show the astronaut's real face."""

import datetime as dt

import numpy as np
import pytest

from accounts import services as accounts
from cameos import services as cameos
from cameos.models import CameoGrant
from moderation import consent, registry
from tests import synthetic_faces as faces
from tests.moderation.conftest import photo_of, video_tracks

AUDIENCES = ["only_me", "approved", "mutuals", "everyone"]
RELATIONS = [
    "self",
    "approved",
    "revoked",
    "mutual",
    "one_way",
    "stranger",
    "blocked_by_owner",
    "blocked_by_author",
    "minor",
    "minor_approved",
    "minor_stranger",
    "deactivated",
]
SOURCES = list(consent.SOURCES)


def expected(audience: str, relation: str, source: str) -> str:
    """DESIGN.md §5, written out independently of the code: the reason the author should read."""
    if relation == "self":
        return "owner"
    if relation in ("blocked_by_owner", "deactivated") and source == "mention":
        return "unknown_handle"  # the handle of someone who blocked you names no one, as their profile
    if relation.startswith("blocked") or relation == "deactivated":  # support closed the owner's account
        return "not_available"
    if audience == "only_me":
        return "not_available"
    if relation in ("approved", "minor_approved"):
        return "granted"
    if relation == "minor":
        return "needs_approval"  # a minor's cameo: only people they approved one by one
    if relation == "minor_stranger":
        return "not_available"  # and asked for only by people the minor follows
    if audience == "everyone":
        return "everyone"
    if audience == "mutuals" and relation == "mutual":
        return "mutuals"
    return "needs_approval"


def arrange(make_user, activate_cameo, make_video, audience: str, relation: str):  # type: ignore[no-untyped-def]
    minor = relation.startswith("minor")
    owner = make_user(
        "cameo.owner", display_name="Astra Nautica", birthdate=dt.date(2013, 1, 1) if minor else dt.date(1990, 1, 1)
    )
    author = owner if relation == "self" else make_user("the.author")
    cameo = activate_cameo(owner, template=faces.template("astronaut"), audience=audience)
    cameos.cameo_update(owner=owner, protect_name=True)
    if relation in ("approved", "minor_approved"):
        CameoGrant.objects.create(cameo=cameo, grantee=author, status=CameoGrant.Status.APPROVED)
    elif relation == "revoked":
        CameoGrant.objects.create(cameo=cameo, grantee=author, status=CameoGrant.Status.REVOKED)
    if relation in ("mutual", "one_way", "minor", "minor_approved", "minor_stranger"):
        accounts.follow_create(follower=author, followee=owner)
    if relation in ("mutual", "minor", "minor_approved"):
        accounts.follow_create(follower=owner, followee=author)
    if relation == "blocked_by_owner":
        accounts.block_create(blocker=owner, blocked=author)
    if relation == "blocked_by_author":
        accounts.block_create(blocker=author, blocked=owner)
    source_video = make_video(owner, people=(owner,))
    if relation == "deactivated":  # once published: a deactivated account publishes nothing
        accounts.user_active_set(user=owner, active=False)
    return owner, author, source_video


FEAT = "the first woman to sail a solar kite around the rings of Saturn"


def ask(source: str, owner, author, source_video) -> consent.Decision:  # type: ignore[no-untyped-def]
    if source == "mention":
        return consent.check(author, f"@{owner.handle} surfing at sunset")
    if source == "name":
        return consent.check(author, "Astra Nautica surfing at sunset")
    if source == "reference_face":  # a face counts only as someone the prompt names (here by name)
        return consent.check(author, "Astra Nautica surfing at sunset", reference_image=photo_of(("astronaut",)))
    if source == "description":  # a protected person whose verified account is the owner's
        person, _ = registry.person_upsert(name="Vega Starling", description=FEAT)
        registry.person_link_account(person=person, account=owner)
        return consent.check(author, f"{FEAT} surfing at sunset", stage="start", semantic=True)
    if source == "remix":
        return consent.check(author, "the same, but at night", remix_of=source_video.pk)
    faces_found = consent.match_faces(np.stack(video_tracks(("astronaut",))), exact=True)
    return consent.check(author, "a surfer at sunset", output_faces=faces_found, stage="output")


# A minor's cameo cannot be open to everyone (tests/cameos), so that column has no minor rows.
# `make test` runs the whole matrix; `make test-fast` one audience whole, the others by @mention.
CASES = [
    pytest.param(a, r, s, marks=() if a == "approved" or s == "mention" else pytest.mark.slow)
    for a in AUDIENCES
    for r in RELATIONS
    for s in SOURCES
    if not (a == "everyone" and r.startswith("minor"))
]


@pytest.mark.parametrize(("audience", "relation", "source"), CASES)
def test_matrix(make_user, activate_cameo, make_video, audience, relation, source):
    owner, author, source_video = arrange(make_user, activate_cameo, make_video, audience, relation)

    decision = ask(source, owner, author, source_video)

    want = expected(audience, relation, source)
    assert [s.source for s in decision.subjects] == (["name"] if source == "reference_face" else []) + [source]
    subject = decision.public()[-1]
    assert subject["reason"] == want
    assert subject["verdict"] == ("allowed" if want in ("owner", "granted", "everyone", "mutuals") else "refused")
    assert decision.allowed is (subject["verdict"] == "allowed")
    # Only a handle the author typed is echoed back; a block is never named as such.
    assert subject["handle"] == (owner.handle if source == "mention" else None)
    assert "block" not in subject["detail"].lower()
    if decision.allowed:
        assert [c.user_id for c in decision.cameos] == [owner.pk]
    else:
        assert decision.cameos == ()
