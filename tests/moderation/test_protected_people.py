"""Protected people as a video model would see them: their faces in uploads and at enrollment, their
descriptions in the worker, and an operator-verified account that lends the likeness like a cameo.

Real faces: scikit-image's astronaut photo is Eileen Collins, a real astronaut; here she is a protected
person whose photo is in the registry. Matplotlib's photo of Grace Hopper stands for an estate.
"""

from __future__ import annotations

import io

import cv2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cameos import services as cameos
from cameos.models import Cameo, GalleryEntry
from core.text import canonical
from generation.models import GenerationJob
from moderation import consent, registry
from moderation.models import AuditEvent
from tests import synthetic_faces as faces
from tests.cameos import videos
from tests.cameos.test_enrollment_api import challenge, enroll, files_under
from tests.races import in_thread

pytestmark = pytest.mark.django_db
URL = "/api/v1/generations"


def jpeg(image, quality=90) -> bytes:  # type: ignore[no-untyped-def]
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


@pytest.fixture
def collins(db):  # type: ignore[no-untyped-def]
    person, _ = registry.person_upsert(
        name="Eileen Collins",
        aliases=["Eileen Marie Collins"],
        description="the first woman to command a Space Shuttle mission",
    )
    registry.face_add(person=person, data=jpeg(faces.photo("astronaut")), source="astronaut.jpg")
    return person


def group_photo_upload(names, name="photo.png"):  # type: ignore[no-untyped-def]
    image = faces.group_photo(list(names), size=(1280, 720))
    buffer = io.BytesIO()
    Image.fromarray(image[:, :, ::-1]).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_an_uploaded_photo_of_a_protected_person_is_refused_and_nothing_is_stored(api, collins):
    response = api.post(
        URL,
        {"prompt": "this woman surfing at sunset", "duration_s": 2, "image": group_photo_upload(["astronaut"])},
        format="multipart",
    )
    assert response.status_code == 403, response.json()
    body = response.json()
    assert body["error"] == "consent_required"
    refused = [s for s in body["subjects"] if s["verdict"] == "refused"]
    assert [(s["source"], s["reason"]) for s in refused] == [("reference_face", "protected_person")]
    assert "Eileen Collins" in refused[0]["detail"]
    assert not GenerationJob.objects.exists()
    assert "embedding" not in str(body) and "similarity" not in str(body)


def test_a_photo_of_someone_not_in_the_registry_is_not_called_protected(api, collins):
    response = api.post(
        URL,
        {"prompt": "this woman surfing", "duration_s": 2, "image": group_photo_upload(["hopper"])},
        format="multipart",
    )
    assert response.status_code == 403
    assert [s["reason"] for s in response.json()["subjects"]] == ["unknown_face"]


def test_the_protected_face_check_reads_every_face_of_a_group_photo(collins, make_user):
    author = make_user("author")
    image = faces.group_photo(["hopper", "astronaut"], size=(1920, 1080))
    decision = consent.check(author, "two friends at the beach", reference_image=image, record=False)
    reasons = sorted(s.reason for s in decision.subjects)
    assert reasons == ["protected_person", "unknown_face"]


def test_nobody_enrolls_with_a_protected_persons_face(api, me, settings, collins, django_capture_on_commit_callbacks):
    response = enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202
    body = api.get("/api/v1/cameo").json()
    assert body["status"] == "rejected"
    assert body["reason_code"] == "protected_person"
    assert "verified" in body["reason"]
    assert not Cameo.objects.exists() and not GalleryEntry.objects.exists()
    assert files_under(settings, "enrollments") == [] and files_under(settings, "cameos") == []
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.IMPERSONATION_REFUSED)
    assert (event.actor_id, event.object_id) == (me.pk, str(collins.pk))


