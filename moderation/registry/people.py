"""The registry's people (moderation.registry): their names and aliases, checked and kept unique."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts import services as accounts_services
from accounts.models import User
from core.exceptions import InvalidInput
from core.text import fold
from moderation.conf import conf
from moderation.models import AuditEvent, ProtectedPerson

MAX_NAME = 120
# The folded name is what is stored and kept unique (name_key): folding spells some ligatures out
# ("ﷺ" is 18 letters), so a short name can fold past the column.
MAX_KEY: int = ProtectedPerson._meta.get_field("name_key").max_length or 200
MAX_DESCRIPTION = 300
MAX_NOTE = 300
MAX_KNOWN_FOR = 20  # phrases a person
MAX_PHRASE = 200  # characters a phrase
SEPARATOR = "|"
OWN_ACCOUNT_NOT_LOOKALIKE = "This is the person's own account: it cannot also be a look-alike of them."
COLUMNS = ("name", "aliases", "description", "photos", "kind", "deceased", "note", "known_for")


# --- names -----------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """The key a name is registered under: folded (case, accents, look-alike letters) and with its
    whitespace collapsed, so "Beyoncé", "BEYONCE" and "Beyoncе" (a Cyrillic e) are one person."""
    return " ".join(fold(name).split())


def key_too_long(key: str) -> str | None:
    """The problem with a name whose key (name_key) is longer than its column, or None."""
    if len(key) <= MAX_KEY:
        return None
    return (
        f"Too long once spelt out for matching: at most {MAX_KEY} letters (ligatures such as ﷺ count as "
        f"several; this one has {len(key)})."
    )


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


@dataclass(frozen=True)
class _Person:
    name: str
    key: str
    aliases: tuple[str, ...]
    description: str
    kind: str
    deceased: bool
    note: str
    known_for: tuple[str, ...] | None = None  # None: not given (an update leaves the entry's as they are)

    def new(self, **extra: Any) -> ProtectedPerson:
        """An unsaved entry with these values."""
        return ProtectedPerson(
            name=self.name,
            name_key=self.key,
            aliases=list(self.aliases),
            description=self.description,
            known_for=list(self.known_for or ()),
            kind=self.kind,
            deceased=self.deceased,
            note=self.note,
            **extra,
        )


def clean_known_for(known_for: Iterable[str]) -> tuple[list[str], list[str]]:
    """The phrases as stored (one line each, blanks and repeats dropped), and the problems."""
    given = [known_for] if isinstance(known_for, str) else known_for
    if not isinstance(given, (list, tuple)) or not all(isinstance(p, str) for p in given):
        return [], ["A list of phrases (text), one thing each that the person is known for."]
    phrases = [p for p in dict.fromkeys(_one_line(p) for p in given) if p]
    problems = []
    for phrase in phrases:
        if len(phrase) > MAX_PHRASE:
            problems.append(f"“{phrase[:40]}…”: at most {MAX_PHRASE} characters.")
        if SEPARATOR in phrase:
            problems.append(f"“{phrase[:40]}”: a phrase may not contain “{SEPARATOR}”.")
    if len(phrases) > MAX_KNOWN_FOR:
        problems.append(f"At most {MAX_KNOWN_FOR} phrases (these are {len(phrases)}).")
    return phrases, problems


def clean_aliases(aliases: Iterable[str], *, name: str = "") -> tuple[list[str], list[str]]:
    """The aliases as stored (one line each; blanks, repeats and the name itself dropped), and the
    problems: each at most MAX_NAME characters, at most moderation's MAX_ALIASES of them (every
    prompt check reads every name and alias)."""
    kept: list[str] = []
    problems: list[str] = []
    seen = {name_key(name)}
    for given in [aliases] if isinstance(aliases, str) else aliases:
        alias = _one_line(given)
        alias_key = name_key(alias)
        if not alias_key or alias_key in seen:
            continue  # blank, the name itself, or said twice
        if len(alias) > MAX_NAME:
            problems.append(f"“{alias[:40]}…”: at most {MAX_NAME} characters.")
        if SEPARATOR in alias:
            problems.append(f"“{alias}”: an alias may not contain “{SEPARATOR}”.")
        seen.add(alias_key)
        kept.append(alias)
    most = conf().max_aliases
    if len(kept) > most:
        problems.append(f"At most {most} aliases (these are {len(kept)}).")
    return kept, problems


def _refuse_controls(problems: dict[str, list[str]], texts: dict[str, list[Any]]) -> None:
    """A problem for each field with a control character (NUL and the rest of Unicode's Cc) in a text."""
    for field, values in texts.items():
        if any(unicodedata.category(c) == "Cc" for value in values for c in str(value)):
            problems.setdefault(field, []).append("Control characters (such as NUL) are not allowed.")


def _clean_person(
    *,
    name: str,
    aliases: Iterable[str],
    description: str,
    kind: str,
    deceased: bool,
    note: str,
    known_for: Iterable[str] | None = None,
) -> tuple[_Person | None, dict[str, list[str]]]:
    """The values as stored, or the problems by field."""
    problems: dict[str, list[str]] = {}
    name = _one_line(name)
    key = name_key(name)
    if not key:
        problems.setdefault("name", []).append("A name is required.")
    elif len(name) > MAX_NAME:
        problems.setdefault("name", []).append(f"At most {MAX_NAME} characters (this one has {len(name)}).")
    elif (too_long := key_too_long(key)) is not None:
        problems.setdefault("name", []).append(too_long)
    if SEPARATOR in name:
        problems.setdefault("name", []).append(f"A name may not contain “{SEPARATOR}”.")
    kept, alias_problems = clean_aliases(aliases, name=name)
    if alias_problems:
        problems["aliases"] = alias_problems
    description = _one_line(description)
    if len(description) > MAX_DESCRIPTION:
        problems.setdefault("description", []).append(
            f"At most {MAX_DESCRIPTION} characters (this one has {len(description)})."
        )
    phrases, phrase_problems = clean_known_for(known_for) if known_for is not None else (None, [])
    if phrase_problems:
        problems["known_for"] = phrase_problems
    note = _one_line(note)
    if len(note) > MAX_NOTE:
        problems.setdefault("note", []).append(f"At most {MAX_NOTE} characters.")
    if kind not in ProtectedPerson.Kind.values:
        problems.setdefault("kind", []).append(f"One of {', '.join(ProtectedPerson.Kind.values)}.")
    texts = {"name": [name], "aliases": kept, "description": [description], "note": [note], "known_for": phrases or []}
    _refuse_controls(problems, texts)
    if problems:
        return None, problems
    known = tuple(phrases) if phrases is not None else None
    return _Person(name, key, tuple(kept), description, kind, bool(deceased), note, known), {}


def _names_taken(exclude: set[int]) -> tuple[dict[str, str], dict[str, str]]:
    """The registry's names and aliases, by key: (name key → name, alias key → whose name), leaving
    out the entries in `exclude`."""
    names: dict[str, str] = {}
    aliases: dict[str, str] = {}
    rows = ProtectedPerson.objects.values_list("pk", "name_key", "name", "aliases")
    for pk, key, name, person_aliases in rows.iterator(chunk_size=5000):
        if pk in exclude:
            continue
        names[key] = name
        for alias in person_aliases or []:
            aliases.setdefault(name_key(alias), name)
    return names, aliases


def _clashes(person: _Person, names: dict[str, str], aliases: dict[str, str]) -> list[tuple[str, str]]:
    """(field, message): a name must not be someone else's alias, nor an alias someone else's name
    (which entry a prompt naming it means would depend on the order they were added)."""
    found = []
    if person.key in aliases:
        found.append(("name", f"“{person.name}” is already an alias of {aliases[person.key]}."))
    for alias in person.aliases:
        other = names.get(name_key(alias))
        if other is not None:
            found.append(("aliases", f"The alias “{alias}” is the name of another registered person ({other})."))
    return found


def name_clashes(*, name: str, aliases: Iterable[str], exclude: int | None = None) -> list[tuple[str, str]]:
    """(field, message) for `name` or an alias that would be ambiguous in the registry (another
    entry's alias, or another entry's name), leaving out entry `exclude`; empty when none. The import
    refuses such rows, the admin such forms; the services accept them (both entries are refused)."""
    values, _ = _clean_person(name=name, aliases=aliases, description="", kind="public_figure", deceased=False, note="")
    if values is None:
        return []
    return _clashes(values, *_names_taken({exclude} if exclude is not None else set()))


def _invalid(problems: dict[str, list[str]]) -> InvalidInput:
    first_field, messages = next(iter(problems.items()))
    return InvalidInput(problems, detail=f"{first_field}: {messages[0]}")


def _changes(person: ProtectedPerson, values: _Person, columns: Iterable[str] = COLUMNS) -> list[str]:
    """Set `values` on `person` for the given columns; the names of the fields that changed."""
    wanted: dict[str, Any] = {"name": values.name}
    if "aliases" in columns:
        wanted["aliases"] = list(values.aliases)
    if "description" in columns:
        wanted["description"] = values.description
    if "known_for" in columns and values.known_for is not None:
        wanted["known_for"] = list(values.known_for)
    if "kind" in columns:
        wanted["kind"] = values.kind
    if "deceased" in columns:
        wanted["deceased"] = values.deceased
    if "note" in columns:
        wanted["note"] = values.note
    changed = [name for name, value in wanted.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, wanted[name])
    return changed


# --- people ----------------------------------------------------------------------------------------


@transaction.atomic
def person_upsert(
    *,
    name: str,
    aliases: Sequence[str] = (),
    description: str = "",
    kind: str = ProtectedPerson.Kind.PUBLIC_FIGURE,
    deceased: bool = False,
    note: str = "",
    known_for: Sequence[str] | None = None,
) -> tuple[ProtectedPerson, bool]:
    """Register a person, or update the entry with the same normalised name. (person, created).
    `known_for` None leaves an existing entry's phrases as they are."""
    values, problems = _clean_person(
        name=name,
        aliases=aliases,
        description=description,
        kind=kind,
        deceased=deceased,
        note=note,
        known_for=known_for,
    )
    if values is None:
        raise _invalid(problems)
    person = ProtectedPerson.objects.select_for_update().filter(name_key=values.key).first()
    if person is None:
        person = values.new()
        person.save(force_insert=True)
        return person, True
    changed = _changes(person, values)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person, False


@transaction.atomic
def person_update(
    *,
    person: ProtectedPerson,
    name: str,
    aliases: Sequence[str],
    description: str,
    kind: str,
    deceased: bool,
    note: str,
    known_for: Sequence[str] | None = None,
) -> ProtectedPerson:
    """Change an entry (its name too: the key follows). Refuses a name another entry has. `known_for`
    None leaves its phrases as they are."""
    values, problems = _clean_person(
        name=name,
        aliases=aliases,
        description=description,
        kind=kind,
        deceased=deceased,
        note=note,
        known_for=known_for,
    )
    if values is None:
        raise _invalid(problems)
    if ProtectedPerson.objects.filter(name_key=values.key).exclude(pk=person.pk).exists():
        raise InvalidInput({"name": ["Someone with this name is already registered."]})
    changed = _changes(person, values)
    if person.name_key != values.key:
        person.name_key = values.key
        changed.append("name_key")
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person


@transaction.atomic
def person_link_account(*, person: ProtectedPerson, account: User | None, by: User | None = None) -> ProtectedPerson:
    """Record that an operator (`by`) verified `account` as this person's own (None: no longer): that
    account may then use the person's likeness like any cameo owner. In the audit log."""
    previous = person.account_id
    if previous != (account.pk if account else None):
        person.account = account
        person.save(update_fields=["account", "updated_at"])
        for user_id, linked in ((previous, False), (account.pk if account else None, True)):
            if user_id is not None:
                _audit_registry(AuditEvent.Kind.PROTECTED_ACCOUNT_LINKED, person, user_id, by, linked=linked)
    return person


def _audit_registry(kind: str, person: ProtectedPerson, user_id: int, by: User | None, **data: Any) -> None:
    from moderation.services import audit

    audit(
        kind,
        actor_id=by.pk if by else None,
        subject_id=user_id,
        object_type="protected_person",
        object_id=person.pk,
        **data,
    )


def lookalikes_hold(*, person_id: int | None, accounts: Iterable[User]) -> None:
    """Hold the people whose clearance as this entry's look-alikes would change (person_id None: a new
    entry), before anything of the entry is written: writing it moves the registry's version
    (names_changed), which a look-alike's own writes (PATCH /cameo protect_name, a new display name)
    take after holding her, so the other way round two transactions deadlock."""
    changed = _lookalikes_changed(person_id, {account.pk for account in accounts})
    if changed:
        accounts_services.people_hold(user_ids=changed)


def _lookalikes_changed(person_id: int | None, wanted: set[int]) -> set[int]:
    """The people whose clearance as the entry's look-alikes setting `wanted` changes (None: a new entry)."""
    through = ProtectedPerson.lookalikes.through.objects
    before = (
        set()
        if person_id is None
        else set(through.filter(protectedperson_id=person_id).values_list("user_id", flat=True))
    )
    return before ^ wanted


@transaction.atomic
def person_set_lookalikes(
    *, person: ProtectedPerson, accounts: Iterable[User], by: User | None = None
) -> ProtectedPerson:
    """Record the accounts an operator (`by`) verified are not this person, though their face matches
    the registry's photos (the whole list: those left out are no longer cleared). Such an account may
    enroll, and its cameo decides for a face closer to it than to these photos (moderation.consent);
    as people may take that face for the person's, only those it approves one by one may show it
    (User.approval_only, set here while it is any entry's look-alike: its cameo closes to everyone and
    the consent cascade stops what others were making with it). The person's own account is not a
    look-alike: refused."""
    wanted = {account.pk: account for account in accounts}
    if person.account_id is not None and person.account_id in wanted:
        raise _invalid({"lookalikes": [OWN_ACCOUNT_NOT_LOOKALIKE]})
    # The entry's row first: two operators saving it at once compute what changes one after the other.
    ProtectedPerson.objects.select_for_update().filter(pk=person.pk).first()
    changed = _lookalikes_changed(person.pk, set(wanted))
    if changed:
        # Held before their rows here are written, in the order an erasure holds them (its account
        # row last), which deletes these rows too.
        accounts_services.people_hold(user_ids=changed)
        person.lookalikes.set(list(wanted.values()))
        _approval_only_update(changed, by=by)
        for user_id in sorted(changed):
            _audit_registry(AuditEvent.Kind.LOOKALIKE_CLEARED, person, user_id, by, cleared=user_id in wanted)
    return person


def _approval_only_update(user_ids: set[int], *, by: User | None) -> None:
    """`approval_only` for these people as the look-alike lists now say: set while they are any entry's."""
    cleared = set(
        ProtectedPerson.lookalikes.through.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    by_id = by.pk if by else None
    accounts_services.people_approval_only_set(user_ids=cleared, approval_only=True, by_id=by_id)
    accounts_services.people_approval_only_set(user_ids=user_ids - cleared, approval_only=False, by_id=by_id)


@transaction.atomic
def person_delete(*, person: ProtectedPerson, by: User | None = None) -> None:
    """Remove a person with their faces; the photo files go after commit (moderation.receivers). Its
    look-alikes, cleared for it alone, are no longer `approval_only` (in the audit log, with the
    entry's id, as `by` clearing them no more)."""
    lookalikes = set(person.lookalikes.values_list("pk", flat=True))
    if lookalikes:
        accounts_services.people_hold(user_ids=lookalikes)
    for user_id in sorted(lookalikes):
        _audit_registry(AuditEvent.Kind.LOOKALIKE_CLEARED, person, user_id, by, cleared=False, entry_deleted=True)
    person.delete()
    if lookalikes:
        _approval_only_update(lookalikes, by=by)
