"""The consent gate: the one place that decides whose likeness a video may show (DESIGN.md §1, §5).

    decision = consent.check(author, prompt, reference_image=..., remix_of=..., output_faces=..., stage=...)

Every person the request would show is a *subject*, found from each source: `@handle` mentions,
names of protected people, faces in an uploaded image, the people of a remixed video, and faces found
in generated frames. Each gets a verdict and a reason code; the decision is allowed only when every
subject is. It is recorded in the audit log, and the caller stores it on the job.

The same function runs at submit (in the request: words and patterns only), when a worker starts the
job and on the output (`semantic=True` adds the meaning-based check of each cameo's restrictions), and
at publish. What the author is told never reveals a block: a blocked author reads "not available".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from anyascii import anyascii
from django.db import connection

from accounts.models import Block, User, normalize_handle
from cameos import gallery
from cameos.conf import conf as cameos_conf
from cameos.models import Cameo
from cameos.selectors import Access, cameo_access_many
from core.sql import one_of
from core.text import MENTION, canonical, instructed
from feed.selectors import people_in
from moderation import restrictions as restriction_rules
from moderation.conf import conf
from moderation.names import HAN, plain_readings
from moderation.selectors import (
    ProtectedMatch,
    name_index,
    protected_accounts,
    protected_face_matches,
    protected_lookalikes,
)

SOURCES = ("mention", "name", "description", "reference_face", "remix", "output_face")
STAGES = ("submit", "start", "output", "publish", "preflight")

# Faces an uploaded image may show and still be checked face by face (each is embedded, ~8 ms). More
# is refused unlooked (`too_many_faces`): a video shows at most MAX_CAMEOS people, so only copies of
# the same few could pass, and a tiled image of hundreds of faces cost a submit 11 s.
REFERENCE_FACES_MAX = 24

# Reason codes an author sees, and what they say. Internal reasons map onto these (a block, `only_me`
# and an account support deactivated all read "not_available").
PUBLIC_REASONS = {
    "owner": "Your own cameo.",
    "granted": "They approved you.",
    "everyone": "Their cameo is open to everyone.",
    "mutuals": "You follow each other.",
    "not_available": "This person's cameo is not available.",
    "needs_approval": "Ask this person for permission first.",
    "no_cameo": "This person has no cameo.",
    "unknown_handle": "No one has this handle.",
    "protected_person": "This is a real person whose likeness cannot be used.",
    "unknown_face": "The image shows a real person your prompt does not @mention, or who has no cameo you may use.",
    "restriction": "The prompt breaks a rule this person set for their cameo.",
    "too_many_cameos": "Too many people in one video.",
    "too_many_faces": f"The image shows more than {REFERENCE_FACES_MAX} faces.",
    "too_many_faces_at_once": "The video shows more faces at once than can be checked.",
    # Set on a stored job's subject by the consent cascade (generation.services), never by check():
    # the same words whatever withdrew it (a block reads like a revoked grant).
    "consent_withdrawn": "This person no longer allows you.",
}
_PUBLIC = {
    "blocked": "not_available",
    "inactive": "not_available",
    "erased": "not_available",  # someone a draft shows erased their account
    "only_me": "not_available",
    "minor_needs_approval": "needs_approval",  # a minor who follows the author: they may ask
    "minor_not_followed": "not_available",  # anyone else may not ask a minor: as an `only_me` cameo
    "approval_only": "needs_approval",  # a cleared look-alike of a protected person: as for a minor
    # A cameo's face in an upload whose prompt names them not: word for word a face with no cameo
    # (_unnamed_faces), or an upload would tell whose face a photo is.
    "not_named": "unknown_face",
}


@dataclass(frozen=True)
class Subject:
    source: str
    allowed: bool
    why: str  # the internal reason: kept in the audit log, never shown as such
    user_id: int | None = None
    handle: str | None = None  # shown to the author only when they named it themselves
    cameo_id: int | None = None
    label: str = ""  # the matched words of a name, for the author's message
    instructions: str = ""
    similarity: float | None = None
    # A mentioned person who blocked the author: to the author their handle names no one, word for
    # word as an unknown handle (as their profile is a 404); the audit keeps who and why.
    as_unknown: bool = False

    @property
    def reason(self) -> str:
        return "unknown_handle" if self.as_unknown else _PUBLIC.get(self.why, self.why)

    def public(self) -> dict[str, Any]:
        detail = PUBLIC_REASONS[self.reason]
        if self.label:
            detail = f"“{self.label}”: {detail}"
        return {
            "handle": self.handle,
            "source": self.source,
            "verdict": "allowed" if self.allowed else "refused",
            "reason": self.reason,
            "detail": detail,
        }

    def audit(self) -> dict[str, Any]:
        row: dict[str, Any] = {"user_id": self.user_id, "source": self.source, "allowed": self.allowed, "why": self.why}
        if self.similarity is not None:
            row["similarity"] = round(self.similarity, 3)
        return row


@dataclass(frozen=True)
class CameoUse:
    """A cameo the generator may use: whose, and the instructions its owner added to every prompt."""

    user_id: int
    cameo_id: int
    handle: str
    instructions: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    stage: str
    subjects: tuple[Subject, ...]
    cameos: tuple[CameoUse, ...] = ()
    audit_id: int | None = None

    @property
    def refused(self) -> list[Subject]:
        return [s for s in self.subjects if not s.allowed]

    def public(self) -> list[dict[str, Any]]:
        return [s.public() for s in self.subjects]

    def as_record(self) -> dict[str, Any]:
        """What a job stores: the verdicts, without anything biometric, and whose each is
        (`subject_ids`, by position: the job's presenter never shows them; the consent cascade finds
        the person it refuses by them)."""
        return {
            "allowed": self.allowed,
            "stage": self.stage,
            "subjects": self.public(),
            "subject_ids": [s.user_id for s in self.subjects],
        }


@dataclass(frozen=True)
class FaceMatch:
    """A face found in an image or a generated video, the cameo it matched (None: nobody), and the
    protected person (the registry's faces) it matched, if any."""

    cameo_id: int | None
    similarity: float
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)
    protected: ProtectedMatch | None = None