def test_an_operator_verified_account_enrolls_and_lends_the_likeness_like_a_cameo(
    api, me, collins, make_user, client_of, django_capture_on_commit_callbacks
):
    registry.person_link_account(person=collins, account=me)
    enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    assert api.get("/api/v1/cameo").json()["status"] == "active"

    # Her name and her face are now hers to lend: a stranger needs her approval, a friend gets it.
    stranger = make_user("stranger")
    named = consent.check(stranger, "Eileen Collins floating in orbit", record=False)
    assert [(s.source, s.reason, s.allowed) for s in named.subjects] == [("name", "needs_approval", False)]
    shown = consent.check(stranger, "Eileen Collins in orbit", reference_image=faces.photo("astronaut"), record=False)
    assert [(s.source, s.reason) for s in shown.subjects] == [
        ("name", "needs_approval"),
        ("reference_face", "needs_approval"),
    ]

    friend = make_user("friend")
    grant = cameos.grant_request(requester=friend, owner=me)
    cameos.grant_decide(owner=me, grant_id=grant.pk, approve=True)
    allowed = consent.check(friend, "Eileen Collins floating in orbit", record=False)
    assert allowed.allowed and [c.user_id for c in allowed.cameos] == [me.pk]


def test_an_estate_registers_a_deceased_person_by_photo(api, make_user):
    person, _ = registry.person_upsert(  # the starter list has her already: this updates her entry
        name="Grace Hopper",
        aliases=["Rear Admiral Grace Hopper"],
        description="the computer scientist who invented the first compiler",
        kind="estate",
        deceased=True,
    )
    registry.face_add(person=person, data=jpeg(faces.photo("hopper"), quality=70), source="hopper.jpg")
    author = make_user("author")
    decision = consent.check(author, "an old photo come to life", reference_image=faces.photo("hopper"), record=False)
    assert [(s.source, s.reason, s.label) for s in decision.refused] == [
        ("reference_face", "protected_person", "Grace Hopper")
    ]
    # Her name, with the spelling tricks of the name matcher, is refused on the request path as well.
    for prompt in ("Grace Hopper coding", "Gr4ce H0pper coding", "GraceHopper coding", "Grace Hoper coding"):
        assert [s.reason for s in consent.check(author, prompt, record=False).refused] == ["protected_person"]


@pytest.mark.parametrize(
    ("prompt", "who"),
    [
        ("特朗普在白宫跳舞", "Donald Trump"),
        ("イーロンマスクがロケットに乗る", "Elon Musk"),
        ("리오넬 메시가 골을 넣는다", "Lionel Messi"),
        ("Илон Маск танцует на крыше", "Elon Musk"),  # romanised "Ilon Mask": two letters off
        # 0010: romanised, Arabic and Hebrew leave out vowels ("dwnld trmb", "tylwr swyft")
        ("دونالد ترامب يرقص في البيت الأبيض", "Donald Trump"),
        ("تايلور سويفت تغني تحت المطر", "Taylor Swift"),
        ("أوباما يسبح في البحر", "Barack Obama"),
        ("تام کروز روی موتورسیکلت", "Tom Cruise"),
        ("ג'ו ביידן אוכל גלידה", "Joe Biden"),
        ("אילון מאסק על מאדים", "Elon Musk"),
        ("आर्नोल्ड श्वार्ज़नेगर जिम में", "Arnold Schwarzenegger"),
        ("शी जिनपिंग पार्क में", "Xi Jinping"),
        ("ปูตินขี่ม้า", "Vladimir Putin"),  # Thai puts no space after a name
        ("Τέιλορ Σουίφτ τραγουδά στη βροχή", "Taylor Swift"),
    ],
)
def test_the_starter_registry_knows_names_in_other_scripts(make_user, prompt, who):
    """The migrations add them (0009, 0010) to the starter people's aliases: romanised, they name no one."""
    decision = consent.check(make_user("author"), canonical(prompt), record=False)
    assert [(s.source, s.reason, s.label) for s in decision.refused] == [("name", "protected_person", who)]


