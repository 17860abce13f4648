"""The registry's faces (moderation.registry): reference photos, checked, re-encoded and embedded."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q

from cameos.conf import conf as cameos_conf
from core.exceptions import ApplicationError, Conflict
from core.storage import delete_now
from moderation.models import NamesVersion, ProtectedFace, ProtectedPerson, protected_photo_name
from moderation.registry.people import _one_line
from moderation.selectors import ProtectedMatch, protected_people_with_face

MAX_SOURCE = 300
MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000  # decoded size cap (a small file can decode to a huge image)
STORED_MAX_SIDE = 1600  # photos are stored at most this large: enough for a template, minimal to keep
MIN_FACE_PX = 40  # smaller faces give unreliable templates
JPEG_QUALITY = 92


class UnreadableImage(ApplicationError):
    code = "image_unreadable"
    default_detail = "This file is not an image we can read (JPEG, PNG or WebP)."


class NoFace(ApplicationError):
    code = "no_face"
    default_detail = "No face was found in this photo: use a photo where the person's face is clearly visible."


class DuplicateFace(Conflict):
    code = "duplicate_face"
    default_detail = "This photo is already one of this person's faces."


class FaceOfAnother(Conflict):
    """The photo's face is already another registry person's reference face."""

    code = "face_of_another_person"

    def __init__(self, match: ProtectedMatch) -> None:
        self.match = match
        super().__init__(
            f"This face is already registered for “{match.name}” (similarity {match.similarity:.2f}): "
            "one face cannot be two people. If this photo shows them, add it to their entry."
        )


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo checked, re-encoded and embedded, ready to be stored (photo_prepare)."""

    jpeg: bytes
    template: np.ndarray  # (128,), L2-normalised
    sha256: str  # of the file as given
    stored_sha256: str  # of `jpeg`


# --- faces -----------------------------------------------------------------------------------------


def face_template(image_bgr: np.ndarray) -> np.ndarray:
    """The L2-normalised 128-d SFace template of the one face in a BGR image (the likeness engine's
    own detection, alignment and embedding). Raises UnreadableImage or NoFace (none, too small, or
    more than one large enough to be the person's)."""
    from cameos.likeness.faces import engine, normalise

    image = np.asarray(image_bgr) if image_bgr is not None else None
    if image is None or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or not image.size:
        raise UnreadableImage()
    faces = engine().detect(image)
    if not faces:
        raise NoFace()
    face = faces[0]  # largest first
    shown = sum(f.size >= MIN_FACE_PX for f in faces)
    if shown > 1:  # which one is the person? The larger was taken, whoever it was
        raise NoFace(f"This photo shows {shown} faces: use a photo of this person alone.", code="multiple_faces")
    if face.size < MIN_FACE_PX:
        raise NoFace(
            f"The face in this photo is too small ({face.size:.0f} pixels; at least {MIN_FACE_PX}).",
            code="face_too_small",
        )
    crop = engine().align(image, face)
    return normalise(engine().embed([crop]))[0].astype(np.float32)


