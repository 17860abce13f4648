"""The protected-person registry: people with faces, the CSV import (all or nothing) and export, the
management command, the starter list, the face gallery search and the admin. Real photos, real faces."""

from __future__ import annotations

import csv
import importlib
import io
import resource
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from cameos.conf import conf
from moderation.models import NamesVersion, ProtectedFace, ProtectedPerson
from moderation.registry import (
    DuplicateFace,
    FaceOfAnother,
    ImportResult,
    RegistryImportError,
    face_add,
    face_remove,
    face_template,
    name_key,
    person_delete,
    person_link_account,
    registry_export,
    registry_import,
)
from moderation.selectors import protected_face_matches
from tests import synthetic_faces as faces

HEADER = "name,aliases,description,photos\n"
starter = importlib.import_module("moderation.migrations.0004_starter_list")
known_for_migration = importlib.import_module("moderation.migrations.0008_known_for")


def jpeg(name: str, *, scale: float = 1.0, quality: int = 95) -> bytes:
    image = faces.photo(name)
    if scale != 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def stored_files() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def snapshot() -> tuple[int, int, int, str]:
    """What an operator would see change: people, faces, files, and the registry's version."""
    return (
        ProtectedPerson.objects.count(),
        ProtectedFace.objects.count(),
        len(stored_files()),
        NamesVersion.objects.get(pk=1).token if NamesVersion.objects.filter(pk=1).exists() else "",
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with photos as an operator would have them: two people, a scene, and a text file."""
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "hopper.jpg").write_bytes(jpeg("hopper"))
    (tmp_path / "astronaut.png").write_bytes(cv2.imencode(".png", faces.photo("astronaut"))[1].tobytes())
    (tmp_path / "coffee.jpg").write_bytes(jpeg("scene"))
    (tmp_path / "notes.jpg").write_text("not a photo at all")
    (tmp_path / "thin.png").write_bytes(cv2.imencode(".png", np.full((5000, 1, 3), 200, np.uint8))[1].tobytes())
    (tmp_path / "strip.png").write_bytes(cv2.imencode(".png", np.full((40, 200_000, 3), 200, np.uint8))[1].tobytes())
    return tmp_path


def write_csv(folder: Path, text: str, name: str = "people.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def good_csv(folder: Path) -> Path:
    return write_csv(
        folder,
        HEADER
        + 'Amelia Quist,"Mia Q|The Admiral",a computer scientist who wrote the first compiler,photos/hopper.jpg\n'
        + f"Bartholomew Ferrante,,an astronaut who flew four missions,{folder / 'astronaut.png'}\n"
        + "Célestine Marrow,Cel,,\n",
    )


# --- import, re-import, export ---------------------------------------------------------------------


def test_import_creates_people_with_aliases_and_faces_and_a_second_import_changes_nothing(db, folder):
    people, faces_before, files_before, _ = snapshot()

    result = registry_import(good_csv(folder))

    assert result == ImportResult(created=3, updated=0, unchanged=0, faces_added=2)
    amelia = ProtectedPerson.objects.get(name="Amelia Quist")
    assert amelia.aliases == ["Mia Q", "The Admiral"]
    assert amelia.description == "a computer scientist who wrote the first compiler"
    assert amelia.name_key == "amelia quist"
    assert ProtectedPerson.objects.get(name_key="celestine marrow").aliases == ["Cel"]
    face = amelia.faces.get()
    assert face.source == "hopper.jpg"
    assert face.photo.name.startswith("protected/") and face.photo.name.endswith(".jpg")
    assert "hopper" not in face.photo.name and "amelia" not in face.photo.name.lower()
    assert ProtectedPerson.objects.get(name="Bartholomew Ferrante").faces.count() == 1
    files = stored_files()
    assert len(files) == files_before + 2
    assert all(cv2.imread(str(f)) is not None for f in files)  # the stored photos are real JPEGs
    after = snapshot()
    assert after[:3] == (people + 3, faces_before + 2, files_before + 2)

    again = registry_import(good_csv(folder))

    assert again == ImportResult(created=0, updated=0, unchanged=3, faces_added=0)
    assert snapshot() == after  # not even the version moved: every process keeps its index


def test_a_changed_row_updates_its_entry_and_a_new_photo_is_added(db, folder):
    registry_import(good_csv(folder))
    (folder / "hopper-small.jpg").write_bytes(jpeg("hopper", scale=0.7, quality=80))
    path = write_csv(
        folder,
        "name,aliases,description,photos,kind,deceased\n"
        "AMELIA  QUIST,Mia Q,the inventor of COBOL,photos/hopper.jpg|hopper-small.jpg,estate,yes\n",
    )

    result = registry_import(path)

    assert result == ImportResult(created=0, updated=1, unchanged=0, faces_added=1)
    amelia = ProtectedPerson.objects.get(name_key="amelia quist")
    assert (amelia.name, amelia.aliases, amelia.description) == ("AMELIA QUIST", ["Mia Q"], "the inventor of COBOL")
    assert (amelia.kind, amelia.deceased) == ("estate", True)
    assert amelia.faces.count() == 2


def test_known_for_phrases_are_imported_exported_and_kept_by_a_file_without_them(db, folder, tmp_path):
    path = write_csv(
        folder,
        "name,aliases,description,photos,known_for\n"
        'Amelia Quist,,a computer scientist,,"the inventor of COBOL | the admiral who found the first bug|'
        'the inventor of COBOL"\n',
    )
    assert registry_import(path).created == 1
    amelia = ProtectedPerson.objects.get(name_key="amelia quist")
    assert amelia.known_for == ["the inventor of COBOL", "the admiral who found the first bug"]  # trimmed, once

    with (tmp_path / "out.csv").open("w", encoding="utf-8", newline="") as stream:
        registry_export(stream)
    row = next(r for r in csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")) if r["name"] == "Amelia Quist")
    assert row["known_for"] == "the inventor of COBOL|the admiral who found the first bug"
    before = snapshot()
    assert registry_import(tmp_path / "out.csv").updated == 0
    assert snapshot() == before

    # A file without the column leaves the phrases as they are; an empty cell clears them.
    registry_import(write_csv(folder, HEADER + "Amelia Quist,,the inventor of COBOL,\n"))
    amelia.refresh_from_db()
    assert (amelia.description, len(amelia.known_for)) == ("the inventor of COBOL", 2)
    registry_import(write_csv(folder, "name,known_for\nAmelia Quist,\n"))
    amelia.refresh_from_db()
    assert amelia.known_for == []


def test_the_services_check_known_for_and_leave_it_alone_when_not_given(db, registry):
    from core.exceptions import InvalidInput
    from moderation.registry import person_update, person_upsert

    person = registry("Amelia Quist", description="a computer scientist", known_for=["the inventor of COBOL"])
    person_update(
        person=person,
        name="Amelia Quist",
        aliases=[],
        description="an admiral",
        kind=person.kind,
        deceased=False,
        note="",
    )
    person.refresh_from_db()
    assert (person.description, person.known_for) == ("an admiral", ["the inventor of COBOL"])
    before = snapshot()
    for bad in (["the inventor of COBOL|and of FLOW-MATIC"], [1, 2], {"a": "b"}, ["the " + "x" * 200]):
        with pytest.raises(InvalidInput) as caught:
            person_upsert(name="Amelia Quist", known_for=bad)
        assert "known_for" in caught.value.extra["fields"]
    assert snapshot() == before
    person.refresh_from_db()
    assert person.known_for == ["the inventor of COBOL"]


def test_export_then_import_round_trips(db, folder, tmp_path_factory):
    registry_import(good_csv(folder))
    out = tmp_path_factory.mktemp("export")
    with (out / "registry.csv").open("w", encoding="utf-8", newline="") as stream:
        count = registry_export(stream, photos_dir=out / "photos", csv_dir=out)
    assert count == ProtectedPerson.objects.count()
    rows = list(csv.DictReader((out / "registry.csv").open(encoding="utf-8")))
    amelia = next(r for r in rows if r["name"] == "Amelia Quist")
    assert amelia["aliases"] == "Mia Q|The Admiral"
    assert amelia["photos"].startswith("photos/") and (out / amelia["photos"]).is_file()

    before = snapshot()
    again = registry_import(out / "registry.csv")  # into the same registry: nothing changes
    assert (again.created, again.updated, again.faces_added) == (0, 0, 0)
    assert snapshot() == before

    # Into a registry without them: the same people, the same faces.
    templates = {
        p.name: np.array(p.faces.get().embedding)
        for p in ProtectedPerson.objects.filter(name__in=["Amelia Quist", "Bartholomew Ferrante"])
    }
    wanted = {
        p.name: (p.aliases, p.description, p.kind, p.deceased)
        for p in ProtectedPerson.objects.filter(
            name_key__in=["amelia quist", "bartholomew ferrante", "celestine marrow"]
        )
    }
    for person in ProtectedPerson.objects.filter(name__in=wanted):
        person_delete(person=person)

    result = registry_import(out / "registry.csv")

    assert (result.created, result.faces_added) == (3, 2)
    got = {
        p.name: (p.aliases, p.description, p.kind, p.deceased) for p in ProtectedPerson.objects.filter(name__in=wanted)
    }
    assert got == wanted
    for name, template in templates.items():
        face = ProtectedPerson.objects.get(name=name).faces.get()
        assert float(np.array(face.embedding) @ template) > 0.95  # the same face, through one more JPEG


# --- bad files: every problem named by its line, nothing written -----------------------------------

BAD = {
    "no header": ("Amelia Quist,Mia,someone,\n", 1, "The first line must be the header"),
    "wrong columns": ("nom,alias\nAmelia Quist,Mia\n", 1, "it is “nom,alias”"),
    "unknown column": ("name,aliases,colour\nAmelia Quist,Mia,blue\n", 1, "Unknown column 'colour'"),
    "bad quoting": (HEADER + 'Amelia Quist,,,\n"Bart "the" Ferrante",,,\n', 3, "Malformed CSV"),
    "unterminated quote": (HEADER + 'Amelia Quist,,,\n"Bart Ferrante,,,\n', 3, "Malformed CSV"),
    "too many values": (HEADER + "Amelia Quist,,,,,\n", 2, "6 values for 4 columns"),
    "empty name": (HEADER + "Amelia Quist,,,\n ,Mia,,\n", 3, "A name is required"),
    "over-long name": (HEADER + "Amelia Quist,,,\n" + "B" * 121 + ",,,\n", 3, "At most 120 characters"),
    "over-long description": (HEADER + "Amelia Quist,," + "d" * 301 + ",\n", 2, "At most 300 characters"),
    "over-long known_for phrase": (
        "name,aliases,description,photos,known_for\nAmelia Quist,,,photos/hopper.jpg,\nBart Ferrante,,,,the "
        + "x" * 200
        + "\n",
        3,
        "known_for: “the xxx",
    ),
    "too many known_for phrases": (
        "name,aliases,description,photos,known_for\nAmelia Quist,,,photos/hopper.jpg,\nBart Ferrante,,,,"
        + "|".join(f"the winner of race {i}" for i in range(21))
        + "\n",
        3,
        "At most 20 phrases (these are 21)",
    ),
    "same name twice": (HEADER + "Amelia Quist,,,\nBart Ferrante,,,\namelia  QUÏST,,,\n", 4, "already on line 2"),
    "a name that is another row's alias": (HEADER + "Amelia Quist,Mia|Ami,,\nAMI,,,\n", 3, "alias of “Amelia Quist”"),
    "missing photo": (HEADER + "Amelia Quist,,,photos/nobody.jpg\n", 2, "photo “photos/nobody.jpg”: no such file"),
    "faceless photo": (HEADER + "Amelia Quist,,,coffee.jpg\n", 2, "No face was found"),
    "not an image": (HEADER + "Amelia Quist,,,notes.jpg\n", 2, "not an image we can read"),
    "a photo 1 pixel wide": (HEADER + "Amelia Quist,,,thin.png\n", 2, "too small to show a face"),
    "a photo 40 × 200,000": (HEADER + "Amelia Quist,,,strip.png\n", 2, "No face was found"),
    "too many aliases": (
        HEADER + "Amelia Quist,,,\nBart Ferrante," + "|".join(f"Bart {i}" for i in range(51)) + ",,\n",
        3,
        "aliases: At most 50 aliases (these are 51).",
    ),
    "over-long alias": (HEADER + "Amelia Quist,,,\nBart Ferrante,Bart|" + "b" * 121 + ",,\n", 3, "at most 120"),
    "a NUL in a name": (HEADER + "Amelia Quist,,,\nBart\x00 Ferrante,,,\n", 3, "name: Control characters"),
    "a NUL in an alias": (HEADER + "Amelia Quist,,,\nBart Ferrante,B\x00F,,\n", 3, "aliases: Control characters"),
    "a control in a description": (HEADER + "Amelia Quist,,,\nBart Ferrante,,a\x07b,\n", 3, "Control characters"),
    # 12 characters that fold to 216 (ﷺ, one ligature, is 18 letters): the key overflowed its column,
    # a traceback on PostgreSQL (varchar 200) and a key longer than the column on SQLite
    "a name that folds too long": (HEADER + "Amelia Quist,,,\n" + "\ufdfa" * 12 + ",,,\n", 3, "name: Too long"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_file_names_the_line_and_writes_nothing(db, folder, case):
    text, line, message = BAD[case]
    # A good row with a good photo first, where the file has a header: it must not be written either.
    before = snapshot()

    with pytest.raises(RegistryImportError) as caught:
        registry_import(write_csv(folder, text.replace("Amelia Quist,,,\n", "Amelia Quist,,,photos/hopper.jpg\n")))

    assert any(found == line and message in text_ for found, text_ in caught.value.errors), caught.value.errors
    assert snapshot() == before
    assert not ProtectedPerson.objects.filter(name_key="amelia quist").exists()


def test_a_photo_of_two_people_is_refused_and_nothing_is_imported(db, folder):
    """Which face would be the person's? The larger one was taken, whoever it was."""
    (folder / "group.jpg").write_bytes(cv2.imencode(".jpg", faces.group_photo(["astronaut", "camera"]))[1].tobytes())
    path = write_csv(folder, HEADER + "Amelia Quist,,,photos/hopper.jpg\nBart Ferrante,,,group.jpg\n")
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    assert str(caught.value) == (
        "1 problem; nothing was imported.\n"
        f"{path}:3: photo “group.jpg”: This photo shows 2 faces: use a photo of this person alone."
    )
    assert snapshot() == before


def test_a_photo_of_too_many_pixels_is_refused_by_its_header_before_it_is_decoded(db, folder):
    """A 48 KB PNG of 20,000 × 20,000 pixels decoded to 1.2 GB (8 s) before its size was checked."""
    from PIL import Image

    Image.new("1", (20_000, 20_000)).save(folder / "huge.png")
    path = write_csv(folder, HEADER + "Amelia Quist,,,huge.png\n")
    before = snapshot()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    status = Path("/proc/self/status").read_text()
    in_use = int(next(line for line in status.splitlines() if line.startswith("VmSize:")).split()[1]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (in_use + 2**30, hard))  # a machine with 1 GiB to spare
    try:
        with pytest.raises(CommandError) as caught:
            call_command("protected_people", "import", str(path))
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    assert f"{path}:2: photo “huge.png”: The photo is larger than 50,000,000 pixels." in str(caught.value)
    assert snapshot() == before


class AddressSpace:
    """This process may take only `spare` bytes more memory while inside: a machine without them."""

    def __init__(self, spare: int) -> None:
        self.spare = spare

    def __enter__(self) -> None:
        self.soft, self.hard = resource.getrlimit(resource.RLIMIT_AS)
        status = Path("/proc/self/status").read_text()
        in_use = int(next(line for line in status.splitlines() if line.startswith("VmSize:")).split()[1]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (in_use + self.spare, self.hard))

    def __exit__(self, *exc: object) -> None:
        resource.setrlimit(resource.RLIMIT_AS, (self.soft, self.hard))


def test_a_photo_over_the_size_limit_is_refused_by_its_size_on_disk_before_it_is_read(db, folder):
    """A 2 GB photo was read whole (MemoryError, a traceback) before its 20 MB limit was checked."""
    with (folder / "huge.jpg").open("wb") as huge:
        huge.truncate(2 * 2**30)  # sparse: no disk, 2 GB to read
    (folder / "big.jpg").write_bytes(jpeg("hopper").ljust(20 * 2**20 + 2**19, b"\0"))
    path = write_csv(folder, HEADER + "Amelia Quist,,,huge.jpg\nBart Ferrante,,,big.jpg\n")
    before = snapshot()

    with AddressSpace(2**30), pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    assert str(caught.value) == (
        "2 problems; nothing was imported.\n"
        f"{path}:2: photo “huge.jpg”: {folder / 'huge.jpg'} is 2,048 MB, larger than the 20 MB a photo may be.\n"
        f"{path}:3: photo “big.jpg”: {folder / 'big.jpg'} is 20.50 MB, larger than the 20 MB a photo may be."
    )
    assert snapshot() == before


def test_a_csv_over_the_size_limit_is_refused_before_it_is_read(db, folder, settings):
    huge = folder / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(2 * 2**30)
    before = snapshot()

    with AddressSpace(2**30), pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(huge))

    assert str(caught.value) == (
        "1 problem; nothing was imported.\n"
        f"{huge}: The file is 2,048 MB, larger than the 20 MB an import may be "
        "(CASTFEED_MODERATION_REGISTRY_CSV_MAX_BYTES)."
    )
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "REGISTRY_CSV_MAX_BYTES": "100"}
    with pytest.raises(CommandError, match=r"The file is [\d,]+ bytes, larger than the 100 bytes an import may be"):
        call_command("protected_people", "import", str(good_csv(folder)))
    assert snapshot() == before