@pytest.mark.parametrize(
    "prompt",
    [
        "او پوتین‌های نظامی پوشیده و در برف راه می‌رود",  # Persian: boots (پوتین), no Putin alone in Persian
        "یک کاسه مسی روی میز آشپزخانه",  # Persian: a copper bowl (مسی, Messi)
        "מסי הכנסה גבוהים השנה",  # Hebrew: income taxes (מסי)
        "ברק וגשם מעל העיר בלילה",  # Hebrew: lightning (ברק, Barack) and rain
        "แมวกำลังนอนหลับบนโซฟาในบ้าน",
    ],
)
def test_ordinary_words_that_are_spellings_of_a_name_stay_free(make_user, prompt):
    """One-word aliases are left out where the word is an ordinary one in that language."""
    assert consent.check(make_user("author"), canonical(prompt), record=False).allowed


def test_the_migration_that_added_them_logged_whose_names_changed():
    """Found by a second reader: a new NamesVersion token alone made running processes read the change
    log, find no one in it and keep their index: the aliases reached no process until it restarted."""
    from moderation.models import NamesChange, ProtectedPerson

    trump = ProtectedPerson.objects.get(name="Donald Trump")
    assert "特朗普" in trump.aliases
    assert NamesChange.objects.filter(kind="registry", person_id=trump.pk).exists()


def test_0010_adds_the_names_a_database_migrated_before_lacks_and_nothing_twice(make_user):
    """A database that ran 0009 before the file grew: 0010 adds what is missing, logged, once."""
    import importlib

    from django.apps import apps

    from moderation.models import NamesChange, NamesVersion, ProtectedPerson

    step = importlib.import_module("moderation.migrations.0010_starter_more_scripts").forwards
    trump = ProtectedPerson.objects.get(name="Donald Trump")
    before = [a for a in trump.aliases if a not in ("دونالد ترامب", "ترامب", "טראמפ")]
    ProtectedPerson.objects.filter(pk=trump.pk).update(aliases=before)
    NamesChange.objects.all().delete()
    token = NamesVersion.objects.get(pk=1).token

    step(apps, None)
    trump.refresh_from_db()
    assert trump.aliases[: len(before)] == before
    assert sorted(trump.aliases[len(before) :]) == sorted(["دونالد ترامب", "ترامب", "טראמפ"])
    assert list(NamesChange.objects.values_list("person_id", flat=True)) == [trump.pk]
    assert NamesVersion.objects.get(pk=1).token != token
    assert consent.check(make_user("author"), canonical("ترامب يرقص"), record=False).refused

    step(apps, None)  # again: nothing more
    trump.refresh_from_db()
    assert len(trump.aliases) == len(before) + 3 and NamesChange.objects.count() == 1


def test_descriptions_are_matched_by_meaning_in_the_worker(make_user):
    author = make_user("author")
    # The starter registry (loaded by the migrations) describes Barack Obama this way.
    described = "the 44th president of the United States giving a speech in the rain"
    fast = consent.check(author, described, record=False)
    assert fast.allowed  # the request path reads names only
    full = consent.check(author, described, stage="start", semantic=True, record=False)
    refused = [(s.source, s.reason, s.label) for s in full.refused]
    assert ("description", "protected_person", "Barack Obama") in refused
    assert {source for source, _, _ in refused} == {"description"}
    benign = consent.check(
        author, "a president giving a speech in the rain", stage="start", semantic=True, record=False
    )
    assert benign.allowed, benign.public()


