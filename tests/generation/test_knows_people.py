"""KnowsPeopleBackend (tests/knows_people.py), the stand-in for a video model that knows people: a
protected person named in a prompt, however spelled, ends up on screen, and the output scan finds
their registered face there. The faces are GAN faces of nobody (tests/gan_faces.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from cameos.conf import conf
from generation.backends.base import RenderRequest
from generation.media.encode import encode_mp4
from moderation.registry import face_add, person_upsert
from moderation.scan import scan_video
from moderation.selectors import protected_face_matches
from tests import gan_faces
from tests.knows_people import KnownPerson, KnowsPeopleBackend, readings, recognise

TESS_DESCRIPTION = "the host of the late-night puppet show Example Tonight on channel nine"
TAYLOR_DESCRIPTION = "the singer of Shake It Off and Blank Space who headlined the Eras Tour"


def _jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return data.tobytes()


@pytest.fixture
def registry(db):  # type: ignore[no-untyped-def]
    """Two protected people with a GAN face each: "Tess Example", and "Taylor Swift" (upserted over
    the starter list's entry, if the migrations loaded it)."""
    tess_seed, taylor_seed = gan_faces.seeds(2)
    tess, _ = person_upsert(name="Tess Example", aliases=["Tessa Example"], description=TESS_DESCRIPTION)
    face_add(person=tess, data=_jpeg(gan_faces.face(tess_seed)), source=f"gan-{tess_seed}.jpg")
    taylor, _ = person_upsert(
        name="Taylor Swift", aliases=["Taylor Alison Swift", "T-Swift", "Tay Swift"], description=TAYLOR_DESCRIPTION
    )
    face_add(person=taylor, data=_jpeg(gan_faces.face(taylor_seed)), source=f"gan-{taylor_seed}.jpg")
    return {"tess": tess, "taylor": taylor}


def _scan(backend: KnowsPeopleBackend, prompt: str, folder: Path) -> list[int]:
    """Render `prompt` (1 s, 8 fps, 256×448), encode it to H.264 and run the output scan: the ids of
    the protected people whose registered face a track matches."""
    request = RenderRequest(prompt=prompt, cameos=[], image=None, duration_s=1.0, width=256, height=448, fps=8, seed=3)
    path = folder / "out.mp4"
    encode_mp4(list(backend.render(request, lambda fraction: None)), path, fps=request.fps)
    scan = scan_video(path)
    if not scan.tracks:
        return []
    threshold = conf().protected_threshold
    matches = protected_face_matches(np.stack([t.template for t in scan.tracks]), min_similarity=threshold)
    return sorted({m.person_id for m in matches if m is not None})


def test_from_registry_loads_people_with_faces_as_reference_crops(registry) -> None:  # type: ignore[no-untyped-def]
    backend = KnowsPeopleBackend.from_registry()
    by_id = {p.person_id: p for p in backend.people}
    assert set(by_id) == {registry["tess"].pk, registry["taylor"].pk}  # the starter list has no faces
    tess = by_id[registry["tess"].pk]
    assert tess.names == ["Tess Example", "Tessa Example"]
    assert tess.description == TESS_DESCRIPTION
    assert [c.shape for c in tess.crops] == [(224, 224, 3)]
    assert by_id[registry["taylor"].pk].names == ["Taylor Swift", "Taylor Alison Swift", "T-Swift", "Tay Swift"]
    # What the model read about her besides the registry's line (tests/data/known_facts.jsonl); Tess
    # is nobody it has read of.
    assert len(by_id[registry["taylor"].pk].facts) >= 6
    assert tess.facts == ()


@pytest.mark.parametrize("prompt", ["Tess Example surfing at sunset", "T3ss Ex4mple surfing"])
def test_a_named_protected_person_is_drawn_and_the_scan_finds_their_face(registry, tmp_path, prompt) -> None:  # type: ignore[no-untyped-def]
    backend = KnowsPeopleBackend.from_registry()
    assert _scan(backend, prompt, tmp_path) == [registry["tess"].pk]
    assert [p.person_id for p in backend.last_recognised] == [registry["tess"].pk]


def test_a_benign_prompt_draws_no_protected_face(registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    backend = KnowsPeopleBackend.from_registry()
    assert _scan(backend, "a swift taylor sewing a jacket", tmp_path) == []
    assert backend.last_recognised == []


# --- the recogniser alone (no rendering) ------------------------------------------------------------

PEOPLE = [
    KnownPerson(1, ["Tess Example", "Tessa Example"], TESS_DESCRIPTION),
    KnownPerson(2, ["Taylor Swift", "T-Swift", "Tay Swift"], ""),
    KnownPerson(3, ["Elvis Presley", "Elvis"], ""),
    KnownPerson(4, ["Xi Jinping", "President Xi"], ""),
]


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Tess Example surfing at sunset", [1]),
        ("T3ss Ex4mple surfing", [1]),
        ("TESS EXAMPEL dancing", [1]),  # two letters swapped: one missing, one extra
        ("t e s s . e x a m p l e at the beach", [1]),
        ("Tеss Ехample on stage", [1]),  # Cyrillic е, Х, а
        ("Te\u200bss Exa\u00admple", [1]),  # zero-width space, soft hyphen
        ("ＴＥＳＳ ＥＸＡＭＰＬＥ", [1]),  # fullwidth
        ("Tëss Éxample", [1]),
        ("tayl0r $w1ft singing", [2]),
        ("Taylor Swiift at the eras tour", [2]),
        ("3lvis dancing", [3]),
        ("a swift taylor sewing a jacket", []),
        ("friends surfing at sunset", []),
        ("a slow pan across presidential portraits", []),  # not "President Xi" with a letter missing
        ("a test example of surfing", [1]),  # one wrong letter: as liberal as a model that knows her
    ],
)
def test_recogniser_reads_names_however_spelled(prompt: str, expected: list[int]) -> None:
    assert [p.person_id for p in recognise(prompt, PEOPLE, description_threshold=None)] == expected


def test_recogniser_finds_a_described_person_by_meaning() -> None:
    assert [p.person_id for p in recognise("the host of Example Tonight dancing with puppets", PEOPLE)] == [1]
    assert recognise("friends surfing at sunset", PEOPLE) == []
    # A role is not a person: as close to "a tv host" as to Tess's line.
    assert recognise("the host of a dinner party raising a toast", PEOPLE) == []


def test_recogniser_knows_facts_the_registry_does_not_say() -> None:
    singer = KnownPerson(5, ["Rihanna"], "a Barbadian singer and businesswoman", facts=("the singer of Umbrella",))
    assert [p.person_id for p in recognise("the singer of Umbrella walking in the rain", [singer])] == [5]
    assert recognise("the singer of Umbrella walking in the rain", [replace(singer, facts=())]) == []
    assert recognise("the singer of a wedding band playing a slow song", [singer]) == []


def test_readings_undo_leetspeak_both_ways() -> None:
    assert readings("B1ll|e 3il!sh") == [["billie", "eilish"], ["blllle", "eillsh"], ["b1ll", "e", "3il", "sh"]]