def mentioned_handles(prompt: str) -> list[str]:
    """`@handle`s in order of first appearance, as the text reads without knowing who exists (a
    trailing full stop is punctuation, not the handle; the gate asks mention_readings).
    Read on the canonical text, so '@аna' with a Cyrillic а and '＠ana' both mention @ana (callers pass
    canonical text already; canonicalising again changes nothing, and keeps a raw caller honest)."""
    return list(dict.fromkeys(readings[-1] for readings in mention_readings(prompt)))


def mention_readings(prompt: str) -> list[tuple[str, ...]]:
    """Each `@mention` in order of first appearance, as the handles it may be, longest first: as
    typed, then without its trailing dots one at a time. "@sam." is the handle `sam.` where such an
    account exists (sign-up refuses one now; older ones remain, and must be asked for consent like
    anyone), else @sam at the end of a sentence."""
    seen: dict[tuple[str, ...], None] = {}
    for raw in MENTION.findall(canonical(prompt, strict=False)):
        handle = normalize_handle(raw)
        bare = len(handle.rstrip("."))
        seen.setdefault(tuple(handle[:n] for n in range(len(handle), bare - 1, -1)), None)
    return list(seen)


class _Resolver:
    """Looks people up in batches and applies the access rules to them (cameos.selectors)."""

    def __init__(self, author: User) -> None:
        self.author = author
        self.restrictions: dict[int, list[str]] = {}  # of every cameo looked at, by cameo id
        self.handles: dict[int, str] = {}  # of every user loaded, by user id (the generator's cameo list)
        self.blockers: set[int] = set()  # of the users looked up by handle, those who blocked the author

    def by_handles(self, handles: Sequence[str]) -> dict[str, User]:
        """Active users by handle, each with `.cameo` (or None) loaded, and whether they blocked the
        author (`self.blockers`): one query, written out because it runs on every request (the ORM's
        query building cost more than the query itself; the blocks were a round trip of their own)."""
        if not handles:
            return {}
        named, params = one_of("u.handle", handles)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT u.id, u.handle, u.birthdate, u.approval_only, "  # noqa: S608
                f"c.id, c.audience, c.instructions, c.restrictions, "
                f"EXISTS (SELECT 1 FROM {Block._meta.db_table} b WHERE b.blocker_id = u.id AND b.blocked_id = %s) "
                f"FROM {User._meta.db_table} u LEFT JOIN {Cameo._meta.db_table} c ON c.owner_id = u.id "
                f"WHERE {named} AND u.is_active",
                [self.author.pk, *params],
            )
            rows = cursor.fetchall()
        found: dict[str, User] = {}
        for user_id, handle, birthdate, approval_only, cameo_id, audience, instructions, stored, blocked in rows:
            # is_active: the query's filter
            user = User(id=user_id, handle=handle, birthdate=birthdate, approval_only=approval_only, is_active=True)
            user.cameo_or_none = None  # type: ignore[attr-defined]
            self.handles[user_id] = handle
            if blocked:
                self.blockers.add(user_id)
            if cameo_id is not None:
                restrictions = json.loads(stored) if isinstance(stored, str) else stored
                cameo = Cameo(
                    id=cameo_id,
                    owner_id=user_id,
                    audience=audience,
                    instructions=instructions,
                    restrictions=restrictions,
                )
                cameo.owner = user
                user.cameo_or_none = cameo  # type: ignore[attr-defined]
            found[handle] = user
        return found

    def cameos_of(self, user_ids: Iterable[int]) -> dict[int, Cameo]:
        ids = set(user_ids)
        if not ids:
            return {}
        return self._remember({c.owner_id: c for c in Cameo.objects.filter(owner_id__in=ids).select_related("owner")})

    def cameos_by_id(self, cameo_ids: Iterable[int]) -> dict[int, Cameo]:
        ids = set(cameo_ids)
        if not ids:
            return {}
        return self._remember({c.pk: c for c in Cameo.objects.filter(pk__in=ids).select_related("owner")})

    def _remember(self, cameos: dict[int, Cameo]) -> dict[int, Cameo]:
        self.handles.update((c.owner_id, c.owner.handle) for c in cameos.values())
        return cameos

    def access(self, cameos: Iterable[Cameo]) -> dict[int, Access]:
        cameos = list(cameos)
        self.restrictions.update((c.pk, list(c.restrictions or [])) for c in cameos)
        return cameo_access_many(self.author, cameos)