def test_every_problem_is_reported_at_once(db, folder):
    text = HEADER + "Amelia Quist,,,coffee.jpg\n" + "X" * 130 + ",,,\nBart Ferrante,,,notes.jpg|gone.jpg\n"

    with pytest.raises(RegistryImportError) as caught:
        registry_import(write_csv(folder, text))

    assert [line for line, _ in caught.value.errors] == [2, 3, 4, 4]


def test_an_alias_that_is_a_registered_persons_name_is_refused(db, folder, registry):
    registry("Amelia Quist", "Mia")
    before = snapshot()

    with pytest.raises(RegistryImportError) as caught:
        registry_import(write_csv(folder, HEADER + "Bart Ferrante,Amelia Quist,,\nMia,,,\n"))

    assert caught.value.errors == [
        (2, "The alias “Amelia Quist” is the name of another registered person (Amelia Quist)."),
        (3, "“Mia” is already an alias of Amelia Quist."),
    ]
    assert snapshot() == before


def test_the_alias_cap_is_a_setting_and_the_command_names_the_line(db, folder, settings):
    """Every prompt check reads every name and alias: one row could add tens of thousands."""
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "MAX_ALIASES": "2"}
    path = write_csv(folder, HEADER + "Amelia Quist,Mia|Ami,,photos/hopper.jpg\nBart Ferrante,B|Bart F|Ferrante,,\n")
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    assert str(caught.value) == (
        f"1 problem; nothing was imported.\n{path}:3: aliases: At most 2 aliases (these are 3)."
    )
    assert snapshot() == before


