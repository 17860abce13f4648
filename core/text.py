"""One canonical form of a prompt, and the forms checks match over (DESIGN.md §5, "One canonical prompt").

`canonical` is what a job stores and the video model reads; `fold` is what every check matches over;
`skeleton` is the Unicode TR39 skeleton, used to refuse look-alike handles; `display` is text people
write for people to read (a caption), kept as written but for what can only hide or reorder it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from confusable_homoglyphs import categories
from confusable_homoglyphs.utils import load

__all__ = ["MENTION", "MixedScript", "canonical", "display", "fold", "instructed", "skeleton"]

# A mention as the consent gate reads it (moderation.consent): "@" and 3–30 handle characters, not
# inside a word or an e-mail address ("ana@example.com" mentions no one). Group 1 is the handle.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.]{3,30})")

# Scripts that say nothing about which alphabet a word is written in (digits, punctuation, emoji,
# combining marks); "UNKNOWN" is an unassigned code point.
_NEUTRAL = frozenset({"COMMON", "INHERITED", "UNKNOWN"})
# TR39 "highly restrictive": the script mixes that are ordinary writing, not a spelling trick.
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_CJK = frozenset().union(*_ALLOWED_MIXES) - {"LATIN"}

# Default-ignorable code points that are not of category Cf: combining grapheme joiner, Hangul fillers,
# Khmer inherent vowels, Mongolian variation selectors, variation selectors (both blocks) and the
# unassigned rest of the tag plane. They render as nothing, so they can only hide something.
_IGNORABLE = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),
)


class MixedScript(ValueError):
    """A word mixes Latin with letters of another alphabet that have no Latin look-alike."""

    def __init__(self, word: str) -> None:
        self.word = word
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"The word “{self.word}” mixes letters of different alphabets; write it in one."


# --- tables ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Confusables:
    prototype: dict[str, str]  # source character → its TR39 prototype (one or more characters)
    ascii_like: dict[str, tuple[str, ...]]  # prototype → the ASCII letters of its class, prototype first


def _clean(value: str) -> str:
    # The package wraps right-to-left characters in LEFT-TO-RIGHT MARKs for display.
    return value.replace("\u200e", "").replace("\u200f", "")


@cache
def _confusables() -> _Confusables:
    """TR39 confusables.txt as shipped by confusable-homoglyphs. Its JSON lists, for each line
    `source → prototype`, the pair in both directions, so the direction is recovered: a source is a
    single character with exactly one entry; a prototype has several entries, or is several characters,
    or (a class of one source) was written to the file after its source, the line's first character."""
    data: dict[str, list[dict[str, str]]] = load("confusables.json")
    order = {key: i for i, key in enumerate(data)}
    prototype: dict[str, str] = {}
    for key, entries in data.items():
        source = _clean(key)
        if len(source) != 1 or len(entries) != 1:
            continue
        target = entries[0]["c"]
        if len(_clean(target)) > 1 or len(data.get(target, ())) > 1 or order[key] < order.get(target, -1):
            prototype[source] = _clean(target)
    members: dict[str, list[str]] = {}
    for source, target in prototype.items():
        members.setdefault(target, [target]).append(source)
    ascii_like = {
        target: tuple(dict.fromkeys(c for c in chars if len(c) == 1 and c.isascii() and c.isalpha()))
        for target, chars in members.items()
    }
    return _Confusables(prototype, {k: v for k, v in ascii_like.items() if v})


class _Lazy(dict[int, int | str | None]):
    """A str.translate table that computes each character's entry on first sight: no start-up cost
    for the 1.1M code points, and a dict lookup for every character after that."""

    def __init__(self, entry: Callable[[int], int | str | None]) -> None:
        super().__init__()
        self._entry = entry

    def __missing__(self, cp: int) -> int | str | None:
        value = self._entry(cp)
        self[cp] = value
        return value


def _invisible(cp: int) -> bool:
    ch = chr(cp)
    category = unicodedata.category(ch)
    if category == "Cf" or (category == "Cc" and not ch.isspace()):
        return True
    return any(low <= cp <= high for low, high in _IGNORABLE)


