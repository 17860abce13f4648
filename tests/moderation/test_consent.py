"""The gate beyond the matrix: unknown people, the cameo limit, protected names, faces in uploads,
restrictions, instructions, and what is recorded."""

import numpy as np
import pytest

from cameos import services as cameos
from cameos.models import CameoGrant
from core.text import canonical
from generation.models import GenerationJob
from moderation import consent
from moderation.models import AuditEvent
from tests import synthetic_faces as faces
from tests.moderation.conftest import photo_of, video_tracks


def reasons(decision):  # type: ignore[no-untyped-def]
    return [(s["source"], s["handle"], s["reason"]) for s in decision.public()]


def test_a_prompt_with_nobody_in_it_is_allowed_and_recorded(me):
    decision = consent.check(me, "a lighthouse in a storm, cinematic")
    assert decision.allowed and decision.subjects == ()
    event = AuditEvent.objects.get(pk=decision.audit_id)
    assert event.kind == "consent_decision" and event.allowed is True and event.actor_id == me.pk
    assert "lighthouse" not in str(event.data)  # a digest of the prompt, not the prompt


def test_unknown_handles_and_people_without_a_cameo_are_refused_with_reasons(me, other):
    decision = consent.check(me, "@nobody.here and @other.person dancing. Then @Other.Person again.")
    assert not decision.allowed
    assert reasons(decision) == [
        ("mention", "nobody.here", "unknown_handle"),
        ("mention", "other.person", "no_cameo"),
    ]


def test_a_trailing_full_stop_and_emails_are_not_mentions(me, make_user, activate_cameo):
    friend = make_user("sam_k")
    activate_cameo(friend, audience="everyone")
    decision = consent.check(me, "me and @sam_k. Mail me at me@example.com")
    assert reasons(decision) == [("mention", "sam_k", "everyone")]


def test_at_most_three_cameos_in_one_video(me, make_user, activate_cameo, settings):
    people = [make_user(f"friend{i}") for i in range(4)]
    for person in people:
        activate_cameo(person, audience="everyone")
    decision = consent.check(me, " ".join(f"@{p.handle}" for p in people) + " at the beach")
    assert [s["reason"] for s in decision.public()] == ["everyone"] * 3 + ["too_many_cameos"]
    assert not decision.allowed
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "MAX_CAMEOS": 4}
    assert consent.check(me, " ".join(f"@{p.handle}" for p in people)).allowed


def test_protected_names_match_without_case_accents_or_possessives_on_word_boundaries(me, registry):
    registry("Beyoncé Knowles", "Beyoncé", "Queen Bey")
    for prompt in ("BEYONCE dancing", "beyoncé's concert", "Queen  Bey on stage", "a photo of Beyonce-Knowles"):
        decision = consent.check(me, prompt)
        assert [(s["source"], s["reason"]) for s in decision.public()] == [("name", "protected_person")], prompt
        assert not decision.allowed
    for prompt in ("beyonced the dance", "a queen bee on a flower", "queen beyond the wall"):
        assert consent.check(me, prompt).allowed, prompt


def test_the_registry_takes_effect_at_once_in_this_and_every_process(me, registry):
    assert consent.check(me, "wilhelmina stroud waving").allowed  # nobody in the starter list
    registry("Wilhelmina Stroud", kind="estate")
    assert not consent.check(me, "wilhelmina stroud waving").allowed


def test_an_owner_who_protects_their_name_is_a_subject_like_a_mention(me, make_user, activate_cameo):
    owner = make_user("dana.k", display_name="Dana Kowalski")
    activate_cameo(owner, audience="approved")
    assert consent.check(me, "Dana Kowalski skydiving").allowed  # not protected yet
    cameos.cameo_update(owner=owner, protect_name=True)
    for prompt in ("Dana Kowalski skydiving", "d4na k0walski skydiving", "#DanaKowalski skydiving"):
        assert reasons(consent.check(me, prompt)) == [("name", None, "needs_approval")], prompt
    single = make_user("mono", display_name="Dana")
    activate_cameo(single)
    cameos.cameo_update(owner=single, protect_name=True)
    assert reasons(consent.check(me, "Dana skydiving")) == []  # one word is no one in particular
    cameos.cameo_update(owner=owner, protect_name=False)
    assert consent.check(me, "Dana Kowalski skydiving").allowed