def test_a_failed_write_leaves_no_files(db, folder, monkeypatch):
    """Photos are stored before the transaction; if it fails they are deleted again."""
    before = snapshot()

    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ProtectedFace.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        registry_import(good_csv(folder))

    assert snapshot() == before


# --- the management command ------------------------------------------------------------------------


def test_command_imports_and_prints_the_counts(db, folder):
    out = io.StringIO()

    call_command("protected_people", "import", str(good_csv(folder)), stdout=out)

    assert "3 created, 0 updated, 0 unchanged, 2 faces added." in out.getvalue()
    assert ProtectedPerson.objects.filter(name="Bartholomew Ferrante").exists()


def test_command_refuses_a_bad_file_with_each_line(db, folder):
    path = write_csv(folder, HEADER + "Amelia Quist,,,photos/hopper.jpg\nBart,,,coffee.jpg\n" + "Y" * 121 + ",,,\n")
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    text = str(caught.value)
    assert text.startswith("2 problems; nothing was imported.")
    assert f"{path}:3: photo “coffee.jpg”: No face was found" in text
    assert f"{path}:4: name: At most 120 characters" in text
    assert snapshot() == before


def test_command_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("protected_people", "import", str(tmp_path / "nothing.csv"))


def test_command_refuses_photo_paths_that_cannot_be_read_and_imports_nothing(db, folder):
    path = write_csv(
        folder, HEADER + "Amelia Quist,,,~no-such-user-here/face.jpg\nBart Lowe,,," + "x" * 5000 + ".jpg\n"
    )
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    text = str(caught.value)
    assert text.startswith("2 problems; nothing was imported.")
    assert f"{path}:2: photo “~no-such-user-here/face.jpg”: not a path that can be read." in text
    assert f"{path}:3: photo “" in text
    assert snapshot() == before