@pytest.mark.parametrize(
    ("prompt", "who"),
    [
        # The window "the singer of Poker Face" is close to her line and far from "a singer", while
        # the window most unlike a generic role ("... a dress made of raw meat") is not close to her
        # line: any window that is both counts (the best-margin window alone missed 7 of 50).
        ("the singer of Poker Face in a dress made of raw meat", "Lady Gaga"),
        ("the founder of Facebook surfing with a flag", "Mark Zuckerberg"),
        # Missed while only the one-line descriptions were matched (they list several facts, or none
        # of these): found by the starter list's known_for phrases.
        ("the singer of Umbrella on a yacht at sunset", "Rihanna"),
        ("the queen famous for her corgis walking in the rain", "Queen Elizabeth II"),
        # Starter lines the model behind descriptions.specific reads as anyone's (0.10-0.20): a person
        # whose own line is not "someone in particular" to it is matched on similarity alone.
        ("the legal thriller author of The Firm signing books in a shop", "John Grisham"),
        ("the environmental activist whose story became a 2000 film, at a protest", "Erin Brockovich"),
    ],
)
def test_a_description_inside_a_longer_prompt_is_found(make_user, prompt, who):
    decision = consent.check(make_user("author"), prompt, stage="start", semantic=True, record=False)
    assert ("description", "protected_person", who) in [(s.source, s.reason, s.label) for s in decision.refused]


def test_what_someone_is_known_for_is_matched_like_their_description(make_user, registry):
    """A prompt that says one thing a person is known for is far from a line that says another (or
    lists several); each known_for phrase is matched on its own, and a change reaches the worker's
    next check."""
    author = make_user("author")
    person = registry("Ysolde Brannholm", description="a Norwegian sculptor, painter and stage designer")
    prompt = "the first woman to sail alone around Antarctica feeding seagulls at dawn"
    assert consent.check(author, prompt, stage="start", semantic=True, record=False).allowed

    registry(person.name, description=person.description, known_for=["the first woman to sail alone around Antarctica"])

    decision = consent.check(author, prompt, stage="start", semantic=True, record=False)
    assert [(s.source, s.label) for s in decision.refused] == [("description", "Ysolde Brannholm")]
    ordinary = "a woman sailing a small boat around a lake feeding seagulls at dawn"
    assert consent.check(author, ordinary, stage="start", semantic=True, record=False).allowed


def test_the_worker_reads_every_line_and_phrase_and_no_entry_without_either(registry):
    from moderation.selectors import registry_descriptions

    phrases_only = registry("Ysolde Brannholm", known_for=["the sculptor of the bronze whale", "the painter of fog"])
    both = registry("Orin Vale", description="the mayor of the floating city", known_for=["the mayor of mud"])
    neither = registry("Pell Marrow")

    rows = [row for row in registry_descriptions() if row[0] in {phrases_only.pk, both.pk, neither.pk}]

    assert rows == [
        (phrases_only.pk, "Ysolde Brannholm", "the sculptor of the bronze whale", True),
        (phrases_only.pk, "Ysolde Brannholm", "the painter of fog", True),
        (both.pk, "Orin Vale", "the mayor of the floating city", False),
        (both.pk, "Orin Vale", "the mayor of mud", True),
    ]