def _cameo_subject(source: str, cameo: Cameo, access: Access, *, handle: str | None, **extra: Any) -> Subject:
    return Subject(
        source=source,
        allowed=access.available,
        why=access.reason,
        user_id=cameo.owner_id,
        handle=handle,
        cameo_id=cameo.pk,
        instructions=cameo.instructions if access.available else "",
        **extra,
    )


def check(
    author: User,
    prompt: str,
    *,
    reference_image: np.ndarray | None = None,
    reference_faces: Sequence[FaceMatch] | None = None,
    remix_of: int | None = None,
    output_faces: Sequence[FaceMatch] | None = None,
    output_crowded: bool = False,
    draft: int | None = None,
    stage: str = "submit",
    semantic: bool = False,
    record: bool = True,
    job: str = "",
) -> Decision:
    """Who the request would show, and may it. `reference_image` is a decoded BGR image (its faces
    are found and matched here); a caller that matched them already passes `reference_faces`.
    `draft`: the id of the video about to be published, whose people must all allow the author.
    `output_crowded`: a frame of the generated video showed more faces than the output scan checks
    (moderation.scan), so none of its faces was checked: refused."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    resolver = _Resolver(author)
    mentions = _mention_subjects(prompt, resolver)
    shown = {s.user_id for s in mentions if s.user_id is not None}
    named: set[int] = set()  # registry people found so far, each reported once
    subjects = mentions + _name_subjects(prompt, resolver, shown, named)
    if semantic:
        subjects += _description_subjects(prompt, resolver, shown, named)
    if reference_image is not None and reference_faces is None:
        try:
            # The worker's check, before the render, also looks for faint and tilted faces (too slow
            # for the request path): such an upload is a job blocked before anything is made of it.
            worker = stage != "submit"
            reference_faces = faces_in_image(reference_image, exact=worker, thorough=worker)
        except TooManyFaces:
            subjects.append(Subject("reference_face", False, "too_many_faces"))
    faces = _face_subjects("reference_face", reference_faces or (), resolver, refuse_unknown=True)
    subjects += _unnamed_faces(faces, shown | {author.pk})
    if remix_of is not None:
        subjects += _video_subjects("remix", remix_of, resolver, leave_out=set())
    # 5. faces found in the generated frames, and everyone the draft shows (tagged or found: the
    # people it was made with, whose consent may have gone since, their cascade still on its way)
    if output_crowded:
        subjects.append(Subject("output_face", False, "too_many_faces_at_once"))
    subjects += _face_subjects("output_face", output_faces or (), resolver, refuse_unknown=False)
    if draft is not None:
        already = {s.user_id for s in subjects if s.user_id is not None}
        subjects += _video_subjects("output_face", draft, resolver, leave_out=already | {author.pk})
    subjects += _instructions_subjects(subjects, resolver, shown, named, semantic=semantic)

    subjects = _apply_restrictions(subjects, prompt, author, resolver.restrictions, semantic=semantic)
    subjects = _apply_limit(subjects, author)
    allowed = all(s.allowed for s in subjects)
    uses = _uses(subjects, resolver.handles)
    decision = Decision(allowed=allowed, stage=stage, subjects=tuple(subjects), cameos=uses)
    if record:
        from moderation.services import audit_decision

        decision = audit_decision(author=author, prompt=prompt, decision=decision, job=job)
    return decision


def _mention_subjects(prompt: str, resolver: _Resolver) -> list[Subject]:
    mentions = mention_readings(prompt)
    users = resolver.by_handles(sorted({h for readings in mentions for h in readings}))
    # Each mention is the longest reading that is someone's handle, else the one without its dots.
    handles = list(dict.fromkeys(next((h for h in m if h in users), m[-1]) for m in mentions))
    users = {h: users[h] for h in handles if h in users}  # not a shorter reading's owner as well
    cameos = {u.cameo_or_none.pk: u.cameo_or_none for u in users.values() if u.cameo_or_none is not None}  # type: ignore[attr-defined]
    access = resolver.access(cameos.values())
    blockers = resolver.blockers
    subjects = []
    for handle in handles:
        found = users.get(handle)
        cameo = found.cameo_or_none if found is not None else None  # type: ignore[attr-defined]
        if found is None:
            subjects.append(Subject("mention", False, "unknown_handle", handle=handle))
        elif found.pk in blockers:
            subjects.append(Subject("mention", False, "blocked", user_id=found.pk, handle=handle, as_unknown=True))
        elif cameo is None:
            subjects.append(Subject("mention", False, "no_cameo", user_id=found.pk, handle=handle))
        else:
            subjects.append(_cameo_subject("mention", cameo, access[cameo.pk], handle=handle))
    return subjects


def _name_subjects(prompt: str, resolver: _Resolver, shown: set[int], named: set[int]) -> list[Subject]:
    """Protected people named in the prompt (one pass over its words, whatever the spelling): a
    registry entry is refused, unless it is the verified account of someone with a cameo, who is then
    a subject like a mention; so is a cameo owner who protects their name (unless mentioned already)."""
    hits = name_index().find(prompt)
    found = {h.person for h in hits}
    readings = plain_readings(prompt)
    for reading in readings:
        # Struck-through or stacked accents, boxed letters, a letter drawn out ("Quenbyyyy"), upside-down
        # text: read plain.
        more = [h for h in name_index().find(reading) if h.person not in found]
        found.update(h.person for h in more)
        hits += more
    for text in (prompt, *readings):
        if not text.isascii():
            # A name in another alphabet ("Барак Обама", "バラク・オバマ", drawn out: "Обамааа") is read in
            # Latin letters too (anyascii: each character's usual romanisation), where the index's
            # spellings find it.
            more = [h for h in name_index().find(_romanized(text)) if h.person not in found and _romanized_name(h)]
            found.update(h.person for h in more)
            hits += more
    if not hits:
        return []
    registry = [h.person for h in hits if h.person.kind == "registry"]
    owners = protected_accounts([p.id for p in registry]) if registry else {}
    people: list[tuple[str, int, int | None]] = [(p.label, owners[p.id], p.id) for p in registry if p.id in owners]
    people += [(h.person.label, h.person.id, None) for h in hits if h.person.kind == "cameo"]
    subjects: list[Subject] = []
    for person in registry:
        if person.id not in owners and person.id not in named:
            named.add(person.id)
            subjects.append(Subject("name", False, "protected_person", label=person.label))
    return subjects + _people_subjects("name", people, resolver, shown, named)


_KATAKANA = re.compile(r"([\u30a0-\u30ff]+)")  # Japanese writes foreign names in katakana
# Han characters, left out: their syllables romanised ("猫", cat, is "Mao") are one-word names.
_HAN = re.compile(f"[{HAN}]+")


# Cyrillic's soft and hard signs, which anyascii writes as apostrophes: a word would be cut in two there
# ("Дональд" is "Donal'd": "donal d"). The soft sign and Russian's hard one mark a sound, no letter of
# the Latin spelling; a hard sign before a consonant is Bulgarian's vowel ("България", "Balgariya").
_BULGARIAN_A = re.compile(r"[ъЪ](?=[бвгджзйклмнпрстфхцчшщБВГДЖЗЙКЛМНПРСТФХЦЧШЩ])")
_SIGNS = str.maketrans("", "", "ьЬъЪ")
_ANY_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")


# Greek writes the b, d, g and u of foreign names with two letters, which anyascii spells letter by
# letter ("Μπαράκ Ομπάμα" would be "Mparak Ompama", "Πούτιν" "Poytin"): read as the sound they make.
# A final μπ is "mp" ("Τραμπ", Trump).
_GREEK_PAIRS = re.compile(r"(?P<final>μπ)(?!\w)|μπ|ντ|γκ|γγ|τζ|ο[υύ]", re.IGNORECASE)
_GREEK_SOUNDS = {"μπ": "b", "ντ": "d", "γκ": "g", "γγ": "ng", "τζ": "j", "ου": "u", "ού": "u"}


def _greek_sound(match: re.Match[str]) -> str:
    """The pair's sound, in the case it was written: "ΤΡΑΜΠ", "Μπαράκ", "μπλε"."""
    written = match.group()
    sound = "mp" if match.group("final") else _GREEK_SOUNDS[written.lower()]
    return sound.upper() if written.isupper() else sound.capitalize() if written[0].isupper() else sound