def test_command_export_refuses_a_folder_or_a_file_for_photos_and_keeps_the_old_file(db, folder, tmp_path_factory):
    call_command("protected_people", "import", str(good_csv(folder)), stdout=io.StringIO())
    out = tmp_path_factory.mktemp("out")
    with pytest.raises(CommandError, match="a folder; name the CSV file"):
        call_command("protected_people", "export", str(out), stdout=io.StringIO())
    kept = out / "keep.csv"
    kept.write_text("the operator's last export\n", encoding="utf-8")
    (out / "afile").write_text("x", encoding="utf-8")

    with pytest.raises(CommandError, match="not a folder"):
        call_command("protected_people", "export", str(kept), "--photos-dir", str(out / "afile"), stdout=io.StringIO())

    assert kept.read_text(encoding="utf-8") == "the operator's last export\n"
    (out / "ro").mkdir()
    (out / "ro" / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="not written"):  # a photo folder under a file: fails midway
        call_command(
            "protected_people",
            "export",
            str(kept),
            "--photos-dir",
            str(out / "ro" / "afile" / "sub"),
            stdout=io.StringIO(),
        )
    assert kept.read_text(encoding="utf-8") == "the operator's last export\n"
    assert sorted(p.name for p in out.iterdir()) == ["afile", "keep.csv", "ro"]  # no partial file left


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("a file as the photos' folder", "not a folder"),
        ("a photos' folder under a file", "not written"),
        ("a photos' folder in no folder", "not written"),
        ("a file name over 255 bytes", "not written"),
    ],
)
def test_command_export_to_a_path_that_cannot_be_is_a_clear_error(db, folder, tmp_path_factory, where, message):
    call_command("protected_people", "import", str(good_csv(folder)), stdout=io.StringIO())
    out = tmp_path_factory.mktemp("out")
    (out / "afile").write_text("x", encoding="utf-8")
    args = {
        "a file as the photos' folder": ["-", "--photos-dir", str(out / "afile")],
        "a photos' folder under a file": ["-", "--photos-dir", str(out / "afile" / "sub")],
        "a photos' folder in no folder": ["-", "--photos-dir", "/proc/no/such/place"],
        "a file name over 255 bytes": [str(out / ("x" * 300 + ".csv"))],
    }[where]
    printed = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("protected_people", "export", *args, stdout=printed)
    assert printed.getvalue() == ""  # not a header of a CSV cut short
    assert sorted(p.name for p in out.iterdir()) == ["afile"]


def test_command_exports_to_a_file_with_its_photos_and_to_standard_output(db, folder, tmp_path_factory):
    call_command("protected_people", "import", str(good_csv(folder)), stdout=io.StringIO())
    out = tmp_path_factory.mktemp("out")
    said = io.StringIO()

    call_command("protected_people", "export", str(out / "all.csv"), stdout=said)

    assert f"people written to {out / 'all.csv'} (photos in {out / 'all-photos'})" in said.getvalue()
    assert len(list((out / "all-photos").glob("*.jpg"))) == 2
    printed = io.StringIO()
    call_command("protected_people", "export", "-", stdout=printed)
    rows = list(csv.DictReader(io.StringIO(printed.getvalue())))
    assert {"name": "Bartholomew Ferrante", "photos": ""}.items() <= next(
        r for r in rows if r["name"] == "Bartholomew Ferrante"
    ).items()
    before = snapshot()
    call_command("protected_people", "import", str(out / "all.csv"), stdout=io.StringIO())
    assert snapshot() == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["import", "{csv}", "--photos-dir", "{out}"], "--photos-dir is for export only"),
        (["import", "{csv}", "--no-photos"], "--no-photos is for export only"),
        (["embed", "{csv}"], "embed takes no file"),
        (["embed", "--no-photos"], "--no-photos is for export only"),
        (["export", "{out}/all.csv", "--no-photos", "--photos-dir", "{out}"], "--no-photos or --photos-dir, not both"),
    ],
)
def test_an_option_or_file_the_action_does_not_use_is_an_error_and_nothing_is_done(
    db, folder, tmp_path_factory, monkeypatch, arguments, message
):
    """`import FILE --no-photos` imported the photos anyway; `embed FILE` ignored the file and rewrote
    the starter list's embeddings."""
    from moderation import descriptions

    monkeypatch.setattr(descriptions, "ORDINARY", folder / "no-such-roles.txt")  # an embed would stop here
    out = tmp_path_factory.mktemp("out")
    csv_path = good_csv(folder)
    before = snapshot()

    with pytest.raises(CommandError, match=message):
        call_command("protected_people", *(a.format(csv=csv_path, out=out) for a in arguments), stdout=io.StringIO())

    assert snapshot() == before
    assert list(out.iterdir()) == []