@pytest.mark.parametrize(
    ("particular", "expected"),
    [
        # How strongly the prompt's window reads as someone in particular (descriptions.specific):
        (0.8, [("Ann", 0.9), ("Bo", 0.8), ("Di", 0.8), ("Cy", 0.7)]),  # every close text counts
        (0.5, [("Ann", 0.7), ("Cy", 0.7)]),  # lines only (0.3 ≤ 0.5 < 0.7): Ann by her line, not her phrase
        (0.2, [("Cy", 0.7)]),  # only the line the model reads as anyone's; never a phrase that does (Di)
    ],
)
def test_the_rules_for_lines_and_phrases(monkeypatch, particular, expected):
    """descriptions.described with the model's numbers fixed: a line needs DESCRIPTION_SPECIFIC (0.3)
    unless the model reads the line itself as anyone's; a phrase needs KNOWN_FOR_SPECIFIC (0.7), with no
    such exception; a person with phrases only is found; each person once, at their closest text."""
    import numpy as np

    from moderation import descriptions, semantic
    from moderation.descriptions import Text

    texts = [
        Text(1, "Ann", False),
        Text(1, "Ann", True),
        Text(2, "Bo", True),
        Text(3, "Cy", False),
        Text(4, "Di", True),
    ]
    similarity = np.array([[0.7, 0.9, 0.8, 0.7, 0.8]], dtype=np.float32)  # one window: a short prompt
    own = np.array([0.9, 0.9, 0.9, 0.1, 0.1], dtype=np.float32)  # Cy's line and Di's phrase read as anyone's
    monkeypatch.setattr(descriptions, "_index", lambda: (texts, np.zeros((5, 384), dtype=np.float32)))
    monkeypatch.setattr(descriptions, "scores", lambda prompt, t, m: np.stack([similarity, similarity - 0.5]))
    monkeypatch.setattr(descriptions, "_own_specific", lambda matrix: own)
    monkeypatch.setattr(descriptions, "specific", lambda vectors: np.full(len(vectors), particular, dtype=np.float32))
    monkeypatch.setattr(semantic, "embed", lambda batch: np.zeros((len(batch), 384), dtype=np.float32))

    found = descriptions.described("someone in a hat")

    assert [(d.name, round(d.similarity, 2)) for d in found] == expected
    assert len({d.person_id for d in found}) == len(found)


def test_a_phrase_that_names_something_counts_only_when_the_prompt_says_it(monkeypatch):
    """ "The Queen of Soul" names Soul: "the queen of hearts" is as close to it by meaning, but says no Soul."""
    import numpy as np

    from moderation import descriptions, semantic
    from moderation.descriptions import Text, named

    assert named("the Queen of Soul") == {"soul"}
    assert named("the 44th president of the United States") == {"44th", "unit", "stat"}
    assert named("the first woman in space") == frozenset()
    assert named("the actress of The Wolf of Wall Street") == {"wolf", "wall", "stre"}
    texts = [
        Text(1, "Ann", True, named("the singer of Umbrella")),
        Text(2, "Bo", True, named("the first woman in space")),
    ]
    similarity = np.array([[0.9, 0.9]], dtype=np.float32)
    monkeypatch.setattr(descriptions, "_index", lambda: (texts, np.zeros((2, 384), dtype=np.float32)))
    monkeypatch.setattr(descriptions, "scores", lambda prompt, t, m: np.stack([similarity, similarity - 0.5]))
    monkeypatch.setattr(descriptions, "_own_specific", lambda matrix: np.ones(2, dtype=np.float32))
    monkeypatch.setattr(descriptions, "specific", lambda vectors: np.ones(len(vectors), dtype=np.float32))
    monkeypatch.setattr(semantic, "embed", lambda batch: np.zeros((len(batch), 384), dtype=np.float32))

    assert [d.name for d in descriptions.described("a singer in rain")] == ["Bo"]
    assert [d.name for d in descriptions.described("UMBRELLA's singer in rain")] == ["Ann", "Bo"]


@pytest.mark.parametrize(
    "prompt",
    [
        # Roles and family ties that head the starter registry's descriptions are roles, not people:
        # these were Rey Mysterio ("the masked luchador of WWE") and Princess Margaret ("the younger
        # sister of Queen Elizabeth II") before the generic roles listed them.
        "the wrestler in a backyard match jumping off a trampoline",
        "a grandmother named Elizabeth knitting by the fire",
        "the first woman to climb the stairs of our office",  # not Sally Ride
    ],
)
def test_a_role_is_not_a_description_of_someone(make_user, prompt):
    decision = consent.check(make_user("author"), prompt, stage="start", semantic=True, record=False)
    assert decision.allowed, decision.public()