def test_everyday_words_taken_as_a_protected_display_name_are_no_name_in_lower_case(me, make_user, activate_cameo):
    """Found by a red-team: anyone may call themself "Golden Retriever" and protect the name. Read in
    any case, "a golden retriever on a sunny beach" then needed their approval (refused for everyone)
    or, with their cameo open to everyone, put them in it. A display name is found where it is
    written as a name, each word with its capital (the output scan still finds a cameo's face)."""
    troll = make_user("good.boy", display_name="Golden Retriever")
    activate_cameo(troll, audience="approved")
    cameos.cameo_update(owner=troll, protect_name=True)
    assert consent.check(me, "a golden retriever on a sunny beach").allowed
    assert reasons(consent.check(me, "Golden Retriever on a sunny beach")) == [("name", None, "needs_approval")]
    chinese = make_user("wang.fei", display_name="王 菲")  # no capitals to write: found as written
    activate_cameo(chinese, audience="approved")
    cameos.cameo_update(owner=chinese, protect_name=True)
    assert reasons(consent.check(me, "王 菲 singing")) == [("name", None, "needs_approval")]


def test_an_owners_display_name_is_no_way_to_use_a_public_figures_name_inside_it(make_user, activate_cameo, registry):
    """Found by a second reader: the longest find at a position won, so a protected owner's own name
    that contains a public figure's hid it, and the owner may name themself."""
    registry("Donald Trump")
    fan = make_user("the.fan", display_name="Donald Trump Fan")
    activate_cameo(fan, audience="everyone")
    cameos.cameo_update(owner=fan, protect_name=True)
    assert ("name", None, "protected_person") in reasons(consent.check(fan, "Donald Trump Fan dancing"))


def test_inside_an_owners_display_name_the_longest_public_figures_name_counts(me, make_user, activate_cameo, registry):
    """Found by a second reader: keeping every registry name inside an owner's name also kept Barack
    Obama, by the alias "Obama", inside "Mrs. Michelle Obama"."""
    registry("Barack Obama", "Obama")
    registry("Michelle Obama")
    owner = make_user("mrs.o", display_name="Mrs. Michelle Obama")
    activate_cameo(owner, audience="everyone")
    cameos.cameo_update(owner=owner, protect_name=True)
    decision = consent.check(me, "Mrs. Michelle Obama dancing")
    assert [(s.source, s.why, s.label) for s in decision.refused] == [("name", "protected_person", "Michelle Obama")]


def test_an_owners_display_name_in_a_script_without_spaces_is_no_word_inside_others(me, make_user, activate_cameo):
    """An owner's display name could be any word ("跳 舞", dancing): only the registry's names are
    found inside a run of Chinese characters, kana or Hangul."""
    owner = make_user("dancer", display_name="跳 舞")
    activate_cameo(owner, audience="approved")
    cameos.cameo_update(owner=owner, protect_name=True)
    assert consent.check(me, canonical("一个女孩在跳舞")).allowed


def test_a_mention_and_the_same_persons_name_make_one_subject(me, make_user, activate_cameo):
    owner = make_user("dana.k", display_name="Dana Kowalski")
    activate_cameo(owner, audience="everyone")
    cameos.cameo_update(owner=owner, protect_name=True)
    assert reasons(consent.check(me, "@dana.k (Dana Kowalski) skydiving")) == [("mention", "dana.k", "everyone")]


def test_an_unenrolled_real_face_in_an_upload_is_refused_and_the_authors_own_face_allowed(
    me, make_user, activate_cameo, settings
):
    activate_cameo(me, template=faces.template("hopper"))
    decision = consent.check(me, "us at the beach", reference_image=photo_of(("hopper", "camera")))
    assert sorted((s["source"], s["reason"]) for s in decision.public()) == [
        ("reference_face", "owner"),
        ("reference_face", "unknown_face"),
    ]
    assert not decision.allowed
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "REFUSE_UNKNOWN_FACES": False}
    assert consent.check(me, "us at the beach", reference_image=photo_of(("hopper", "camera"))).allowed


def test_an_upload_with_no_face_has_no_subjects(me):
    decision = consent.check(me, "this landscape at dusk", reference_image=faces.scene((960, 540)))
    assert decision.allowed and decision.subjects == ()


def test_a_face_in_an_upload_is_checked_like_a_mention(me, make_user, activate_cameo):
    owner = make_user("astro")
    cameo = activate_cameo(owner, template=faces.template("astronaut"), audience="approved")
    image = photo_of(("astronaut",))
    for stage in ("submit", "start"):  # the request path (HNSW) and the worker (exact)
        assert reasons(consent.check(me, "@astro, animated", reference_image=image, stage=stage)) == [
            ("mention", "astro", "needs_approval"),
            ("reference_face", None, "needs_approval"),
        ]
    CameoGrant.objects.create(cameo=cameo, grantee=me, status=CameoGrant.Status.APPROVED)
    assert consent.check(me, "@astro, animated", reference_image=image).allowed