def _romanized(text: str) -> str:
    """The text in Latin letters (anyascii), a katakana run kept a word of its own: Japanese puts no
    space between a name and the particle after it ("オバマが" is "obama ga", not "obamaga")."""
    text = _BULGARIAN_A.sub("а", text).translate(_SIGNS)  # a Cyrillic а
    if _ANY_GREEK.search(text):
        text = _GREEK_PAIRS.sub(_greek_sound, text)
    return anyascii(_KATAKANA.sub(r" \1 ", _HAN.sub(" ", text)))


def _romanized_name(hit: Any) -> bool:
    """A name read in a romanised prompt counts from five letters: a short syllable of another
    language romanised ("Mao", "Li") is too often a one-word alias by chance."""
    return sum(c.isalpha() for c in hit.text) >= 5


def _people_subjects(
    source: str,
    people: Sequence[tuple[str, int, int | None]],
    resolver: _Resolver,
    shown: set[int],
    named: set[int],
) -> list[Subject]:
    """(label, user id, registry id or None) of people found by name, description or a protected
    face, who have an account: each is a subject like a mention when they have a cameo. A registry
    entry's verified account without a cameo is still a real person who did not allow anyone."""
    wanted = [user_id for _, user_id, _ in people if user_id not in shown]
    cameos = resolver.cameos_of(wanted)
    access = resolver.access(cameos.values())
    subjects: list[Subject] = []
    for label, user_id, registry_id in people:
        if user_id in shown:
            continue  # mentioned already, or found by another source first
        shown.add(user_id)
        if registry_id is not None:
            named.add(registry_id)
        cameo = cameos.get(user_id)
        if cameo is not None:
            subjects.append(_cameo_subject(source, cameo, access[cameo.pk], handle=None, label=label))
        elif registry_id is not None:
            subjects.append(Subject(source, False, "protected_person", user_id=user_id, label=label))
        # a name-protecting owner whose cameo went since the index was built: nobody to show
    return subjects