def test_command_takes_its_options_before_the_file_too(db, folder, tmp_path_factory):
    """`export --photos-dir DIR FILE` was refused with "unrecognized arguments: FILE" (argparse gave
    the optional file nothing once an option came between it and the action), and `import
    --no-photos FILE` said the same instead of what was wrong."""
    call_command("protected_people", "import", str(good_csv(folder)), stdout=io.StringIO())
    out = tmp_path_factory.mktemp("out")
    said = io.StringIO()

    call_command("protected_people", "export", "--photos-dir", str(out / "faces"), str(out / "all.csv"), stdout=said)

    assert f"people written to {out / 'all.csv'} (photos in {out / 'faces'})" in said.getvalue()
    assert len(list((out / "faces").glob("*.jpg"))) == 2
    before = snapshot()
    with pytest.raises(CommandError, match="--no-photos is for export only"):
        call_command("protected_people", "import", "--no-photos", str(out / "all.csv"), stdout=io.StringIO())
    assert snapshot() == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["export", ""], "an empty file name"),
        (["export", "{out}/all.csv", "--photos-dir", ""], "--photos-dir: an empty folder name"),
    ],
)
def test_command_export_to_an_empty_name_is_an_error(db, folder, tmp_path_factory, arguments, message):
    """`export "$FILE"` with FILE unset printed the whole registry and said nothing wrong; `--photos-dir ""`
    copied the photos into FILE-photos/ as if no folder were named."""
    call_command("protected_people", "import", str(good_csv(folder)), stdout=io.StringIO())
    out = tmp_path_factory.mktemp("out")
    printed = io.StringIO()

    with pytest.raises(CommandError, match=message):
        call_command("protected_people", *(a.format(out=out) for a in arguments), stdout=printed)

    assert printed.getvalue() == ""
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("where", ["a new file", "standard output with a photos folder", "a photos folder in use"])
def test_command_export_with_a_stored_photo_missing_says_which_and_leaves_no_copies(
    db, folder, tmp_path_factory, where
):
    """A photo gone from storage stopped the export with "<the stored file>: not written", after the
    photos before it were copied (left in FILE-photos/) and, to standard output, half the CSV printed."""
    call_command("protected_people", "import", str(good_csv(folder)), stdout=io.StringIO())
    gone = ProtectedFace.objects.get(person__name="Bartholomew Ferrante").photo.name  # after Amelia's, by name
    default_storage.delete(gone)
    out = tmp_path_factory.mktemp("out")
    (out / "in-use").mkdir()
    (out / "in-use" / "mine.jpg").write_bytes(b"the operator's own file")
    args = {
        "a new file": [str(out / "all.csv")],
        "standard output with a photos folder": ["-", "--photos-dir", str(out / "faces")],
        "a photos folder in use": [str(out / "all.csv"), "--photos-dir", str(out / "in-use")],
    }[where]
    printed = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "export", *args, stdout=printed)

    assert str(caught.value) == (
        f"{default_storage.path(gone)}: the photo of “Bartholomew Ferrante” cannot be read from storage "
        "(No such file or directory); nothing was written."
    )
    assert printed.getvalue() == ""
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["in-use", "in-use/mine.jpg"]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("a starter CSV saved as Latin-1", "starter/people.csv: not UTF-8 text"),
        ("a folder named like a starter CSV", "starter/folder.csv: cannot be read (Is a directory)"),
        ("the ordinary roles saved as Latin-1", "ordinary_roles.txt: not UTF-8 text"),
        ("a folder as the ordinary roles", "ordinary_roles.txt: cannot be read (Is a directory)"),
    ],
)
def test_command_embed_of_a_file_it_cannot_read_is_a_one_line_error_and_writes_nothing(
    tmp_path, monkeypatch, broken, message
):
    """After an operator edits the starter CSVs or ordinary_roles.txt (as the docs say to, before
    `embed`), one saved in another encoding, or a folder in their place, ended in a traceback."""
    from moderation import descriptions

    starter = tmp_path / "starter"
    starter.mkdir()
    (starter / "people.csv").write_text("name,description\nAda Lovelace,the first programmer\n", encoding="utf-8")
    ordinary = tmp_path / "ordinary_roles.txt"
    ordinary.write_text("a programmer\n", encoding="utf-8")
    if broken == "a starter CSV saved as Latin-1":
        (starter / "people.csv").write_bytes("name,description\nJosé Martí,the poet\n".encode("latin-1"))
    elif broken == "a folder named like a starter CSV":
        (starter / "folder.csv").mkdir()
    elif broken == "the ordinary roles saved as Latin-1":
        ordinary.write_bytes("a café owner\n".encode("latin-1"))
    else:
        ordinary.unlink()
        ordinary.mkdir()
    monkeypatch.setattr(descriptions, "SHIPPED", starter / "descriptions.npz")
    monkeypatch.setattr(descriptions, "SPECIFIC", starter / "specific.npz")
    monkeypatch.setattr(descriptions, "ORDINARY", ordinary)
    before = sorted(p.name for p in starter.iterdir())

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "embed", stdout=io.StringIO())

    assert str(caught.value).startswith(f"{tmp_path}/{message}")
    assert "nothing was written" in str(caught.value)
    assert sorted(p.name for p in starter.iterdir()) == before  # no .npz


# --- the starter list ------------------------------------------------------------------------------


def test_the_starter_list_is_loaded_by_migrate(db):
    files = sorted(starter.STARTER_DIR.glob("*.csv"))
    if not files:
        pytest.skip("no starter CSV in moderation/data/starter yet")
    with files[0].open(encoding="utf-8-sig", newline="") as handle:
        known = next(csv.DictReader(handle))["name"]
    if not ProtectedPerson.objects.exists():  # a transactional test earlier emptied every table
        from django.apps import apps

        starter.load(apps, starter.STARTER_DIR)
    count = ProtectedPerson.objects.count()

    assert count > 0
    assert ProtectedPerson.objects.filter(name_key=name_key(known)).exists()
    from django.apps import apps

    assert starter.load(apps, starter.STARTER_DIR) == (0, 0)  # migrating again adds nothing
    assert ProtectedPerson.objects.count() == count