@pytest.mark.parametrize("audience", ["everyone", "approved", "only_me"])
def test_a_photo_of_someone_the_prompt_does_not_name_tells_nothing_of_them(me, make_user, activate_cameo, audience):
    """Found by a red-team: a stranger's photo with "this, animated" was answered with their cameo's
    audience (needs_approval, not_available) or, open to everyone, a job naming them: anyone's account
    found by a photo. A face counts only as someone the prompt names; any other reads as a face with
    no cameo, and even a cameo open to everyone is not used."""
    activate_cameo(make_user("astro"), template=faces.template("astronaut"), audience=audience)
    for stage in ("submit", "start"):
        decision = consent.check(me, "this, animated", reference_image=photo_of(("astronaut",)), stage=stage)
        assert reasons(decision) == [("reference_face", None, "unknown_face")]
        assert decision.public() == consent.check(me, "this, animated", reference_image=photo_of(("hopper",))).public()
        assert not decision.allowed and decision.cameos == ()


@pytest.mark.parametrize("turn", ["quarter clockwise", "quarter counterclockwise", "upside down"])
def test_a_face_in_an_upload_however_it_is_turned_is_checked_too(me, make_user, activate_cameo, turn):
    """A photo uploaded sideways or upside down: the model animates the person in it as it is."""
    import cv2

    owner = make_user("astro")
    activate_cameo(owner, template=faces.template("astronaut"), audience="only_me")
    rotation = {
        "quarter clockwise": cv2.ROTATE_90_CLOCKWISE,
        "quarter counterclockwise": cv2.ROTATE_90_COUNTERCLOCKWISE,
        "upside down": cv2.ROTATE_180,
    }[turn]
    image = cv2.rotate(photo_of(("astronaut",)), rotation)
    for stage in ("submit", "start"):
        decision = consent.check(me, "@astro, animated", reference_image=image, stage=stage)
        assert ("reference_face", None, "not_available") in reasons(decision), (stage, reasons(decision))
        assert not decision.allowed
    activate_cameo(me, template=faces.template("hopper"))
    own = cv2.rotate(photo_of(("hopper",)), rotation)  # my own face, turned: found, and mine
    assert ("reference_face", None, "owner") in reasons(consent.check(me, "me, animated", reference_image=own))