@pytest.mark.parametrize(
    "prompt",
    [
        # A famous role with whom it belongs to right after it: the windows ending at "of" and "win"
        # were as close to Tyson Fury's and Ronda Rousey's lines as descriptions of them until each
        # window was read with the words after it by a model that tells someone in particular from
        # anyone with the role; the show's host was Nigella Lawson. ("The chess champion of the
        # retirement home moving a knight" is still Magnus Carlsen: the model reads it as someone's.)
        "the heavyweight boxing champion of a village fair posing with a trophy",
        "the first woman to win the village pie contest holding her pie",
        "the host of a kids' baking show in a bunny costume",
        # Close by meaning to a known_for phrase that names what the prompt does not ("the Queen of
        # Soul", Bobby Fischer's "the reclusive chess genius who forfeited his title in 1975").
        "the queen of hearts from a deck of cards painting roses red",
        "the president of the chess club moving a pawn",
    ],
)
def test_a_famous_role_held_by_someone_ordinary_is_not_a_description(make_user, prompt):
    decision = consent.check(make_user("author"), prompt, stage="start", semantic=True, record=False)
    assert decision.allowed, decision.public()


def test_without_the_model_every_close_window_counts(make_user, monkeypatch, tmp_path):
    """A missing specific.npz refuses more, never less (and never fails the job)."""
    from moderation import descriptions

    monkeypatch.setattr(descriptions, "SPECIFIC", tmp_path / "missing.npz")
    descriptions._specific_model.cache_clear()
    descriptions.forget()
    try:
        decision = consent.check(
            make_user("author"),
            "the heavyweight boxing champion of a village fair posing with a trophy",
            stage="start",
            semantic=True,
            record=False,
        )
    finally:
        descriptions._specific_model.cache_clear()
        descriptions.forget()
    assert [s.source for s in decision.refused] == ["description"]


def test_the_same_words_twice_are_read_with_their_own_contexts():
    from moderation import descriptions

    prompt = "the first woman in a village pie contest next to the first woman in space"
    contexts = [context for window, context in descriptions.windows(prompt) if window == "the first woman in space"]
    assert contexts == ["the first woman in space"]
    starts = [context for window, context in descriptions.windows(prompt) if window == "the first woman in a"]
    assert starts == ["the first woman in a village pie contest next to the"]
    twice = "a b c d e " * 3
    pairs = [pair for pair in descriptions.windows(twice.strip()) if pair[0] == "a b c d e"]
    assert len(pairs) == 2 and len({context for _, context in pairs}) == 2