def test_the_starter_migration_merges_files_and_upserts(db, tmp_path, registry):
    from django.apps import apps

    registry("Zora Quillfeather", "ZQ")  # an operator's entry, already there
    (tmp_path / "a.csv").write_text(
        HEADER + "Zora Quillfeather,Zee,,\nOrin Vale,O. Vale,,\n"
        "Ysolde Brann,,a violinist who played at the opening of the games,\n",
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text(
        "name,aliases,description\nORIN VALE,Orin|O. Vale,the first mayor of the floating city\n"
        "Ysolde Brann,Brann,someone else\n",
        encoding="utf-8",
    )
    before = ProtectedPerson.objects.count()
    version = NamesVersion.objects.get(pk=1).token

    assert starter.load(apps, tmp_path) == (2, 1)

    assert ProtectedPerson.objects.count() == before + 2
    zora = ProtectedPerson.objects.get(name_key="zora quillfeather")
    assert zora.aliases == ["ZQ", "Zee"]
    orin = ProtectedPerson.objects.get(name_key="orin vale")
    assert (orin.name, orin.aliases, orin.description) == (
        "Orin Vale",
        ["O. Vale", "Orin"],
        "the first mayor of the floating city",
    )
    ysolde = ProtectedPerson.objects.get(name_key="ysolde brann")
    assert (ysolde.aliases, ysolde.description) == (["Brann"], "a violinist who played at the opening of the games")
    assert NamesVersion.objects.get(pk=1).token != version  # every process rebuilds its name index
    assert starter.load(apps, tmp_path) == (0, 0)


def test_the_known_for_migration_fills_starter_people_and_keeps_an_operators_phrases(db, tmp_path, registry):
    from django.apps import apps

    registry("Zora Quillfeather", known_for=["the pilot of the first glider over the bay"])  # an operator's
    registry("Orin Vale")
    # An estate registered someone else with a starter person's name: their own line, no phrases.
    registry("Pell Marrow", description="the baker of our village", kind=ProtectedPerson.Kind.ESTATE)
    (tmp_path / "a.csv").write_text(
        "name,aliases,description,known_for\n"
        "Zora Quillfeather,,,the starter's phrase\n"
        "ORIN VALE,,,the first mayor of the floating city|the mayor who flooded the square\n"
        "Pell Marrow,,the famous composer,the composer of the floating opera\n"
        "Nobody Registered,,,the man who is not there\n",
        encoding="utf-8",
    )
    version = NamesVersion.objects.get(pk=1).token

    assert known_for_migration.load(apps, tmp_path) == 1

    assert ProtectedPerson.objects.get(name_key="zora quillfeather").known_for == [
        "the pilot of the first glider over the bay"
    ]
    assert ProtectedPerson.objects.get(name_key="orin vale").known_for == [
        "the first mayor of the floating city",
        "the mayor who flooded the square",
    ]
    assert ProtectedPerson.objects.get(name_key="pell marrow").known_for == []
    assert not ProtectedPerson.objects.filter(name_key="nobody registered").exists()
    assert NamesVersion.objects.get(pk=1).token != version  # every process reloads the descriptions
    assert known_for_migration.load(apps, tmp_path) == 0


def test_the_starter_list_says_what_people_are_known_for(db):
    """The starter CSVs' known_for column reaches the registry through the migrations."""
    if not ProtectedPerson.objects.exists():  # a transactional test earlier emptied every table
        from django.apps import apps

        starter.load(apps, starter.STARTER_DIR)
        known_for_migration.load(apps, starter.STARTER_DIR)
    with_phrases = ProtectedPerson.objects.exclude(known_for=[]).count()
    assert with_phrases >= 0.9 * ProtectedPerson.objects.count()
    phrases = ProtectedPerson.objects.get(name_key="barack obama").known_for
    assert len(phrases) >= 3 and all("obama" not in p.lower() for p in phrases)


def test_the_rename_migration_keys_existing_names_and_merges_the_same_person(db):
    """Rows from before the key existed: each gets its normalised name; two spellings of one name
    become one entry with both spellings' aliases."""
    from django.apps import apps

    renamed = importlib.import_module("moderation.migrations.0003_protected_people")
    first = ProtectedPerson.objects.create(name="Zoë Quillfeather", name_key="old-1", aliases=["ZQ"])
    ProtectedPerson.objects.create(name="ZOE  QUILLFEATHER", name_key="old-2", aliases=["Zee", "zq"])

    renamed.fill_keys(apps, None)

    [merged] = ProtectedPerson.objects.filter(name__icontains="quillfeather")
    assert (merged.pk, merged.name_key) == (first.pk, "zoe quillfeather")
    assert merged.aliases == ["ZQ", "Zee"]


# --- the face gallery ------------------------------------------------------------------------------


def test_protected_face_matches_finds_the_person_in_a_rescaled_recompressed_copy(db, registry):
    threshold = conf().protected_threshold
    person = registry("Amelia Quist")
    face = face_add(person=person, data=jpeg("hopper"), source="hopper.jpg")
    copy = cv2.imdecode(np.frombuffer(jpeg("hopper", scale=0.55, quality=40), np.uint8), cv2.IMREAD_COLOR)
    probes = np.stack([face_template(copy), face_template(faces.photo("astronaut"))])

    hopper, astronaut = protected_face_matches(probes, min_similarity=threshold)

    assert hopper is not None and astronaut is None
    assert (hopper.person_id, hopper.name, hopper.account_id) == (person.pk, "Amelia Quist", None)
    assert threshold <= hopper.similarity <= 1.0

    face_remove(face=face)  # the version moves: no process keeps searching the old faces
    assert protected_face_matches(probes, min_similarity=threshold) == [None, None]


def test_protected_face_matches_reports_the_verified_account(db, registry, make_user):
    person = registry("Bartholomew Ferrante")
    face_add(person=person, data=jpeg("astronaut"), source="astronaut.jpg")
    own = make_user("bart.ferrante")
    person_link_account(person=person, account=own)

    [match] = protected_face_matches(face_template(faces.photo("astronaut"))[None, :], min_similarity=0.5)

    assert match is not None and match.account_id == own.pk
    assert protected_face_matches(np.zeros((0, 128), dtype=np.float32), min_similarity=0.5) == []


def test_the_face_gallery_follows_every_change_in_this_process(db, registry):
    """The cached matrix (off PostgreSQL) is rebuilt when the registry's version moves: a face added
    after it was built is found, and a face id reused after a rollback is not taken for the old face."""
    hopper_probe = face_template(faces.photo("hopper"))[None, :]
    astronaut_probe = face_template(faces.photo("astronaut"))[None, :]
    amelia, bart = registry("Amelia Quist"), registry("Bartholomew Ferrante")
    assert protected_face_matches(hopper_probe, min_similarity=0.5) == [None]  # built, empty

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        face_add(person=amelia, data=jpeg("hopper"), source="hopper.jpg")
        [seen] = protected_face_matches(hopper_probe, min_similarity=0.5)
        assert seen is not None and seen.person_id == amelia.pk
        raise Undo
    face_add(person=bart, data=jpeg("astronaut"), source="astronaut.jpg")  # may get the same face id

    assert protected_face_matches(hopper_probe, min_similarity=0.5) == [None]
    [found] = protected_face_matches(astronaut_probe, min_similarity=0.5)
    assert found is not None and found.person_id == bart.pk

    # The next rebuild keeps the faces it has (bart's, from the matrix before) and reads the new one.
    face_add(person=amelia, data=jpeg("hopper"), source="hopper.jpg")
    both = protected_face_matches(np.vstack([astronaut_probe, hopper_probe]), min_similarity=0.5)
    assert [m.person_id if m else None for m in both] == [bart.pk, amelia.pk]
    assert both[0].similarity == pytest.approx(found.similarity, abs=1e-6)


def test_deleting_a_person_deletes_their_photos_after_commit(db, registry, django_capture_on_commit_callbacks):
    person = registry("Amelia Quist")
    face_add(person=person, data=jpeg("hopper"), source="hopper.jpg")
    face_add(person=person, data=jpeg("hopper", scale=0.8), source="hopper-2.jpg")
    assert len(stored_files()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        person_delete(person=person)

    assert stored_files() == []
    assert not ProtectedFace.objects.exists()


def test_a_photo_already_registered_for_the_person_is_refused(db, registry):
    person = registry("Amelia Quist")
    face_add(person=person, data=jpeg("hopper"), source="hopper.jpg")

    with pytest.raises(DuplicateFace):
        face_add(person=person, data=jpeg("hopper"), source="again.jpg")
    assert person.faces.count() == 1 and len(stored_files()) == 1


# --- the admin -------------------------------------------------------------------------------------


@pytest.fixture
def staff(make_user, client):  # type: ignore[no-untyped-def]
    user = make_user("the.moderator")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    return client


def admin_add(client, photo: bytes, name="Amelia Quist", known_for="", aliases="Mia Q\nThe Admiral"):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("admin:moderation_protectedperson_add"),
        {
            "name": name,
            "aliases_text": aliases,
            "description": "a computer scientist",
            "known_for_text": known_for,
            "kind": "public_figure",
            "note": "",
            "account": "",
            "faces-TOTAL_FORMS": "1",
            "faces-INITIAL_FORMS": "0",
            "faces-MIN_NUM_FORMS": "0",
            "faces-MAX_NUM_FORMS": "1000",
            "faces-0-id": "",
            "faces-0-person": "",
            "faces-0-upload": SimpleUploadedFile("portrait.jpg", photo, content_type="image/jpeg"),
            "_save": "Save",
        },
    )


def test_staff_add_a_person_with_a_photo_in_the_admin(db, staff, client):
    response = admin_add(staff, jpeg("hopper"))

    assert response.status_code == 302, response.content.decode()[:2000]
    person = ProtectedPerson.objects.get(name_key="amelia quist")
    assert person.aliases == ["Mia Q", "The Admiral"]
    face = person.faces.get()
    assert face.source == "portrait.jpg" and len(stored_files()) == 1
    # The photo is shown to staff through the admin only, never at a public URL.
    url = reverse("admin:moderation_protectedface_photo", args=[face.pk])
    page = staff.get(reverse("admin:moderation_protectedperson_change", args=[person.pk]))
    assert url in page.content.decode()
    shown = staff.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content) == Path(settings.MEDIA_ROOT, face.photo.name).read_bytes()
    client.logout()
    assert client.get(url).status_code == 302  # to the admin's login
    assert client.get(f"/media/{face.photo.name}").status_code == 404