def assert_refused_as_a_face_not_named(me, image: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    """An upload with "this, animated" whose face, found however hidden, is refused on submit and when
    a worker starts the job: unknown, or a cameo the author may not use (a face too spoilt to tell
    whose it is may be either)."""
    for stage in ("submit", "start"):
        decision = consent.check(me, "this, animated", reference_image=image, stage=stage)
        assert not decision.allowed
        assert {(source, reason) for source, _, reason in reasons(decision)} <= {
            ("reference_face", "not_available"),
            ("reference_face", "unknown_face"),
        }, (stage, reasons(decision))


def noisy(image: np.ndarray, noise: str) -> np.ndarray:
    rng = np.random.default_rng(7)
    if noise == "grain":
        return np.clip(image + rng.normal(0, 80, image.shape), 0, 255).astype(np.uint8)
    speckled = image.copy()  # salt and pepper on three pixels in ten
    where = rng.random(image.shape[:2])
    speckled[where < 0.15], speckled[where > 0.85] = 0, 255
    return speckled


@pytest.mark.parametrize("noise", ["grain", "salt and pepper"])
def test_a_face_in_an_upload_hidden_under_noise_is_checked_too(me, make_user, activate_cameo, noise):
    """Noise added to a photo hid its face from the detector (nobody was in it, so it was allowed),
    while the model, which denoises as it draws, animates the person in it. Under this much noise
    the face may be too spoilt to tell whose it is: unknown, refused all the same. A photo of nobody
    under the same noise is still allowed."""
    from skimage import data

    from cameos.likeness.faces import engine

    owner = make_user("astro")
    activate_cameo(owner, template=faces.template("astronaut"), audience="only_me")
    image = noisy(photo_of(("astronaut",)), noise)
    assert engine().detect(image) == []  # all the detector saw of it before
    assert_refused_as_a_face_not_named(me, image)
    nobody = noisy(np.ascontiguousarray(data.coffee()[:, :, ::-1]), noise)
    assert consent.check(me, "this, animated", reference_image=nobody).allowed


def pixelated(image: np.ndarray, blocks: int, box: tuple[int, int, int, int] | None) -> np.ndarray:
    """The image with `box` (x, y, width, height; all of it when None) pixelated `blocks` across."""
    import cv2

    x, y, w, h = box or (0, 0, image.shape[1], image.shape[0])
    cell = max(2, w // blocks)
    part = image[y : y + h, x : x + w]
    coarse = cv2.resize(part, (max(1, w // cell), max(1, h // cell)), interpolation=cv2.INTER_AREA)
    out = image.copy()
    out[y : y + h, x : x + w] = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_NEAREST)
    return out


@pytest.mark.parametrize("where", ["the face", "the whole photo"])
@pytest.mark.parametrize(
    "person, blocks",
    [("astronaut", 8), ("astronaut", 12), ("hopper", 8), ("hopper", 10), ("camera", 10), ("camera", 12)],
)
def test_a_pixelated_face_in_an_upload_is_checked_too(me, make_user, activate_cameo, person, blocks, where):
    """A selfie-like photo whose face is pixelated into 8-14 blocks across hid the face from
    the detector (nobody was in it, so it was allowed), while a model draws the person from the
    blocks. Refused like any face not named. A photo of nobody pixelated the same way is still
    allowed."""
    from skimage import data

    from cameos.likeness.faces import engine

    owner = make_user("astro")
    activate_cameo(owner, template=faces.template("astronaut"), audience="only_me")
    portrait = faces.portrait(person)
    x, y, w, h = (int(v) for v in portrait.face.box)
    box = (x, y, w, h) if where == "the face" else None
    image = pixelated(portrait.image, blocks if box else blocks * portrait.image.shape[1] // w, box)
    assert engine().detect(image) == []  # all the detector saw of it before
    assert_refused_as_a_face_not_named(me, image)
    coffee = np.ascontiguousarray(data.coffee()[:, :, ::-1])
    for cells in (40, 20):
        assert consent.check(me, "this, animated", reference_image=pixelated(coffee, cells, None)).allowed


@pytest.mark.parametrize(
    "display, prompt",
    [("Taylor Brooks", "Brooks, Taylor Swift on stage"), ("Jordan Taylor", "Jordan Taylor Swift on stage")],
)
def test_a_name_that_overlaps_a_protected_name_does_not_hide_it(
    me, make_user, activate_cameo, registry, display, prompt
):
    """A friend whose protected name shares a word with a public figure's: both are subjects, and the
    public figure is refused (the friend's name, found first, hid it)."""
    registry("Taylor Swift")
    friend = make_user("tbrooks", display_name=display)
    activate_cameo(friend, audience="everyone")
    cameos.cameo_update(owner=friend, protect_name=True)
    decision = consent.check(me, prompt)
    assert ("name", None, "protected_person") in reasons(decision)
    assert not decision.allowed


@pytest.mark.parametrize("prompt", ["Барак Обама dancing", "バラク・オバマが踊る", "Барак Обама танцует на крыше"])
def test_a_protected_name_written_in_another_alphabet_is_refused(me, registry, prompt):
    registry("Barack Obama", "Obama")
    decision = consent.check(me, canonical(prompt))
    assert [(s["source"], s["reason"]) for s in decision.public()] == [("name", "protected_person")]


@pytest.mark.parametrize(
    "prompt", ["Дональд Трамп играет в гольф", "Ангела Меркель", "Игорь и Дональд Трамп", "Гълъб Донев на пазара"]
)
def test_a_name_with_a_soft_sign_is_read_whole(me, registry, prompt):
    """Cyrillic's soft sign is an apostrophe in Latin letters ("Donal'd"), which cut the word in two;
    Bulgarian's hard sign is a vowel ("Гълъб" is Galab, not Glb)."""
    registry("Donald Trump")
    registry("Angela Merkel")
    registry("Galab Donev")
    decision = consent.check(me, canonical(prompt))
    assert [(s["source"], s["reason"]) for s in decision.public()] == [("name", "protected_person")]


@pytest.mark.parametrize(
    "prompt",
    [
        "Ντόναλντ Τραμπ χορεύει",  # anyascii: "Ntonalnt Tramp"
        "ΝΤΟΝΑΛΝΤ ΤΡΑΜΠ",
        "Μπαράκ Ομπάμα στην παραλία",  # "Mparak Ompama"
        "Βλαντίμιρ Πούτιν",  # "Vlantimir Poytin"
        "Κριστιάνο Ρονάλντο σκοράρει",  # "Kristiano Ronalnto"
    ],
)
def test_a_name_in_greek_letters_is_read_as_it_sounds(me, registry, prompt):
    """Greek writes the b, d, g and u of foreign names with two letters (μπ, ντ, γκ, ου), which a
    letter-by-letter romanisation leaves too far from the name."""
    for name in ("Donald Trump", "Barack Obama", "Vladimir Putin", "Cristiano Ronaldo"):
        registry(name)
    decision = consent.check(me, canonical(prompt))
    assert [(s["source"], s["reason"]) for s in decision.public()] == [("name", "protected_person")]


@pytest.mark.parametrize(
    "prompt",
    [
        "特朗普在跳舞",  # Trump is dancing
        "一只猫和特朗普在公园里",  # a cat and Trump in the park
        "ドナルド・トランプが踊る",
        "ドナルドトランプが踊る",  # without the middle dot
        "도널드 트럼프가 춤을 춘다",  # a particle joined to the name
        "埃隆·马斯克在火星上",
        "马云在跳舞",  # a two-character Chinese name
        "特.朗.普在跳舞",  # dotted out, as "O.b.a.m.a"
        "ドナルド・トランブ 踊る",  # a letter wrong: a name of several words is read as words too
        "ジャン＝クロード・ヴァン・ダムが踊る",
        "𠮷田沙保里が走る",  # a Chinese character outside the Basic Multilingual Plane
    ],
)
def test_a_name_in_a_script_without_spaces_is_found_inside_the_text(me, registry, prompt):
    """Chinese and Japanese put no space between a name and the next word, Korean joins a particle to
    it: the registry's aliases in those scripts are found inside the run, however its parts are
    separated. Romanised, "特朗普" and "ドナルド・トランプ" are "Te Lang Pu" and "donarudo toranpu",
    which name no one."""
    registry("Donald Trump", "特朗普", "ドナルド・トランプ", "도널드 트럼프")
    registry("Elon Musk", "埃隆·马斯克", "イーロン・マスク")
    registry("Jack Ma", "马云")
    registry("Jean-Claude Van Damme", "ジャン＝クロード・ヴァン・ダム")
    registry("Saori Yoshida", "𠮷田沙保里")
    decision = consent.check(me, canonical(prompt))
    assert [(s["source"], s["reason"]) for s in decision.public()] == [("name", "protected_person")]


@pytest.mark.parametrize(
    "prompt",
    [
        "猫がマスクをしている",  # a cat wearing a mask: マスク alone is no alias
        "트럼프 카드 게임",  # a game of cards ("trump" in Korean): the one-word alias is too short
        "一只猫在公园里玩",
        "아이 유치원 가방",  # a child's kindergarten bag: 아이유 (IU) across a space Korean puts between words
        "팀이 승기를 잡았다",  # the team took the lead: 이승기 from the middle of a word
    ],
)
def test_a_short_word_in_a_script_without_spaces_is_no_name(me, registry, prompt):
    """Two kana or Hangul syllables are parts of too many ordinary words to be a name inside a run; a
    Korean name starts a word and is broken only where the name is."""
    registry("Elon Musk", "イーロン・マスク", "マス")
    registry("Donald Trump", "트럼")
    registry("IU", "아이유")
    registry("Lee Seung-gi", "이승기")
    assert consent.check(me, canonical(prompt)).allowed


@pytest.mark.parametrize(
    "prompt",
    [
        "кошка спит на крыше",
        "Игорь гуляет в парке осенью",  # Igor' walks in the park in autumn
        "Гълъб в България",  # a dove in Bulgaria: the hard sign a vowel there
        "猫が屋根の上で寝ている",
        "Ο γάτος κοιμάται",
        "Μπορώ να δω το πάρκο",  # may I see the park: μπ read "b"
        "Το τρένο μπαίνει στο τούνελ",
        "一只猫在公园里玩",  # a cat playing in the park
        "我的猫在睡觉",
        "고양이가 잔다",
    ],
)
def test_prompts_in_another_alphabet_that_name_no_one_pass(me, registry, prompt):
    registry("Barack Obama", "Obama")
    registry("Mao Zedong", "Mao")  # 猫, cat, romanised is "Mao": Han characters are not read romanised
    assert consent.check(me, canonical(prompt)).allowed


def test_generated_faces_that_match_no_cameo_are_made_up_people(me, make_user, activate_cameo):
    found = consent.match_faces(np.stack(video_tracks(("camera",))), exact=True)
    assert [f.cameo_id for f in found] == [None]
    assert consent.check(me, "a crowd", output_faces=found, stage="output").allowed


def test_restrictions_refuse_prompts_that_break_them_but_not_the_owners_own(me, make_user, activate_cameo):
    owner = make_user("ria")
    activate_cameo(owner, audience="everyone")
    cameos.cameo_update(owner=owner, restrictions=["No drinking", "never political content"])
    assert reasons(consent.check(me, "@ria drinking beer on a boat")) == [("mention", "ria", "restriction")]
    assert reasons(consent.check(me, "@ria at a Political rally")) == [("mention", "ria", "restriction")]
    assert consent.check(me, "@ria surfing").allowed
    assert consent.check(owner, "@ria drinking beer on a boat").allowed


def test_restrictions_are_matched_by_meaning_in_workers(me, make_user, activate_cameo):
    owner = make_user("ria")
    activate_cameo(owner, audience="everyone")
    cameos.cameo_update(owner=owner, restrictions=["no drinking", "no politics"])
    for prompt in ("@ria chugging beers at a bar", "@ria voting for president"):
        assert consent.check(me, prompt).allowed, prompt  # no shared word: the request lets it through
        assert reasons(consent.check(me, prompt, stage="start", semantic=True)) == [("mention", "ria", "restriction")]
    for prompt in ("@ria dancing at a club", "@ria at a birthday party", "@ria walking a dog"):
        assert consent.check(me, prompt, stage="start", semantic=True).allowed, prompt


def test_instructions_of_each_allowed_cameo_go_to_the_generator(me, make_user, activate_cameo):
    owner = make_user("capper")
    activate_cameo(owner, audience="everyone")
    cameos.cameo_update(owner=owner, instructions="always wearing a blue cap")
    decision = consent.check(me, "@capper and me on a roller coaster")
    assert [(c.handle, c.instructions) for c in decision.cameos] == [("capper", "always wearing a blue cap")]


def test_the_audit_records_every_subject_by_id_with_the_true_reason(me, make_user, activate_cameo):
    owner = make_user("blocky")
    activate_cameo(owner, audience="everyone")
    from accounts import services as accounts

    accounts.block_create(blocker=owner, blocked=me)
    decision = consent.check(me, "@blocky juggling", job="job-42")
    assert decision.public()[0]["reason"] == "unknown_handle"  # the author is not told of the block
    event = AuditEvent.objects.get(pk=decision.audit_id)
    assert (event.allowed, event.subject_id, event.object_id) == (False, owner.pk, "job-42")
    assert event.data["subjects"] == [{"user_id": owner.pk, "source": "mention", "allowed": False, "why": "blocked"}]


def test_unknown_stage_is_a_programming_error(me):
    with pytest.raises(ValueError, match="stage"):
        consent.check(me, "x", stage="whenever")


@pytest.mark.parametrize("turn", [None, "quarter clockwise", "quarter counterclockwise", "upside down"])
def test_the_smallest_faces_found_in_a_1080p_upload_are_still_checked(me, make_user, activate_cameo, turn):
    """Faces about 110 pixels tall in a 1920×1080 photo (patches 200 pixels wide; at 180 detection
    on the 640-pixel copy starts to miss them) are found and decided like large ones, however the
    photo is turned (the turned views were looked at half as large, and missed them): the author's
    own face allowed, a stranger's refused."""
    import cv2

    activate_cameo(me, template=faces.template("hopper"))
    image = faces.paste_faces(faces.scene((1920, 1080)), [("hopper", 600, 540), ("astronaut", 1300, 540)], 200)
    if turn is not None:
        rotation = {
            "quarter clockwise": cv2.ROTATE_90_CLOCKWISE,
            "quarter counterclockwise": cv2.ROTATE_90_COUNTERCLOCKWISE,
            "upside down": cv2.ROTATE_180,
        }[turn]
        image = cv2.rotate(image, rotation)
    decision = consent.check(me, "us at the beach", reference_image=image)
    assert sorted((s["source"], s["reason"]) for s in decision.public()) == [
        ("reference_face", "owner"),
        ("reference_face", "unknown_face"),
    ]


def crowd(copies: int, *, columns: int, hers: bool) -> np.ndarray:
    """`copies` of my face (hopper's) in a grid, 190 px each, and one of hers (the astronaut's) last."""
    spots = [("hopper", 100 + 200 * (i % columns), 100 + 200 * (i // columns)) for i in range(copies)]
    if hers:
        spots.append(("astronaut", 100 + 200 * (copies % columns), 100 + 200 * (copies // columns)))
    rows = (len(spots) + columns - 1) // columns
    return faces.paste_faces(faces.scene((200 * columns, 200 * rows)), spots, 190)


def test_a_face_hidden_in_a_crowd_of_the_authors_own_faces_is_still_checked(me, make_user, activate_cameo):
    """23 copies of my own face and one of hers, who shares her cameo with nobody: each face is
    checked, so hers is found and refused (the detector kept only its 50 best boxes, and missed hers)."""
    activate_cameo(me, template=faces.template("hopper"))
    activate_cameo(make_user("astro"), template=faces.template("astronaut"), audience="only_me")
    decision = consent.check(me, "@astro and me, animated", reference_image=crowd(23, columns=8, hers=True))
    assert ("reference_face", None, "not_available") in reasons(decision)
    assert not decision.allowed
    assert consent.check(me, "all of me, animated", reference_image=crowd(24, columns=8, hers=False)).allowed


def test_an_image_of_more_faces_than_can_be_checked_is_refused_before_any_is_matched(me, activate_cameo, monkeypatch):
    """Past REFERENCE_FACES_MAX faces (each one embedded costs ~8 ms; a tiled image of hundreds cost a
    submit 11 s), the image is refused, even all of them mine, and none is embedded."""
    from cameos.likeness.faces import FaceEngine

    activate_cameo(me, template=faces.template("hopper"))
    embedded: list[int] = []
    real = FaceEngine.embed
    monkeypatch.setattr(FaceEngine, "embed", lambda self, crops: embedded.append(len(crops)) or real(self, crops))
    decision = consent.check(me, "all of me, animated", reference_image=crowd(36, columns=9, hers=False))
    assert reasons(decision) == [("reference_face", None, "too_many_faces")]
    assert decision.public()[0]["detail"] == f"The image shows more than {consent.REFERENCE_FACES_MAX} faces."
    assert not decision.allowed and embedded == []


def test_a_cameo_found_by_face_goes_to_the_generator_with_its_owners_handle(me, make_user, activate_cameo):
    owner = make_user("astro")
    activate_cameo(owner, template=faces.template("astronaut"), audience="everyone")
    cameos.cameo_update(owner=owner, instructions="in a white suit")
    decision = consent.check(me, "@astro, animated", reference_image=photo_of(("astronaut",)))
    assert decision.allowed
    assert [(c.handle, c.instructions) for c in decision.cameos] == [("astro", "in a white suit")]


def test_a_mention_of_someone_who_blocked_the_author_reads_unknown_whatever_else_is_mentioned(
    me, make_user, activate_cameo
):
    from accounts import services as accounts

    blocker, open_owner, no_cameo = make_user("blocker1"), make_user("open1"), make_user("plain1")
    activate_cameo(blocker, audience="everyone")
    activate_cameo(open_owner, audience="everyone")
    accounts.block_create(blocker=blocker, blocked=me)
    accounts.block_create(blocker=me, blocked=no_cameo)  # the author's own block is not theirs
    decision = consent.check(me, "@open1 @blocker1 @plain1 @nobody99 dancing")
    assert reasons(decision) == [
        ("mention", "open1", "everyone"),
        ("mention", "blocker1", "unknown_handle"),
        ("mention", "plain1", "no_cameo"),
        ("mention", "nobody99", "unknown_handle"),
    ]


# Letters drawn differently, which a video model reads as the name (found by red-teaming the gate).
# A name of five letters or more was found in most of these by the romanised reading (anyascii reads
# "🅼" as "M" and drops a stroke), but a short one ("Modi", "Cher", here "Quen") counts from five
# letters there, and a letter drawn out is plain ASCII: each of these named no one before.
DRAWN_DIFFERENTLY = [
    "Qᴜᴇɴ on stage",  # small capitals ("small caps" text generators)
    "🆀🆄🅴🅽 on stage",  # letters in negative squares, which NFKC leaves as symbols
    "🅠🅤🅔🅝 on stage",  # in negative circles
    "🇶🇺🇪🇳 on stage",  # regional indicators, the letters of flags
    "Qu\u0301\u0302en on stage",  # accents stacked on one letter
    "Q\u0336uen on stage",  # a letter struck through
    "Queeeen on stage",  # a letter drawn out
    "Marisol Quenbyyyy on stage",
    "Mariiiisol Quenbyyy on stage",
    "Mari-\nsol Quenby on stage",  # a word hyphenated across a line
]


@pytest.mark.parametrize("prompt", DRAWN_DIFFERENTLY)
def test_a_protected_name_in_letters_drawn_differently_is_refused(api, registry, prompt):
    registry("Marisol Quenby", "Quen")
    preflight = api.post("/api/v1/consent/check", {"prompt": prompt}, format="json").json()
    assert preflight["allowed"] is False
    assert [(s["source"], s["reason"]) for s in preflight["subjects"]] == [("name", "protected_person")]
    response = api.post("/api/v1/generations", {"prompt": prompt, "duration_s": 2}, format="json")
    assert response.status_code == 403, response.json()
    assert response.json()["error"] == "consent_required"
    assert not GenerationJob.objects.exists()


def test_an_owners_protected_name_with_a_letter_drawn_out_is_a_subject(api, make_user, activate_cameo):
    owner = make_user("keelan", display_name="Keelan Ostrava")
    activate_cameo(owner, audience="approved")
    cameos.cameo_update(owner=owner, protect_name=True)
    for prompt in ("Keeeelan Ostravaaa waving", "Keelaaaan Ostrava waving"):
        body = api.post("/api/v1/consent/check", {"prompt": prompt}, format="json").json()
        assert [(s["source"], s["reason"]) for s in body["subjects"]] == [("name", "needs_approval")], prompt


@pytest.mark.parametrize(
    "prompt",
    [
        "a marigold field at dawn",
        "a queen on stage",
        "soooo cute, a puppy in the snow",
        "Noooo, the marisol flowers wilted",
        "Let's all cheeeer for the team",
        "Goooal! a striker celebrates in the rain",
        "Brrrr, a snowy morning in Quebec",
        "Zzzz, a sleepy cat on a sofa",
        "a 🅿 parking sign by the road",
        "🇫🇷 and 🇺🇸 flags over a stadium",
        "a t\u0336y\u0336p\u0336o\u0336 crossed out on a whiteboard",
        "ᴀ sᴍᴀʟʟ ᴄᴀᴘs sign over a bakery",
        "a bowl of phở and bánh mì on a table",
        "pre- and post-war houses on a quiet street",
        "a two-\nor three-storey house by the sea",
    ],
)
def test_ordinary_prompts_with_such_letters_stay_free(api, registry, prompt):
    """Against the starter registry too (loaded by migrate): reading the letters plain names no one."""
    registry("Marisol Quenby", "Quen")
    body = api.post("/api/v1/consent/check", {"prompt": prompt}, format="json").json()
    assert body["allowed"] is True, body


@pytest.mark.parametrize(
    "prompt",
    ['Marisol "the voice" Quenby on stage', "Marisol (the voice) Quenby on stage", "Marisol “la voz” Quenby on stage"],
)
def test_a_nickname_in_quotes_between_the_words_of_a_protected_name_is_refused(api, registry, prompt):
    """'Elon "rocket man" Musk' still says Elon Musk to a video model; the words in between hid it."""
    registry("Marisol Quenby", "Quen")
    body = api.post("/api/v1/consent/check", {"prompt": prompt}, format="json").json()
    assert [(s["source"], s["reason"]) for s in body["subjects"]] == [("name", "protected_person")]
    response = api.post("/api/v1/generations", {"prompt": prompt, "duration_s": 2}, format="json")
    assert response.status_code == 403 and response.json()["error"] == "consent_required"


@pytest.mark.parametrize(
    "prompt",
    [
        'a red "stop" sign by the road, Marisol flowers behind it',
        'Taylor, the best "tailor" in town, sewing a jacket',
        "a swift (and quiet) taylor at work",
        'a sign that says "open" above the door of a bakery',
    ],
)
def test_words_in_quotes_between_ordinary_words_name_no_one(api, registry, prompt):
    registry("Marisol Quenby", "Quen")
    assert api.post("/api/v1/consent/check", {"prompt": prompt}, format="json").json()["allowed"] is True


# Evasions a red-team found after those above: each named no one before.
RED_TEAMED = [
    "Musk Elon dancing on Mars",  # surname first without a comma
    "Tay lor Swift singing in the rain",  # a capitalised word cut by a space
    "\u202eamabO kcaraB\u202c surfing",  # reversed behind a right-to-left override: shown "Barack Obama"
    "ƃuᴉɟɹns ɐɯɐqO ʞɔɐɹɐq",  # upside down (each letter turned, read from the end): Barack Obama surfing
    "ɯɐǝɹɔ ǝɔᴉ ƃuᴉʇɐǝ ɐɯɐqO",  # upside down alone: Obama eating ice cream
    "ǫᴜᴇɴ on stage",  # small capitals, whose q is "ǫ"
    "Ɋuen on stage",  # a Q with a hook tail
    "Обамаааа на сцене",  # a letter drawn out in another alphabet
]


@pytest.mark.parametrize("prompt", RED_TEAMED)
def test_a_protected_name_written_in_a_red_teamed_way_is_refused(api, registry, prompt):
    registry("Marisol Quenby", "Quen")
    preflight = api.post("/api/v1/consent/check", {"prompt": prompt}, format="json").json()
    assert preflight["allowed"] is False, preflight
    assert [(s["source"], s["reason"]) for s in preflight["subjects"]] == [("name", "protected_person")]
    response = api.post("/api/v1/generations", {"prompt": prompt, "duration_s": 2}, format="json")
    assert response.status_code == 403, response.json()
    assert response.json()["error"] == "consent_required"
    assert not GenerationJob.objects.exists()


@pytest.mark.parametrize(
    "prompt",
    [
        "we met Major John at the base",
        "a weekend at the Hilton Paris Opera",
        "Happy Holiday Billie! a cake with candles",
        "Jordan Michael dunking a basketball",
        "Tay lor made suits in a shop window",
        "Ba rack of lamb on a plate",
        "Me din de Kofi, ɔyɛ adwuma wɔ Accra",  # Twi: letters also used upside down, read plain here
    ],
)
def test_ordinary_prompts_like_those_stay_free(api, registry, prompt):
    """Against the starter registry (Paris Hilton, Billie Holiday, John Major, Michael Jordan)."""
    body = api.post("/api/v1/consent/check", {"prompt": prompt}, format="json").json()
    assert body["allowed"] is True, body