def _description_subjects(prompt: str, resolver: _Resolver, shown: set[int], named: set[int]) -> list[Subject]:
    """Protected people the prompt describes without naming them ("the 44th president of the United
    States"), by meaning (moderation.descriptions: MiniLM, workers only)."""
    from moderation import descriptions

    found = [d for d in descriptions.described(prompt) if d.person_id not in named]
    if not found:
        return []
    owners = protected_accounts([d.person_id for d in found])
    subjects: list[Subject] = []
    for d in found:
        if d.person_id not in owners:
            named.add(d.person_id)
            subjects.append(Subject("description", False, "protected_person", label=d.name, similarity=d.similarity))
    people = [(d.name, owners[d.person_id], d.person_id) for d in found if d.person_id in owners]
    return subjects + _people_subjects("description", people, resolver, shown, named)


def _instructions_subjects(
    subjects: list[Subject], resolver: _Resolver, shown: set[int], named: set[int], *, semantic: bool
) -> list[Subject]:
    """Protected people named or described in the instructions of the cameos allowed so far: the
    backend adds them to the prompt (generation.backends.base.RenderRequest.full_prompt), so they are
    read as the prompt is, against the registry of now, by meaning too in workers. PATCH /cameo read
    them by words only, against the registry of then. Someone they bring in (a name-protecting
    owner) adds their own instructions too: read in turn, until no one new is found (each person is
    found once: `shown`). Each is read after its owner's handle, as the model reads it
    (core.text.instructed)."""
    found: list[Subject] = []
    read: set[str] = set()
    new = subjects
    # Each with its owner's handle before it, as the backend appends it: together they may name
    # someone neither names alone.
    while texts := [
        t
        for t in dict.fromkeys(
            instructed(resolver.handles.get(s.user_id, "") if s.user_id else "", s.instructions)
            for s in new
            if s.allowed and s.instructions
        )
        if t not in read
    ]:
        read.update(texts)
        new = []
        for text in texts:
            new += _name_subjects(text, resolver, shown, named)
            if semantic:
                new += _description_subjects(text, resolver, shown, named)
        found += new
    return found