def test_staff_say_what_a_person_is_known_for_in_the_admin(db, staff):
    response = admin_add(staff, jpeg("hopper"), known_for="the inventor of COBOL\n\n  the admiral who found a bug \n")

    assert response.status_code == 302, response.content.decode()[:2000]
    person = ProtectedPerson.objects.get(name_key="amelia quist")
    assert person.known_for == ["the inventor of COBOL", "the admiral who found a bug"]
    page = staff.get(reverse("admin:moderation_protectedperson_change", args=[person.pk])).content.decode()
    assert "the inventor of COBOL\nthe admiral who found a bug" in page


def test_an_over_long_known_for_phrase_is_a_form_error_and_stores_nothing(db, staff):
    before = snapshot()

    response = admin_add(staff, jpeg("hopper"), known_for="the " + "x" * 200)

    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    assert snapshot() == before


def test_too_many_aliases_are_a_form_error_and_store_nothing(db, staff):
    before = snapshot()

    response = admin_add(staff, jpeg("hopper"), aliases="\n".join(f"Mia {i}" for i in range(51)))

    assert response.status_code == 200
    assert "At most 50 aliases (these are 51)." in response.content.decode()
    assert snapshot() == before


def test_an_over_long_alias_is_a_form_error_and_stores_nothing(db, staff):
    before = snapshot()

    response = admin_add(staff, jpeg("hopper"), aliases="Mia Q\n" + "m" * 121)

    assert response.status_code == 200
    assert "at most 120 characters" in response.content.decode()
    assert snapshot() == before


def test_a_name_that_folds_too_long_is_a_form_error_and_stores_nothing(db, staff):
    # 12 characters that fold to 216 letters: a 500 on PostgreSQL (the key's varchar 200) before.
    before = snapshot()

    response = admin_add(staff, jpeg("hopper"), name="\ufdfa" * 12, aliases="")

    assert response.status_code == 200
    assert "Too long once spelt out for matching" in response.content.decode()
    assert snapshot() == before


def test_a_faceless_photo_is_a_form_error_and_stores_nothing(db, staff):
    before = snapshot()

    response = admin_add(staff, jpeg("scene"))

    assert response.status_code == 200
    assert "No face was found in this photo" in response.content.decode()
    assert snapshot() == before


def test_a_photo_too_thin_for_a_face_is_a_form_error_and_stores_nothing(db, staff):
    before = snapshot()

    response = admin_add(staff, cv2.imencode(".png", np.full((5000, 1, 3), 200, np.uint8))[1].tobytes())

    assert response.status_code == 200
    assert "too small to show a face" in response.content.decode()
    assert snapshot() == before


def test_a_name_that_is_another_persons_alias_is_a_form_error(db, staff, registry):
    registry("Amelia Quist", "Mia")
    before = snapshot()

    response = admin_add(staff, jpeg("hopper"), name="MIA")

    assert response.status_code == 200
    assert "“MIA” is already an alias of Amelia Quist." in response.content.decode()
    assert snapshot() == before


def test_admin_search_finds_a_name_whatever_the_accents(db, staff, registry):
    registry("Célestine Marrow", "Cel")

    page = staff.get(reverse("admin:moderation_protectedperson_changelist"), {"q": "celestine"})

    assert "Célestine Marrow" in page.content.decode()