def _header_pixels(data: bytes) -> int:
    """Width × height as the image's header says, read without decoding it (a 48 KB PNG of 20,000 ×
    20,000 pixels decoded to 1.2 GB); 0 where Pillow cannot read the header (the decode decides)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own cap, far above ours
        return MAX_PHOTO_PIXELS + 1
    except (OSError, ValueError, SyntaxError):
        return 0
    return width * height


def photo_prepare(*, data: bytes) -> PreparedPhoto:
    """Check a photo by its content, re-encode it as JPEG (no metadata kept) at most STORED_MAX_SIDE
    pixels, and compute its face template. Heavy: call it outside any transaction."""
    import cv2  # worker-side and admin-only: never at import time

    if len(data) > MAX_PHOTO_BYTES:
        raise UnreadableImage(
            f"The photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB.", code="image_too_large"
        )
    if _header_pixels(data) > MAX_PHOTO_PIXELS:  # before decoding: a bomb never expands
        raise UnreadableImage(f"The photo is larger than {MAX_PHOTO_PIXELS:,} pixels.", code="image_too_large")
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    except cv2.error:
        image = None
    if image is None:
        raise UnreadableImage()
    height, width = image.shape[:2]
    if height * width > MAX_PHOTO_PIXELS:
        raise UnreadableImage(f"The photo is larger than {MAX_PHOTO_PIXELS:,} pixels.", code="image_too_large")
    if min(height, width) < MIN_FACE_PX:
        raise UnreadableImage(
            f"The photo is too small to show a face: at least {MIN_FACE_PX} pixels on each side.",
            code="image_too_small",
        )
    scale = STORED_MAX_SIDE / max(height, width)
    if scale < 1.0:  # a side never below 1 pixel, however thin the photo (a 40 × 200,000 strip)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    template = face_template(image)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise UnreadableImage()
    jpeg = encoded.tobytes()
    return PreparedPhoto(
        jpeg=jpeg,
        template=template,
        sha256=hashlib.sha256(data).hexdigest(),
        stored_sha256=hashlib.sha256(jpeg).hexdigest(),
    )


def face_of_another(template: np.ndarray, *, person_id: int | None) -> ProtectedMatch | None:
    """The registry person other than `person_id` (None: a person not saved yet) who already has
    this face: the most similar of those with a reference face at cameos.conf `protected_threshold`
    or above, the point at which every check takes a face for theirs. A face registered for two
    people would make a refusal name the wrong one, and removing it from one leave it protected."""
    threshold = cameos_conf().protected_threshold
    others = [m for m in protected_people_with_face(template, min_similarity=threshold) if m.person_id != person_id]
    return others[0] if others else None


def lock_faces() -> None:
    """Inside the transaction that adds registry faces, before it checks them (face_of_another): wait
    for any other such transaction to end, so that checking a face is nobody else's and storing it are
    one step (two imports at once each found a face free and stored it under two names). On PostgreSQL
    a lock on the registry's version row, which every registry change writes last: take it after
    locking the people the transaction writes, in that order too, or two writers wait for each other;
    on SQLite each transaction holds the database's write lock from its start (transaction_mode
    IMMEDIATE), and select_for_update does nothing."""
    NamesVersion.objects.select_for_update().get_or_create(pk=1)


def _has_photo(person_id: int, digest: str) -> bool:
    return ProtectedFace.objects.filter(Q(sha256=digest) | Q(stored_sha256=digest), person_id=person_id).exists()


def face_add(
    *, person: ProtectedPerson, data: bytes, source: str, prepared: PreparedPhoto | None = None
) -> ProtectedFace:
    """Add a reference photo of `person`: re-encoded, stored under a random name, its template
    searched from now on. `prepared` (photo_prepare of the same `data`) skips the heavy work when
    the caller did it already, outside its transaction. Raises UnreadableImage, NoFace, DuplicateFace,
    FaceOfAnother (the face is another registry person's already).

    Not atomic as a whole on purpose: the template is computed before the row's transaction, which
    checks the face again under lock_faces."""
    digest = prepared.sha256 if prepared is not None else hashlib.sha256(data).hexdigest()
    if _has_photo(person.pk, digest):
        raise DuplicateFace()
    if prepared is None:
        prepared = photo_prepare(data=data)
    other = face_of_another(prepared.template, person_id=person.pk)
    if other is not None:
        raise FaceOfAnother(other)
    name = default_storage.save(protected_photo_name(None, ""), ContentFile(prepared.jpeg))
    try:
        with transaction.atomic():
            ProtectedPerson.objects.select_for_update().filter(pk=person.pk).first()  # as the import does
            lock_faces()
            other = face_of_another(prepared.template, person_id=person.pk)  # again: added meanwhile?
            if other is not None:
                raise FaceOfAnother(other)
            face = ProtectedFace.objects.create(
                person=person,
                photo=name,
                embedding=prepared.template.tolist(),
                source=_one_line(source)[-MAX_SOURCE:],
                sha256=prepared.sha256,
                stored_sha256=prepared.stored_sha256,
            )
    except IntegrityError as exc:  # the same photo added at the same moment
        delete_now([name])
        raise DuplicateFace() from exc
    except BaseException:
        delete_now([name])
        raise
    return face


@transaction.atomic
def face_remove(*, face: ProtectedFace) -> None:
    """Remove a reference photo; its file goes after commit (moderation.receivers)."""
    face.delete()