def _unnamed_faces(faces: list[Subject], named: set[int]) -> list[Subject]:
    """Faces of an upload that are cameos of people its prompt does not name (the author, someone
    @mentioned or found by name or description): refused, reading as a face with no cameo. An upload
    of a stranger's photo with "this, animated" answered with their cameo's audience (needs_approval,
    not_available) or, open to everyone, a job naming them: a lookup of anyone's account by a photo.
    What the audit keeps says who it was."""
    return [
        s
        if s.user_id is None or s.user_id in named or s.why == "protected_person"
        else Subject(s.source, False, "not_named", user_id=s.user_id, similarity=s.similarity)
        for s in faces
    ]


def _video_subjects(source: str, video_id: int, resolver: _Resolver, *, leave_out: set[int]) -> list[Subject]:
    """Everyone a video shows must allow the author now (a remixed video; a draft about to be
    published), but for those in `leave_out`."""
    people = [p for p in people_in(video_id) if p not in leave_out]
    cameos = resolver.cameos_of(people)
    access = resolver.access(cameos.values())
    return [
        _cameo_subject(source, cameos[p], access[cameos[p].pk], handle=None)
        if p in cameos
        else Subject(source, False, "no_cameo", user_id=p)
        for p in people
    ]


def _face_subjects(
    source: str, faces: Sequence[FaceMatch], resolver: _Resolver, *, refuse_unknown: bool
) -> list[Subject]:
    if not faces:
        return []
    # A protected person's face (the registry's photos) is refused, unless that person verified their
    # own account: then it is their cameo like any other. It wins over a cameo match: nobody may
    # enroll as a protected person (cameos.services refuses it), so such a cameo is a look-alike, and
    # refused as the person, unless an operator cleared its owner as one of theirs
    # (ProtectedPerson.lookalikes) and the face is at least as close to that cameo as to the
    # person's photos: then that cameo decides (a drawing of the person stays theirs).
    protected = [f.protected for f in faces if f.protected is not None]
    owners = protected_accounts([p.person_id for p in protected]) if protected else {}
    cleared = protected_lookalikes([p.person_id for p in protected]) if protected else {}
    own_cameos = resolver.cameos_of(owners.values())
    cameos = resolver.cameos_by_id(
        [f.cameo_id for f in faces if f.cameo_id is not None and (f.protected is None or _lookalike_may(f, cleared))]
        + [c.pk for c in own_cameos.values()]
    )
    access = resolver.access(cameos.values())
    subjects: list[Subject] = []
    seen: set[int] = set()
    refused: set[int] = set()
    for face in faces:
        cameo_id = face.cameo_id
        label = ""
        person = face.protected
        if person is not None and _lookalike_may(face, cleared):
            lookalike = cameos.get(face.cameo_id) if face.cameo_id is not None else None
            if lookalike is not None and lookalike.owner_id in cleared[person.person_id]:
                person = None  # that cameo's face, not the person's
        if person is not None:
            label = person.name
            own = own_cameos.get(owners[person.person_id]) if person.person_id in owners else None
            if own is None:
                if person.person_id not in refused:
                    refused.add(person.person_id)
                    subjects.append(
                        Subject(source, False, "protected_person", label=label, similarity=person.similarity)
                    )
                continue
            cameo_id = own.pk
        cameo = cameos.get(cameo_id) if cameo_id is not None else None
        if cameo is None:
            # A real face that is nobody's cameo. In an upload that is an unenrolled real person; in
            # generated frames it is a made-up face (a match would have named its cameo).
            if refuse_unknown and conf().refuse_unknown_faces:
                subjects.append(Subject(source, False, "unknown_face", similarity=face.similarity))
            continue
        if cameo.pk in seen:
            continue
        seen.add(cameo.pk)
        subjects.append(
            _cameo_subject(source, cameo, access[cameo.pk], handle=None, label=label, similarity=face.similarity)
        )
    return subjects