_VISIBLE = _Lazy(lambda cp: None if _invisible(cp) else cp)
# Invisible alone, but they decide how what is around them is drawn: the zero-width non-joiner and
# joiner (Persian and Indic spelling, emoji sequences such as a family), the variation selectors
# (an emoji's colour form: "❤️"), and the tag characters of subdivision flags.
_DRAWING = frozenset([0x200C, 0x200D, *range(0xFE00, 0xFE10), *range(0xE0020, 0xE0080), *range(0xE0100, 0xE01F0)])
_SHOWN = _Lazy(lambda cp: cp if cp in _DRAWING or not _invisible(cp) else None)
_SCRIPTS = _Lazy(lambda cp: categories.alias(chr(cp)))


def _script(ch: str) -> str:
    return str(_SCRIPTS[ord(ch)])


def _same_case(candidates: tuple[str, ...], like: str) -> str:
    for c in candidates:
        if c.isupper() == like.isupper() and c.islower() == like.islower():
            return c
    return candidates[0]


def _ascii_twin(ch: str, *, strict: bool) -> str | None:
    """The ASCII letter `ch` (a single letter without marks) looks like, in its case where there is a
    choice ('Ι' GREEK CAPITAL IOTA → 'I', though its prototype is 'l'); None if it has none.

    strict: only a letter of the same TR39 confusable class. Otherwise also a prototype's base letter
    ('η' → 'n̩' → 'n'), and for Cyrillic small letters, which are small capitals of their capitals
    (TR39 maps 'к' to the Latin small capital 'ĸ'), the look-alike of the capital in lower case."""
    table = _confusables()
    target = table.prototype.get(ch, ch)
    found = table.ascii_like.get(target)
    if found:
        return _same_case(found, ch)
    if strict:
        return None
    base = "".join(c for c in unicodedata.normalize("NFD", target) if not unicodedata.combining(c))
    if len(base) == 1 and base.isascii() and base.isalpha():
        return base
    upper = ch.upper()
    if ch.islower() and len(upper) == 1 and upper != ch and _script(ch) == "CYRILLIC":
        twin = _ascii_twin(upper, strict=True)
        return twin.lower() if twin else None
    return None


def _lookalike(ch: str, *, strict: bool) -> str | None:
    """`ch` (NFC, possibly with marks: 'ё') written with its Latin look-alike ('ë'), or None."""
    decomposed = unicodedata.normalize("NFD", ch)
    twin = _ascii_twin(decomposed[0], strict=strict)
    if twin is None:
        return None
    return unicodedata.normalize("NFC", twin + decomposed[1:])


def _fold_entry(cp: int) -> int | str | None:
    if cp < 0x80:
        return cp  # ASCII is never mapped: digits and punctuation keep their meaning
    if _invisible(cp):
        return None
    ch = chr(cp)
    if unicodedata.combining(ch) or unicodedata.category(ch) == "Me":
        return None  # accents (the text is decomposed first)
    if ch.isalpha():
        return _ascii_twin(ch, strict=False) or _small_capital(ch) or _decorated(ch) or cp
    return cp


_SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")


def _small_capital(ch: str) -> str | None:
    """The letter a Latin small capital is ('ᴍ' LATIN LETTER SMALL CAPITAL M → 'm'), by its Unicode
    name: "small caps" text generators write names with them, and TR39 has a twin for only some ('ᴏ',
    'ɪ'), so "ᴍᴀʀɪsᴏʟ" folded to "ᴍᴀʀisoʟ" and named no one."""
    found = _SMALL_CAPITAL.fullmatch(unicodedata.name(ch, ""))
    return found.group(1).lower() if found else None


_DECORATED = re.compile(r"LATIN (?:SMALL|CAPITAL) LETTER ([A-Z]) WITH .+")


def _decorated(ch: str) -> str | None:
    """The letter a Latin letter with a hook, a tail, a curl or a stroke is, by its Unicode name
    ('ƈ' LATIN SMALL LETTER C WITH HOOK → 'c', 'ɱ' M WITH HOOK → 'm'), in its case. Unlike an
    accent, such a mark is part of the character (no decomposition drops it), and TR39 has a twin for
    only some ('ɗ', 'ƙ'), so "Ƈher" folded to "ƈher" and named no one."""
    found = _DECORATED.fullmatch(unicodedata.name(ch, ""))
    if found is None:
        return None
    return found.group(1) if ch.isupper() else found.group(1).lower()