def test_staff_replace_a_photo_in_the_change_view(db, staff, registry, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    person = registry("Amelia Quist", "Mia Q")
    old = face_add(person=person, data=jpeg("hopper"), source="hopper.jpg")
    url = reverse("admin:moderation_protectedperson_change", args=[person.pk])
    form = {
        "name": "Amelia Quist",
        "aliases_text": "Mia Q",
        "description": "",
        "kind": "estate",
        "deceased": "on",
        "note": "",
        "account": "",
        "faces-TOTAL_FORMS": "2",
        "faces-INITIAL_FORMS": "1",
        "faces-MIN_NUM_FORMS": "0",
        "faces-MAX_NUM_FORMS": "1000",
        "faces-0-id": str(old.pk),
        "faces-0-person": str(person.pk),
        "faces-1-id": "",
        "faces-1-person": str(person.pk),
        "_save": "Save",
    }

    same = staff.post(url, {**form, "faces-1-upload": SimpleUploadedFile("same.jpg", jpeg("hopper"))})
    assert same.status_code == 200 and "already one of this person&#x27;s faces" in same.content.decode()

    new_photo = SimpleUploadedFile("smaller.jpg", jpeg("hopper", scale=0.7))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(url, {**form, "faces-0-DELETE": "on", "faces-1-upload": new_photo})

    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert (person.kind, person.deceased) == ("estate", True)
    [face] = person.faces.all()
    assert face.source == "smaller.jpg"
    assert stored_files() == [Path(settings.MEDIA_ROOT, face.photo.name)]  # the old photo's file is gone


# --- one face, one person --------------------------------------------------------------------------
# A photo whose face is already another entry's (the face matcher at PROTECTED_THRESHOLD, as every
# check reads the registry) is refused wherever faces are added, and nothing is stored; another photo
# of the same person is added to them.


def other_photos_of_hopper(folder: Path) -> None:
    """Other files of the face in photos/hopper.jpg: smaller and recompressed, and mirrored."""
    (folder / "hopper-small.jpg").write_bytes(jpeg("hopper", scale=0.7, quality=80))
    mirrored = cv2.flip(faces.photo("hopper"), 1)
    (folder / "hopper-mirrored.jpg").write_bytes(cv2.imencode(".jpg", mirrored)[1].tobytes())


@pytest.mark.parametrize("photo", ["photos/hopper.jpg", "hopper-small.jpg", "hopper-mirrored.jpg"])
def test_command_refuses_a_face_already_registered_for_another_person_and_imports_nothing(db, folder, photo):
    call_command("protected_people", "import", str(good_csv(folder)), stdout=io.StringIO())
    other_photos_of_hopper(folder)
    path = write_csv(folder, HEADER + f"Rosalind Vance,,a physicist,{photo}\nDorian Pell,,,\n")
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    text = str(caught.value)
    assert text.startswith("1 problem; nothing was imported.")
    assert f"{path}:2: photo “{photo}”: This face is already registered for “Amelia Quist” (similarity " in text
    assert "one face cannot be two people" in text
    assert snapshot() == before
    assert not ProtectedPerson.objects.filter(name_key__in=["rosalind vance", "dorian pell"]).exists()
    assert ProtectedFace.objects.filter(person__name_key="amelia quist").count() == 1


def test_command_refuses_one_face_given_to_two_people_in_the_same_file(db, folder):
    other_photos_of_hopper(folder)
    path = write_csv(
        folder,
        HEADER
        + "Amelia Quist,,,photos/hopper.jpg\nBartholomew Ferrante,,,astronaut.png\nRosalind Vance,,,hopper-small.jpg\n",
    )
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    text = str(caught.value)
    assert text.startswith("1 problem; nothing was imported.")
    assert (
        f"{path}:4: photo “hopper-small.jpg”: The same face as photo “photos/hopper.jpg” of “Amelia Quist” on line 2"
        in text
    )
    assert snapshot() == before


def test_another_photo_of_the_same_person_is_still_added_to_them(db, folder):
    call_command("protected_people", "import", str(good_csv(folder)), stdout=io.StringIO())
    other_photos_of_hopper(folder)
    path = write_csv(folder, HEADER + "Amelia Quist,,,hopper-small.jpg|hopper-mirrored.jpg\n")
    out = io.StringIO()

    call_command("protected_people", "import", str(path), stdout=out)

    assert "0 created, 1 updated, 0 unchanged, 2 faces added." in out.getvalue()
    assert ProtectedFace.objects.filter(person__name_key="amelia quist").count() == 3


class ImportedMeanwhile:
    """Storage whose first save (a photo stored after its import's or face_add's checks, before its
    write) waits while the import of `path` runs whole: what another operator's import does at the
    same moment. Every file is stored in the real storage."""

    def __init__(self, path: Path) -> None:
        self.path, self.done = path, False

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(default_storage, name)

    def save(self, name, content, **kwargs):  # type: ignore[no-untyped-def]
        if not self.done:
            self.done = True
            call_command("protected_people", "import", str(self.path), stdout=io.StringIO())
        return default_storage.save(name, content, **kwargs)


def imported_meanwhile(monkeypatch, path: Path) -> None:
    storage = ImportedMeanwhile(path)
    monkeypatch.setattr("moderation.registry.transfer.default_storage", storage)
    monkeypatch.setattr("moderation.registry.faces.default_storage", storage)


def test_two_imports_at_once_never_give_one_face_to_two_people(db, folder, monkeypatch):
    other_photos_of_hopper(folder)
    imported_meanwhile(monkeypatch, write_csv(folder, HEADER + "Rosalind Vance,,,hopper-small.jpg\n", "other.csv"))
    path = write_csv(folder, HEADER + "Amelia Quist,,,photos/hopper.jpg\n")

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    text = str(caught.value)
    assert text.startswith("1 problem; nothing was imported.")
    assert f"{path}:2: photo “photos/hopper.jpg”: This face is already registered for “Rosalind Vance”" in text
    assert list(ProtectedFace.objects.values_list("person__name", flat=True)) == ["Rosalind Vance"]
    assert not ProtectedPerson.objects.filter(name_key="amelia quist").exists()
    assert len(stored_files()) == 1  # the refused import's photo file is deleted again


@pytest.mark.parametrize(
    ("meanwhile", "mine", "message"),
    [
        ("Amelia Quist,Mia,,", "Mia,,,photos/hopper.jpg", "“Mia” is already an alias of Amelia Quist."),
        (
            "Mia,,,",
            "Amelia Quist,Mia,,photos/hopper.jpg",
            "The alias “Mia” is the name of another registered person (Mia).",
        ),
    ],
)
def test_two_imports_at_once_never_make_a_name_another_entrys_alias(db, folder, monkeypatch, meanwhile, mine, message):
    """The names were checked before the write's lock: an import committed meanwhile went unseen, and
    a prompt naming "Mia" then meant whichever entry the index read first."""
    imported_meanwhile(monkeypatch, write_csv(folder, HEADER + meanwhile + "\n", "other.csv"))
    path = write_csv(folder, HEADER + mine + "\n")
    people = ProtectedPerson.objects.count()

    with pytest.raises(CommandError) as caught:
        call_command("protected_people", "import", str(path))

    assert str(caught.value) == f"1 problem; nothing was imported.\n{path}:2: {message}"
    assert ProtectedPerson.objects.count() == people + 1 and not ProtectedFace.objects.exists()  # the other's only
    assert stored_files() == []  # the refused import's photo file is deleted again


def test_a_face_added_while_an_import_gives_it_to_another_person_is_refused(db, folder, registry, monkeypatch):
    amelia = registry("Amelia Quist")
    other_photos_of_hopper(folder)
    imported_meanwhile(monkeypatch, write_csv(folder, HEADER + "Rosalind Vance,,,hopper-small.jpg\n", "other.csv"))

    with pytest.raises(FaceOfAnother, match="already registered for “Rosalind Vance”"):
        face_add(person=amelia, data=jpeg("hopper"), source="hopper.jpg")

    assert list(ProtectedFace.objects.values_list("person__name", flat=True)) == ["Rosalind Vance"]
    assert len(stored_files()) == 1


def test_face_add_refuses_a_face_of_another_person(db, registry):
    amelia, rosalind = registry("Amelia Quist"), registry("Rosalind Vance")
    face_add(person=amelia, data=jpeg("hopper"), source="hopper.jpg")
    before = snapshot()

    with pytest.raises(FaceOfAnother) as caught:
        face_add(person=rosalind, data=jpeg("hopper", scale=0.7, quality=80), source="hopper-small.jpg")

    assert caught.value.match.person_id == amelia.pk
    assert caught.value.match.similarity >= conf().protected_threshold
    assert snapshot() == before
    face_add(person=amelia, data=jpeg("hopper", scale=0.7, quality=80), source="hopper-small.jpg")
    assert amelia.faces.count() == 2 and not rosalind.faces.exists()


def test_a_face_of_another_person_is_a_form_error_in_the_admin_and_stores_nothing(db, staff, registry):
    amelia = registry("Amelia Quist")
    face_add(person=amelia, data=jpeg("hopper"), source="hopper.jpg")
    before = snapshot()

    response = admin_add(staff, jpeg("hopper", scale=0.7, quality=80), name="Rosalind Vance")

    assert response.status_code == 200
    page = response.content.decode()
    assert "This face is already registered for “Amelia Quist” (similarity " in page
    assert snapshot() == before
    assert not ProtectedPerson.objects.filter(name_key="rosalind vance").exists()