def test_every_starter_description_and_phrase_ships_embedded():
    """`manage.py protected_people embed` was run after the starter CSVs last changed: no worker embeds
    thousands of texts (about 50 s on 2 cores) when it starts."""
    import csv

    from moderation import descriptions

    texts = []
    for path in sorted(descriptions.SHIPPED.parent.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                texts += [row["description"], *(row.get("known_for") or "").split("|")]
    wanted = {descriptions.digest(t) for t in texts if t.strip()}
    assert len(wanted) > 10_000
    assert wanted <= set(descriptions._shipped())


def test_the_shipped_model_tells_the_registry_lines_from_ordinary_roles():
    """moderation/data/starter/specific.npz is the model `manage.py protected_people embed` fits on the
    starter lines and data/ordinary_roles.txt: it must tell them apart (a damaged file, or one fitted
    on other data or with the classes swapped, would not)."""
    import csv
    import random

    from moderation import descriptions, semantic

    lines = []
    for path in sorted(descriptions.SHIPPED.parent.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            lines += [row["description"] for row in csv.DictReader(handle) if row["description"].strip()]
    ordinary = [line for line in descriptions.ORDINARY.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(ordinary) >= 500
    rng = random.Random(7)
    someone, anyone = rng.sample(lines, 60), rng.sample(ordinary, 60)
    probability = descriptions.specific(semantic.embed(someone + anyone))
    threshold = 0.5  # the model's own boundary
    assert (probability[:60] >= threshold).mean() >= 0.9
    assert (probability[60:] < threshold).mean() >= 0.9


def test_the_starter_registry_protects_public_figures_out_of_the_box(api):
    # Loaded by `migrate` (and so by the first `make run`): no registry work needed by the operator.
    response = api.post("/api/v1/consent/check", {"prompt": "Barack Obama giving a speech"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False
    assert [(s["source"], s["reason"]) for s in body["subjects"]] == [("name", "protected_person")]
    assert "Barack Obama" in body["subjects"][0]["detail"]
    for prompt in ("B4r4ck 0b4m4 giving a speech", "#BarackObama giving a speech", "Barak Obama at a rally"):
        assert api.post("/api/v1/consent/check", {"prompt": prompt}, format="json").json()["allowed"] is False
    ordinary = api.post("/api/v1/consent/check", {"prompt": "a swift taylor sewing a jacket"}, format="json")
    assert ordinary.json()["allowed"] is True


def test_a_process_reads_the_registry_version_at_most_once_per_poll_interval_and_at_once_after_its_own_change(
    api, settings, django_assert_num_queries
):
    from moderation.models import NamesVersion
    from moderation.selectors import expire_names_version, names_version

    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "REGISTRY_POLL_S": 3600.0}
    expire_names_version()
    first = names_version()
    NamesVersion.objects.filter(pk=1).update(token="changed-by-another-process")
    with django_assert_num_queries(0):
        assert names_version() == first  # within the interval: not read again
    registry.person_upsert(name="Tess Example", aliases=[], description="")  # this process's own change
    assert names_version() not in (first, "changed-by-another-process")
    refused = api.post("/api/v1/consent/check", {"prompt": "Tess Example waving"}, format="json").json()
    assert refused["allowed"] is False


@pytest.mark.django_db(transaction=True)
def test_a_check_while_another_thread_updates_the_face_matrix_uses_the_one_it_replaces(collins, make_user):
    from moderation import selectors

    author = make_user("author")
    image = faces.group_photo(["hopper", "astronaut"], size=(1280, 720))

    def reasons() -> list[str]:
        decision = consent.check(author, "two friends", reference_image=image, record=False)
        return sorted(s.reason for s in decision.subjects)

    assert reasons() == ["protected_person", "unknown_face"]  # this process's matrix: Collins only
    hopper, _ = registry.person_upsert(name="Grace Hopper", aliases=[], description="")
    registry.face_add(person=hopper, data=jpeg(faces.photo("hopper")), source="hopper.jpg")
    decided: list[list[str]] = []
    assert selectors._faces_lock.acquire(timeout=10)  # another thread is bringing the matrix up to date
    try:
        checker = in_thread(lambda: decided.append(reasons()))
        checker.join(60)  # a deadlock detector: the lock is held until the check is done
        finished = not checker.is_alive()
    finally:
        selectors._faces_lock.release()
    checker.join(60)
    assert finished and decided == [["protected_person", "unknown_face"]]  # no wait: the matrix it replaces
    assert reasons() == ["protected_person", "protected_person"]  # the next check: Hopper's face too


@pytest.mark.parametrize(
    ("prompt", "who"),
    [
        # A one-word name that is also an ordinary word, in the plural and capitalised mid-sentence: the
        # family, as "the Obamas" always was. Before, the plural was read only for names that are no
        # ordinary word, and the job was queued and made (202, then ready).
        ("a photo of the Trumps at dinner", "Donald Trump"),
        ("dinner with the Trumps in the garden", "Donald Trump"),
    ],
)
def test_an_ordinary_word_name_in_the_plural_written_as_a_name_is_refused(refused_as_protected, prompt, who):
    refused_as_protected(prompt, who)


@pytest.mark.parametrize(
    "prompt",
    ["Trumps beat every other card in this game", "three trumps on a card table", "a pond full of drakes"],
)
def test_an_ordinary_word_in_the_plural_stays_free(api, prompt):
    assert api.post("/api/v1/generations", {"prompt": prompt, "duration_s": 2}, format="json").status_code == 202