_FOLD = _Lazy(_fold_entry)


# --- canonical -------------------------------------------------------------------------------------


def _letter_scripts(word: str) -> set[str]:
    return {s for s in (_script(c) for c in word if c.isalpha()) if s not in _NEUTRAL}


def _restrictive(scripts: set[str]) -> bool:
    return len(scripts) <= 1 or any(scripts <= mix for mix in _ALLOWED_MIXES)


def _resolve_mixed(word: str, *, strict: bool) -> str:
    """A word that mixes Latin with another alphabet, every foreign letter written as its Latin look-alike."""
    out = []
    for ch in word:
        script = _script(ch) if ch.isalpha() else "COMMON"
        if script in _NEUTRAL or script == "LATIN" or script in _CJK:
            out.append(ch)
            continue
        twin = _lookalike(ch, strict=False)
        if twin is None:
            if strict:
                raise MixedScript(word)
            return word
        out.append(twin)
    return unicodedata.normalize("NFC", "".join(out))  # a twin may compose with a mark after it


def _resolve_lookalike(word: str) -> str:
    """A word in another alphabet whose every letter has a Latin twin ('ѕех'), written in Latin; any
    other word as it is."""
    out = []
    for ch in word:
        if not ch.isalpha() or _script(ch) in _NEUTRAL:
            out.append(ch)
            continue
        twin = _lookalike(ch, strict=True)
        if twin is None:
            return word
        out.append(twin)
    return unicodedata.normalize("NFC", "".join(out))


# Bidi controls that open a span (embeddings, overrides, isolates) and what each does to the order of
# the characters in it: R, a right-to-left override, shows them reversed; the others keep the order of
# Latin text. PDF closes the last embedding or override, PDI the last isolate and what it holds.
_BIDI_OPEN = {"\u202a": "", "\u202b": "", "\u202d": "", "\u202e": "R", "\u2066": "i", "\u2067": "i", "\u2068": "i"}
_PARAGRAPH = re.compile("([\n\r\x1c-\x1e\x85\u2029])")  # closes every span
_RTL_RUN = re.compile("([\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]+)")  # Hebrew, Arabic…: right to left anyway
_MIRRORED = str.maketrans("()[]{}<>«»", ")(][}{><»«")  # drawn mirrored in a right-to-left span


def _shown_order(text: str) -> str:
    """Text with each right-to-left override (U+202E) written in the order it is shown: "\u202eamabO
    kcaraB" shows "Barack Obama" and is stored so, or a name could be shown to people and to the
    gate in two orders. A span ends at its PDF or at the paragraph's end; spans inside it are shown as
    blocks in reverse order (an override inside it, a block shown the other way round once more), a
    bracket mirrored, and a run of Hebrew or Arabic letters, right to left anyway, kept as written."""
    if "\u202e" not in text:
        return text
    out = []
    for paragraph in _PARAGRAPH.split(text):
        root: list[Any] = []  # characters, and (kind, [what the span holds]) for a span
        stack: list[tuple[str, list[Any]]] = [("", root)]
        for ch in paragraph:
            if ch in _BIDI_OPEN:
                span: list[Any] = []
                stack[-1][1].append((_BIDI_OPEN[ch], span))
                stack.append((_BIDI_OPEN[ch], span))
            elif ch == "\u202c":  # PDF: not past an isolate
                if len(stack) > 1 and stack[-1][0] != "i":
                    stack.pop()
            elif ch == "\u2069":  # PDI: the last isolate and everything opened inside it
                if any(kind == "i" for kind, _ in stack[1:]):
                    while stack.pop()[0] != "i":
                        pass
            else:
                stack[-1][1].append(ch)
        out.append(_shown(root, reverse=False))
    return "".join(out)