def _lookalike_may(face: FaceMatch, cleared: dict[int, set[int]]) -> bool:
    """The face matched a protected person with cleared look-alikes, and a cameo at least as closely
    as the person's photos (whose cameo, and whether its owner is one of them, is asked after)."""
    return (
        face.protected is not None
        and face.protected.person_id in cleared
        and face.cameo_id is not None
        and face.similarity >= face.protected.similarity
    )


def _apply_restrictions(
    subjects: list[Subject], prompt: str, author: User, rules: dict[int, list[str]], *, semantic: bool
) -> list[Subject]:
    """A cameo's restrictions refuse prompts that break them (not for its owner's own videos). The
    prompt is read as the model reads it: with the instructions the other allowed cameos' owners add
    to it (generation.backends.base.RenderRequest.full_prompt), each read on its own as well, so that
    a co-star's "always drinking beer" breaks "no drinking" as the same words in the prompt do. An
    owner's own instructions never break their own rules."""
    wanted = {s.cameo_id for s in subjects if s.allowed and s.cameo_id is not None and s.user_id != author.pk}
    added = {s.cameo_id: s.instructions for s in subjects if s.allowed and s.cameo_id is not None and s.instructions}
    broken: set[int] = set()
    for cameo_id in wanted:
        items = rules.get(cameo_id) or []
        texts = [prompt, *(text for other, text in added.items() if other != cameo_id)]
        if items and any(restriction_rules.broken(text, items, semantic=semantic) for text in texts):
            broken.add(cameo_id)
    return [
        Subject(**{**s.__dict__, "allowed": False, "why": "restriction", "instructions": ""})
        if s.allowed and s.cameo_id in broken and s.user_id != author.pk
        else s
        for s in subjects
    ]