def _shown(items: list[Any], *, reverse: bool) -> str:
    """A span's characters and inner spans in the order shown (_shown_order)."""
    parts: list[str] = []
    run: list[str] = []
    for item in [*items, None]:
        if isinstance(item, str):
            run.append(item)
            continue
        if run:
            parts.append(_flipped("".join(run)) if reverse else "".join(run))
            run = []
        if item is not None:
            parts.append(_shown(item[1], reverse=item[0] == "R"))
    return "".join(reversed(parts) if reverse else parts)


def _flipped(run: str) -> str:
    pieces = _RTL_RUN.split(run)  # odd positions: Hebrew or Arabic, kept as written
    return "".join(p if n % 2 else p[::-1].translate(_MIRRORED) for n, p in reversed(list(enumerate(pieces))))


def canonical(text: str, *, strict: bool = True) -> str:
    """The one form of a prompt that is stored, checked and read by the video model: NFKC, invisible
    characters removed, whitespace collapsed, words that disguise Latin with look-alike letters of
    other alphabets written in Latin, and text behind a right-to-left override in the order it is
    shown (`_shown_order`). A prompt written in one other alphabet is left as written.

    Raises MixedScript for a word that mixes Latin with a letter that has no Latin look-alike
    (`strict=False` leaves such a word as it is)."""
    if text.isascii():
        return " ".join(text.translate(_VISIBLE).split())  # the common case: only control characters go
    # Invisibles go first too: one between a letter and its accent would keep NFKC from composing them.
    text = unicodedata.normalize("NFKC", _shown_order(text).translate(_VISIBLE)).translate(_VISIBLE)
    words = text.split()
    out: list[str] = []
    lookalike: list[int] = []  # words in another alphabet that may be Latin in disguise
    for written in words:
        word, found = written, _letter_scripts(written)
        if "LATIN" in found:
            word = written if _restrictive(found) else _resolve_mixed(written, strict=strict)
        elif found and not found & _CJK:
            if "@" in written:
                word = _resolve_lookalike(written)  # a handle is Latin
            else:
                lookalike.append(len(out))
        out.append(word)
    # Look-alike words disguise a Latin word only where Latin is being read: among Latin words.
    if lookalike and any("LATIN" in _letter_scripts(w) for w in out):
        for i in lookalike:
            out[i] = _resolve_lookalike(out[i])
    return " ".join(out)


def instructed(handle: str, instructions: str) -> str:
    """A cameo owner's instructions as the video model reads them: appended to the prompt after their
    handle (generation.backends.base.RenderRequest.full_prompt). The consent gate reads them so, as
    the handle and the instructions together may name someone neither names alone ("@quenby:
    Marchetti in person" names Quenby Marchetti)."""
    return f"@{handle}: {instructions}"


def display(text: str) -> str:
    """Text as its writer wrote it, for people to read (a caption): NFC, whitespace collapsed, and
    without the invisible characters that can only hide or reorder it (bidi overrides, control and
    format characters, fillers); the joiners and selectors emoji and some scripts need are kept, and
    nothing is compatibility-folded or transliterated. What it says is checked over
    `canonical(display(text))`."""
    return " ".join(unicodedata.normalize("NFC", text.translate(_SHOWN)).split())


# --- matching forms --------------------------------------------------------------------------------


def fold(text: str) -> str:
    """The form every check matches over: case folded, accents and invisible characters removed, and
    each non-ASCII letter that looks like an ASCII letter written as that letter ('kіll' with a
    Cyrillic і → 'kill', 'Straße' → 'strasse'). ASCII is never changed (no leetspeak here); spacing
    and punctuation are kept."""
    if text.isascii():
        return text.casefold()
    text = unicodedata.normalize("NFKD", text).translate(_FOLD).casefold()
    return text.translate(_FOLD)  # what case folding produced ('ς' → 'σ' → 'o')


def skeleton(text: str) -> str:
    """The TR39 skeleton, case folded: equal for strings that look alike ('rn' and 'm', 'l', '1' and
    'I', 'о' and 'o'). For comparing identifiers, never for display."""
    prototype = _confusables().prototype
    text = unicodedata.normalize("NFD", text).translate(_VISIBLE)
    mapped = "".join(prototype.get(c, c) for c in text)
    return unicodedata.normalize("NFD", mapped).casefold()