def _apply_limit(subjects: list[Subject], author: User) -> list[Subject]:
    limit = conf().max_cameos
    people: list[int] = []
    out = []
    for s in subjects:
        if s.allowed and s.user_id is not None and s.user_id not in people:
            if len(people) >= limit:
                out.append(Subject(**{**s.__dict__, "allowed": False, "why": "too_many_cameos", "instructions": ""}))
                continue
            people.append(s.user_id)
        out.append(s)
    return out


def _uses(subjects: list[Subject], known: dict[int, str]) -> tuple[CameoUse, ...]:
    """The cameos the generator may use, with their owners' handles (loaded with them already)."""
    handles = dict(known)
    missing = {s.user_id for s in subjects if s.allowed and s.user_id is not None and s.user_id not in handles}
    if missing:
        handles.update(User.objects.filter(pk__in=missing).values_list("pk", "handle"))
    uses: dict[int, CameoUse] = {}
    for s in subjects:
        if s.allowed and s.cameo_id is not None and s.user_id is not None and s.user_id not in uses:
            uses[s.user_id] = CameoUse(s.user_id, s.cameo_id, handles.get(s.user_id, ""), s.instructions)
    return tuple(uses.values())


class TooManyFaces(Exception):
    """An image shows more than REFERENCE_FACES_MAX faces."""


def faces_in_image(image: np.ndarray, *, exact: bool = False, thorough: bool = False) -> list[FaceMatch]:
    """Detect every face in a BGR image, however it is turned (a photo uploaded sideways would
    otherwise show nobody, and the model animate the person in it), and match each against the
    gallery. `thorough` (a worker's check): also faint and tilted faces (detect_any_way_up).
    TooManyFaces past REFERENCE_FACES_MAX, before any is embedded."""
    from cameos.likeness.faces import engine

    found = engine()
    faces = found.detect_any_way_up(image, thorough=thorough)
    if not faces:
        return []
    if len(faces) > REFERENCE_FACES_MAX:
        raise TooManyFaces
    return match_faces(found.embed([found.align(view, face) for view, face in faces]), exact=exact)


def match_faces(vectors: np.ndarray, *, exact: bool = True) -> list[FaceMatch]:
    """The cameo each face is, if any, and the protected person it is, if any. `exact=False` (the
    request path) searches the cameos' HNSW index: a miss there makes an uploaded face "unknown",
    which is refused, so it can only cost a false refusal; workers and the output scan compare with
    every template. Protected faces are always compared with every photo's template."""
    faces = cameos_conf()
    threshold = faces.match_threshold
    if exact:
        matches = gallery.best_matches(vectors, min_similarity=threshold)
    else:
        matches = gallery.nearest(vectors, min_similarity=threshold)
    protected = protected_face_matches(vectors, min_similarity=faces.protected_threshold)
    return [
        FaceMatch(m.cameo_id if m else None, m.similarity if m else 0.0, v, p)
        for m, v, p in zip(matches, vectors, protected, strict=True)
    ]


def prompt_digest(prompt: str) -> str:
    return hashlib.sha256(prompt.encode()).hexdigest()[:16]
