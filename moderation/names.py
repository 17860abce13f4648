"""Finding names of protected people in a prompt, whatever the spelling, without looping over the names.

A registry entry (a name or one of its aliases) is found when the prompt writes it plainly or
possessively ("Obama's"), in any case, with look-alike letters of another alphabet, invisible
characters or full-width letters (core.text.canonical and fold undo those), in leetspeak
("B4r4ck 0b4m4", "T@yl0r $w1ft"), spaced or dotted out ("T a y l o r S w i f t", "O.b.a.m.a"), joined
("TaylorSwift", "#BarackObama", "taylor_swift") or with a letter or two wrong ("Barak Obama",
"Tayler Swfit"). A multi-word name is only found whole: "Swift", "Taylor" or "Jordan" alone name
nobody. A single word is enough when it is a whole entry: a one-word name or alias ("Beyoncé",
"Obama"); moderation.selectors passes the registry's names and aliases, and the display names of
protected cameo owners only when they have at least two words.

Reading a prompt (`_Reader`)
----------------------------
1. Tokens. The canonical prompt is cut into pieces of letters and digits (any script) and the symbols
   used as letters (@ $ + ! |); everything else (space . - _ # ' …) cuts. A piece is folded
   (core.text.fold: lower case, no accents, look-alikes as ASCII; a piece with no Latin letter only
   loses case and accents, see `_fold`). A piece that mixes letters with digits or those symbols is
   leetspeak: 4 @→a 3→e 0→o 5 $→s 7 +→t 8→b 9→g, and 1 ! |→i, where i and l are one class on both
   sides since "1" may be either. Pure numbers ("23", "2024", the "2024" of
   "Swift2024") are no words: they are skipped, so "Elon 2024 Musk" is still Elon Musk. A window
   ends at a sentence's end (not at the full stop of an initial or of "Mr."). The "s" of a
   possessive is dropped. A run of three or more one-letter tokens is one word ("O.b.a.m.a" → obama).
2. Views. The base view keeps each piece whole ("TaylorSwift" → taylorswift). A second view, made only
   when the prompt has one, splits camelCase pieces and spaced-out runs at their capitals (taylor
   swift). A third, exact only, keeps digits as written, made only when the prompt has a word of a
   name with digits ("Number7", "CR7").

Matching (`NameIndex.find`), per view, at each token, with no loop over the names
-------------------------------------------------------------------------------
- Exactly: the joined form of the next 1…`longest` tokens is looked up in a dict of every name's
  joined form ("taylorswift"); it is that name when the window's word breaks are some of the name's:
  "taylor swift", "taylorswift" and "robert deniro" name Robert De Niro or Taylor Swift, while
  "in a garten" has a break that "Ina Garten" has not (a name written in capitalised parts may have
  more: "Xi Jin Ping"). A capitalised one-word name in the plural is that name ("the Obamas").
- With letters wrong, word by word ("Barak Obama", "Tayler Swfit"): each token's candidate name words
  come from a symmetric-delete index of the distinct words of all names (every word with up to 1
  letter deleted, 2 from 9 letters), verified with rapidfuzz's OSA distance (a swap of neighbours is
  one edit); the candidates of consecutive tokens are extended only along prefixes of real names,
  and the word-id tuple is a dict lookup. A name allows 0 edits below 6 letters, 1 from 6, 2 from 11;
  one of its words 0 below 4 letters, 1 from 4, 2 from 9. Tokens are only ever compared whole with
  whole words, so a name is never found inside a longer ordinary word.
- A whole name as one token with letters wrong ("taylorswfit", "Rihana"): the same kind of index over
  every name's joined form with 1 letter deleted (a token's forms have up to 2 deleted). A one-word
  name allows 1 edit from 7 letters, not from 6: six-letter words are one letter from too many
  capitalised places and words ("Malaga" and Malala, "Merkle" and Merkel).
- The delete keys of both indexes are 64-bit polynomial hashes of the code points, computed for all
  names at once from prefix sums (numpy) and kept in one sorted uint64 array; a prompt's deleted forms
  are hashed in one vectorised call and found with one np.searchsorted. What each distinct word of
  the prompts could be a typo of is cached (a process sees the same words again and again; at most
  `_CACHE_SIZE` words, then the cache starts over).
- Overlapping finds: the longest at each position, then the fewest letters wrong, left to right.

Ordinary words
--------------
Some names are, or are made only of, ordinary English words ("Drake", "Madonna", "Trump" as an
alias, "Ice Cube", "Kid Rock", "The Rock"). Such a one-word name is only a name when written as one: a
capital inside a sentence, leetspeak or spaced letters ("the singer Pink", "P!nk", not "pink
flowers", "a drake on a pond", "Pink flowers at dawn"). Such a multi-word name needs a capital on
every word ("an ice cube melting" is no one), unless one of its words is a given name ("bill gates",
"will smith", "prince harry" are people in lower case too). A typo is not assumed where the prompt
has an ordinary word in lower case ("the Jordan river" is not a "Jordan Rivers"), a one-word typo only
in a capitalised word that is no other name's word ("Rihana", not "a merkle tree"), and a whole
multi-word name as one plain lower-case token only from 8 letters and when that token is no name's
word ("kimchi" is not a "Kim Chi"; "#kimchi" or "KimChi" would be). In a prompt in Title Case (three
quarters of the words that start no sentence capitalised) capitals say nothing. `_ORDINARY` (at the
end) lists the ordinary words that are also common first names, surnames or stage names; `_GIVEN`
the given names among them.

Cost (benchmarks/names.py: 150k names, 697 prompts, 2-core machine): building takes 2–3 s of
CPU and keeps about 100 MiB (190 MiB at the peak): the dicts of joined forms and word tuples and
2.7M delete keys of 12 bytes. `find` takes 0.08 ms at the median and 0.19 ms at p99 once the prompt's
words were seen, 0.20 ms and 0.42 ms when every word is new, whatever the number of names; it grows
with the prompt (the longest allowed, 5,000 characters: 10–17 ms). moderation.selectors builds the
index once per process and registry version (the request that first sees a new version pays the
build). Pure Python + numpy + rapidfuzz: no ORM here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from rapidfuzz.distance import OSA

from core.text import canonical, fold

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """'  Zoë  O'Brien-Smith ' → 'zoe o brien smith' (moderation.restrictions reads words with it)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain.casefold().replace("ß", "ss")).strip()


@dataclass(frozen=True)
class Person:
    """Who a name means: an entry of the registry (`registry`, its id) or a cameo owner (`cameo`, user id)."""

    kind: str
    id: int
    label: str  # the name as entered (for the admin and the audit log; never a handle of an unrelated user)


# How a name was written, weakest evidence last: when several apply, the last that does.
HOWS = ("exact", "alias", "joined", "spaced", "leet", "fuzzy")


@dataclass(frozen=True)
class Hit:
    person: Person
    text: str  # the words of the prompt that matched, as read (folded, leetspeak decoded)
    # "exact"; "alias" (one of the entry's aliases); "joined" (fewer word breaks than the name:
    # "TaylorSwift", "#BarackObama"); "spaced" (letters spaced or dotted out); "leet"; "fuzzy"
    # (letters wrong).
    how: str = "exact"


# --- reading a prompt ------------------------------------------------------------------------------

# A piece: letters and digits of any script, and the symbols that stand for letters in leetspeak.
_PIECE = re.compile(r"(?:[^\W_]|[@$+!|])+")
_LEET_MAP = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}
_LEET_MAP |= {"@": "a", "$": "s", "+": "t", "!": "i", "|": "i"}
_LEET = str.maketrans(_LEET_MAP)
_LEET_CHARS = frozenset(_LEET_MAP)
_AMBIGUOUS = frozenset("1!|")  # i or l: compared in the i/l class
_APOSTROPHES = frozenset("'’ʼ`´")
_STOPS = frozenset(".!?;")
# Words whose full stop ends no sentence ("Mr. Bean", "Dr. Dre", "St. Vincent").
_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "prof",
        "rev",
        "gen",
        "gov",
        "sen",
        "rep",
        "capt",
        "col",
        "lt",
        "sgt",
        "mt",
        "ft",
        "vs",
        "no",
    }
)


def _fold(piece: str) -> str:
    """core.text.fold for a piece with Latin letters. A piece in another alphabet only loses case
    and accents: canonical() already wrote in Latin the look-alike words of a Latin prompt, so one
    left in Cyrillic is Russian, and fold's look-alikes would make words of it ("снег" → "cher")."""
    if piece.isascii():
        return piece.lower()
    if any(c.isascii() or unicodedata.name(c, "").startswith("LATIN") for c in piece if c.isalpha()):
        return fold(piece)
    decomposed = unicodedata.normalize("NFKD", piece)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _Tok:
    """One word of the prompt as read. `cls` is `form` with l read as i, the class leetspeak's 1 falls
    in; `amb` says the token had a 1, ! or |, so it is compared in that class."""

    __slots__ = (
        "amb",
        "anyupper",
        "brk",
        "cls",
        "end",
        "form",
        "initial",
        "joined",
        "leet",
        "lone",
        "spaced",
        "start",
        "upper",
    )

    def __init__(self, form: str, start: int, end: int, raw: str = "") -> None:
        self.form = form
        self.cls = form.replace("l", "i")
        self.start = start
        self.end = end
        self.upper = raw[:1].isupper()  # a capital first letter
        self.anyupper = raw != raw.lower()
        self.amb = False
        self.leet = False  # letters read from digits or symbols
        self.spaced = False  # one-letter tokens run together
        self.joined = False  # written joined on purpose: a hashtag, a handle, camelCase
        self.lone = False  # a lone digit or symbol: a letter only inside a spaced-out run
        self.initial = False  # the first word of a sentence (its capital says nothing)
        self.brk = False  # a sentence or a number ends after it: no window goes on


def _numbers(raw: str) -> tuple[str, str, str]:
    """Splits leading and trailing numbers off a piece: 'Swift2024' → ('', 'Swift', '2024'). Two
    digits that could both be letters stay ('J4m35' is James), and so does one ('2Pac', '0b4m4')."""
    i = 0
    while i < len(raw) and raw[i].isdigit():
        i += 1
    j = len(raw)
    while j > i and raw[j - 1].isdigit():
        j -= 1
    lead, core, trail = raw[:i], raw[i:j], raw[j:]
    if lead and not _is_number(lead):
        lead, core = "", lead + core
    if trail and not _is_number(trail):
        core, trail = core + trail, ""
    return lead, core, trail


def _is_number(run: str) -> bool:
    return len(run) >= 3 or (len(run) == 2 and any(c not in _LEET_CHARS for c in run))


def _camel_parts(raw: str) -> list[str]:
    """'TaylorSwift' → ['Taylor', 'Swift'], 'ILoveNY' → ['I', 'Love', 'NY'], 'taylor' → ['taylor']."""
    cuts = [0]
    for j in range(1, len(raw)):
        if raw[j].isupper():
            before = raw[j - 1]
            after = raw[j + 1] if j + 1 < len(raw) else ""
            if before.islower() or before.isdigit() or (before.isupper() and after.islower()):
                cuts.append(j)
    cuts.append(len(raw))
    return [raw[a:b] for a, b in pairwise(cuts)]


def _word(raw: str, start: int) -> _Tok | None:
    """A piece (or a camelCase part) as a token; None for a number or symbols alone."""
    folded = _fold(raw)
    if folded.isalpha():
        return _Tok(folded, start, start + len(raw), raw)
    if not any(c.isalpha() for c in folded):
        if len(folded) != 1 or folded not in _LEET_CHARS:
            return None
        tok = _Tok(folded.translate(_LEET), start, start + len(raw))  # "T 4 y l 0 r"
        tok.lone = tok.leet = True
        tok.amb = folded in _AMBIGUOUS
        return tok
    form = folded.translate(_LEET)
    tok = _Tok(form, start, start + len(raw), raw)
    tok.leet = form != folded
    tok.amb = any(c in _AMBIGUOUS for c in folded)
    return tok


def _merge(run: list[_Tok]) -> _Tok:
    """One-letter tokens as the word they spell."""
    t = _Tok("".join(x.form for x in run), run[0].start, run[-1].end)
    t.upper = run[0].upper
    t.anyupper = any(x.anyupper for x in run)
    t.amb = any(x.amb for x in run)
    t.cls = "".join(x.cls for x in run)
    t.leet = any(x.leet for x in run)
    t.spaced = True
    t.initial = run[0].initial
    t.brk = run[-1].brk
    return t


def _run_end(tokens: list[_Tok], i: int) -> int:
    """The end of the run of one-letter tokens from i (i + 1 for a longer word)."""
    j = i + 1
    if len(tokens[i].form) == 1:
        while j < len(tokens) and len(tokens[j].form) == 1 and not tokens[j - 1].brk:
            j += 1
    return j


def _runs(tokens: list[_Tok], *, split_case: bool) -> list[_Tok]:
    """Runs of three or more one-letter tokens as words; lone digits left over are numbers (dropped)."""
    out: list[_Tok] = []
    i = 0
    while i < len(tokens):
        j = _run_end(tokens, i)
        run = tokens[i:j]
        if len(run) >= 3 and sum(not t.lone for t in run) >= 2:
            _collapse(run, out, split_case=split_case)
        else:
            out.extend(t for t in run if not t.lone)  # a lone digit left over is a number
        i = j
    return out


def _collapse(run: list[_Tok], out: list[_Tok], *, split_case: bool) -> None:
    letters = [t for t in run if not t.lone]
    if split_case and any(t.upper for t in letters) and not all(t.upper for t in letters):
        groups = [[run[0]]]  # "T a y l o r S w i f t" → taylor swift
        for t in run[1:]:
            if t.upper:
                groups.append([t])
            else:
                groups[-1].append(t)
    elif run[0].form in ("a", "i") and not run[0].upper and run[1].upper:
        groups = [[run[0]], run[1:]]  # "a T a y l o r …": the article is a word of its own
    else:
        groups = [run]
    for group in groups:
        if len(group) >= 2:
            out.append(_merge(group))
        elif not group[0].lone:
            out.append(group[0])


@dataclass
class _Prompt:
    base: list[_Tok]
    camel: list[_Tok] | None  # only when a piece is camelCase or letters are spaced out in mixed case
    digits: list[_Tok] | None  # only when the prompt has a word of a name with digits
    titled: bool  # most words capitalised: capitals say nothing


class _Reader:
    """Reads a canonical prompt into its views (module docstring: reading a prompt)."""

    def __init__(self, digit_words: frozenset[str] = frozenset()) -> None:
        self.base: list[_Tok] = []
        self.camel: list[_Tok] = []
        self.digit_words = digit_words  # the index's words with digits ("cr7")
        self.has_camel = self.has_digit_word = False
        self.words = self.capitals = 0
        self.initial = True

    def read(self, text: str) -> _Prompt:
        """`text` is canonical: words separated by single spaces."""
        last_end = 0
        last = ""  # the previous piece
        sigil = False
        for m in _PIECE.finditer(text):
            raw, start = m.group(), m.start()
            gap = text[last_end:start]
            last_end = m.end()
            space = gap.find(" ")
            first = space >= 0 or not last  # the first piece of a word of the prompt
            if first:
                # a sentence ended before it: "." after a word (not after an initial, "J.K.", nor
                # "Mr."), ! ? ;
                end = gap[space - 1] if space > 0 else ""
                if end in _STOPS and (end != "." or (len(last) >= 2 and last.lower() not in _ABBREVIATIONS)):
                    self._break(self.base, self.camel)
                    self.initial = True
                elif last:
                    self.initial = False
                sigil = gap[-1:] in ("#", "@")  # a hashtag or a handle: joined on purpose
                if raw[0] == "@":  # a mention's sigil, not a letter
                    raw = raw.lstrip("@")
                    start = last_end - len(raw)
                    sigil = True
            elif raw in ("s", "S") and any(c in _APOSTROPHES for c in gap):
                continue  # a possessive's s ("Obama's")
            raw = raw.rstrip("!")  # "Obama!": punctuation ("P!nk" keeps its inner one)
            if raw:
                last = raw
                if raw.isalpha():
                    self._letters(raw, start, sigil=sigil, initial=self.initial and first)
                else:
                    self._mixed(raw, start, sigil=sigil, initial=self.initial and first)
        return _Prompt(
            base=_runs(self.base, split_case=False),
            camel=_runs(self.camel, split_case=True) if self.has_camel else None,
            digits=_digits_view(text) if self.has_digit_word else None,
            # Title Case: most words capitalised that need not be (the first of a sentence need be)
            titled=self.words >= 3 and self.capitals >= 0.75 * self.words,
        )

    @staticmethod
    def _break(*views: list[_Tok]) -> None:
        for view in views:
            if view:
                view[-1].brk = True

    def _count(self, raw: str, *, initial: bool) -> None:
        if len(raw) >= 2 and not initial:
            self.words += 1
            self.capitals += raw[0].isupper()

    def _letters(self, raw: str, at: int, *, sigil: bool, initial: bool) -> None:
        """A piece of letters only: the usual case."""
        tok = _Tok(_fold(raw), at, at + len(raw), raw)
        self._count(raw, initial=initial)
        if len(raw) == 1 and tok.upper and self.base and len(self.base[-1].form) == 1:
            self.has_camel = True  # letters spaced out in mixed case: "T a y l o r S w i f t"
        tok.initial = initial
        tok.joined = sigil
        self._add(tok, raw)

    def _mixed(self, raw: str, at: int, *, sigil: bool, initial: bool) -> None:
        """A piece with digits or symbols: leetspeak, numbers, or a name with digits."""
        if self.digit_words and _fold(raw) in self.digit_words:
            self.has_digit_word = True  # a name's word with digits: read the digits view too
        # Numbers are no words of a name, and no gap in one either ("Elon 2024 Musk" is Elon Musk).
        lead, core, _trail = _numbers(raw)
        word = _word(core, at + len(lead)) if core else None
        if word is not None:
            self._count(core, initial=initial)
            word.initial = initial
            word.joined = sigil
            self._add(word, core)

    def _add(self, tok: _Tok, raw: str) -> None:
        self.base.append(tok)
        parts = _camel_parts(raw) if tok.anyupper and len(raw) > 1 and not raw[1:].islower() else [raw]
        if len(parts) < 2:
            self.camel.append(tok)
            return
        self.has_camel = True
        tok.joined = True
        at = tok.start
        for n, part in enumerate(parts):
            word = _word(part, at)
            at += len(part)
            if word is not None:
                word.joined = True
                word.initial = tok.initial and n == 0
                self.camel.append(word)


def _digits_view(text: str) -> list[_Tok]:
    """The prompt's words as written, digits kept, for names with digits ("Number7", "CR7")."""
    out: list[_Tok] = []
    last_end = 0
    for m in _PIECE.finditer(text):
        gap = text[last_end : m.start()]
        last_end = m.end()
        if out and any(c in _STOPS for c in gap):
            out[-1].brk = True
        raw = m.group().lstrip("@")
        if raw in ("s", "S") and " " not in gap and any(c in _APOSTROPHES for c in gap):
            continue
        folded = _fold(raw.rstrip("!"))
        if any(c.isalpha() for c in folded):
            out.append(_Tok(folded, last_end - len(raw), last_end, raw))
        elif out:
            out[-1].brk = True  # a number
    return out


# --- the index -------------------------------------------------------------------------------------


def _name_edits(letters: int) -> int:
    """Letters a multi-word name may have wrong: 0 below 6 letters, 1 from 6, 2 from 11."""
    return 0 if letters < 6 else 1 if letters < 11 else 2


def _single_edits(letters: int) -> int:
    """Letters a one-word name may have wrong: 1 from 7 letters (module docstring)."""
    return 1 if letters >= 7 else 0


def _word_edits(letters: int) -> int:
    """Letters one word of a name may have wrong: 0 below 4 ("Jay"), 1 from 4 ("Muks"), 2 from 9."""
    return 0 if letters < 4 else 1 if letters < 9 else 2


def _deletes(word: str, k: int) -> set[str]:
    """The word with every choice of up to k letters deleted: two words within k edits share one."""
    out = {word}
    edge = {word}
    for _ in range(k):
        edge = {w[:j] + w[j + 1 :] for w in edge for j in range(len(w))}
        out |= edge
    return out


# H(s) = Σ s[i]·P^i mod 2^64 over the code points: every deleted form of every name comes from
# prefix sums, C[k] = H(s[:k]), without making the strings: H(s without letter j) =
# C[j] + (C[L] − C[j+1])·P⁻¹, and with letters j1 < j2 deleted C[j1] + (C[j2] − C[j1+1])·P⁻¹ +
# (C[L] − C[j2+1])·P⁻². Collisions only add candidates, which are verified.
_P = 0x100000001B3  # odd (the FNV prime), so invertible mod 2^64
_PINV = np.uint64(pow(_P, -1, 1 << 64))
_PINV2 = np.uint64(pow(_P, -2, 1 << 64))
_POW = np.cumprod(np.array([1] + [_P] * 127, dtype=np.uint64), dtype=np.uint64)  # P^0 … P^127


def _codes(strings: list[str]) -> np.ndarray:
    """(n, width) code points, zero-padded (a zero adds nothing to a hash)."""
    return np.array(strings, dtype=str).view(np.uint32).reshape(len(strings), -1).astype(np.uint64)


def _hashes(strings: list[str]) -> np.ndarray:
    codes = _codes(strings)
    return (codes * _POW[: codes.shape[1]]).sum(axis=1, dtype=np.uint64)


def _delete_hashes(strings: list[str], edits: int) -> tuple[np.ndarray, np.ndarray]:
    """The hash of each string with every choice of up to `edits` (1 or 2) letters deleted, and the
    position of the string each came from."""
    codes = _codes(strings)
    n, width = codes.shape
    lengths = np.array([len(s) for s in strings])[:, None]
    prefix = np.zeros((n, width + 1), dtype=np.uint64)
    np.cumsum(codes * _POW[:width], axis=1, dtype=np.uint64, out=prefix[:, 1:])
    total = prefix[:, width : width + 1]
    one = prefix[:, :width] + (total - prefix[:, 1:]) * _PINV
    valid = np.arange(width)[None, :] < lengths
    hashes = [total[:, 0], one[valid]]
    rows = [np.arange(n, dtype=np.int32), np.nonzero(valid)[0].astype(np.int32)]
    for j1 in range(width - 1) if edits >= 2 else ():
        two = (
            prefix[:, j1 : j1 + 1]
            + (prefix[:, j1 + 1 : width] - prefix[:, j1 + 1 : j1 + 2]) * _PINV
            + (total - prefix[:, j1 + 2 : width + 1]) * _PINV2
        )
        valid = np.arange(j1 + 1, width)[None, :] < lengths
        hashes.append(two[valid])
        rows.append(np.nonzero(valid)[0].astype(np.int32))
    return np.concatenate(hashes), np.concatenate(rows)


_NAME_BREAK = re.compile(r"[\W_]+")
_ASCII_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z][A-Z][a-z]")
_LEETISH = re.compile(r"[\d@$+!|]")


def _name_words(text: str) -> list[tuple[str, ...]]:
    """The word sequences a name may be written as, the first as folded ("leonardo dicaprio"): split
    at its capitals ("leonardo di caprio"), with its initials run together ("jk rowling"), and read as
    leetspeak where a word has symbols or digits inside ("A$AP Rocky" → "asap rocky"). Pure numbers
    are no words ("50 Cent" is "cent")."""
    if text.isascii():  # the usual case
        plain = [w for w in _NAME_BREAK.split(text.lower()) if w and not w.isdigit()]
    else:
        plain = [w for w in (_fold(p) for p in _NAME_BREAK.split(text) if p) if w and not w.isdigit()]
    # capitals inside a word ("DiCaprio"); for other alphabets, anything not in Title Case
    camel = _ASCII_CAMEL.search(text) is not None if text.isascii() else text != text.title()
    leetspeak = _LEETISH.search(text) is not None
    if not plain:
        return []
    variants = [tuple(plain)]
    initials = any(len(w) == 1 for w in plain)
    if not (camel or leetspeak or initials):
        return variants

    def add(words: list[str]) -> None:
        words = [w for w in words if w and not w.isdigit()]
        if words and tuple(words) not in variants:
            variants.append(tuple(words))

    if camel:  # "DiCaprio"
        add([_fold(part) for p in _NAME_BREAK.split(text) if p for part in _camel_parts(p)])
    if initials:  # "J. K. Rowling" is also "JK Rowling"
        merged: list[str] = []
        run = False  # the last word is an initial, or initials run together
        for w in plain:
            if len(w) == 1 and run:
                merged[-1] += w
            else:
                merged.append(w)
                run = len(w) == 1
        add(merged)
    if leetspeak:  # "A$AP Rocky", "CR7"
        leet = [_fold(_numbers(m.group())[1]) for m in _PIECE.finditer(text)]
        read = [w.translate(_LEET) if not w.isalpha() and any(c.isalpha() for c in w) else w for w in leet]
        if read != leet:
            add(read)
    return variants


_SINGLE, _ALIAS, _ORDINARY_ONE, _ORDINARY_ALL, _NO_FUZZY = 1, 2, 4, 8, 16
_Finding = tuple[int, int, int, int, str, str]  # start, end, name id, letters wrong, how, words read
_CACHE_SIZE = 100_000  # distinct prompt words whose candidates are kept
_FUZZY_MAX = 64  # letters: a longer word or name is only matched exactly (and hashes stay in _POW)


@dataclass(frozen=True)
class _Near:
    """What one word of a prompt could be a typo of."""

    words: tuple[tuple[int, int], ...]  # (name word id, letters wrong)
    names: tuple[tuple[int, int], ...]  # (name id, letters wrong), the whole name as this one token


class NameIndex:
    """Every name of `entries` ((name, Person) pairs: the registry's names and aliases, protected cameo
    owners' display names), found in prompts by `find` (module docstring)."""

    def __init__(self, entries: Iterable[tuple[str, Person]], *, min_chars: int = 3) -> None:
        self._people: list[Person] = []
        self._joined: list[str] = []  # each name's words run together, as folded
        self._base_mask: list[int] = []  # bit i: a word break before letter i of the joined form
        self._flags = bytearray()  # _SINGLE | _ALIAS | _ORDINARY_ONE | _ORDINARY_ALL | _NO_FUZZY
        self._keys: dict[str, int] = {}  # a name's words, space-separated → its id
        # joined form with l read as i → (name id, word breaks of every way of writing it, joined form)
        self._exact: dict[str, tuple[int, int, str] | list[tuple[int, int, str]]] = {}
        self._seq: dict[tuple[int, ...], int | list[int]] = {}  # word ids → the multi-word names
        self._prefix: set[tuple[int, ...]] = set()  # every proper prefix of those
        self._vocab: dict[str, int] = {}  # the words of multi-word names → word id
        self._vocab_cls: dict[str, int | list[int]] = {}  # the same with l read as i
        self._words: list[str] = []
        self._words_with_digits: set[str] = set()  # as written ("number7", "cr7"): see _digits_view
        self.longest = 1  # words in the longest way of writing a name
        self._max_len = 0  # letters in the longest
        labels: dict[tuple[str, int], str] = {}  # each person's name as folded words (what is an alias)
        for name, person in entries:
            self._add(name, person, labels, min_chars)
        self._digit_words = frozenset(self._words_with_digits)
        self._keys_h, self._keys_id = self._delete_keys()
        # What each word of the prompts could be a typo of: prompts share most of their words.
        self._near_cache: dict[tuple[str, bool], _Near] = {}

    def _add(self, name: str, person: Person, labels: dict[tuple[str, int], str], min_chars: int) -> None:
        variants = _name_words(name)
        if not variants:
            return
        base = variants[0]
        key = " ".join(base)
        if len(key) < min_chars:
            return  # "Al", "Jo": too short to mean one person
        alias = False
        if person.label != name:
            label_key = labels.get((person.kind, person.id))
            if label_key is None:
                label_words = _name_words(person.label) if person.label else []
                label_key = labels[(person.kind, person.id)] = " ".join(label_words[0]) if label_words else key
            alias = key != label_key
        known = self._keys.get(key)
        if known is not None:
            # The registry wins a clash with a cameo owner's name: a public figure stays protected.
            if person.kind == "registry" and self._people[known].kind != "registry":
                self._people[known] = person
                self._flags[known] = (self._flags[known] & ~_ALIAS) | (_ALIAS if alias else 0)
            return
        nid = len(self._people)
        self._keys[key] = nid
        self._people.append(person)
        joined = "".join(base)
        self._joined.append(joined)
        mask = _boundaries(base)
        self._base_mask.append(mask)
        breaks = {joined: mask}  # each way of writing it run together → its word breaks
        for words in variants:
            if words is not base:
                form = "".join(words)
                breaks[form] = breaks.get(form, 0) | _boundaries(words)
            self.longest = max(self.longest, len(words))
            if len(words) > 1:
                ids = tuple(map(self._word_id, words))
                _put(self._seq, ids, nid)
                for k in range(1, len(ids)):
                    self._prefix.add(ids[:k])
        for form, breaks_of in breaks.items():
            self._max_len = max(self._max_len, len(form))
            _put(self._exact, form.replace("l", "i"), (nid, breaks_of, form))
        self._flags.append(_flags_of(base, alias=alias))
        if not joined.isalpha():
            self._words_with_digits.update(w for w in base if not w.isalpha())

    def _word_id(self, word: str) -> int:
        wid = self._vocab.get(word)
        if wid is None:  # a new word
            wid = self._vocab[word] = len(self._words)
            self._words.append(word)
            _put(self._vocab_cls, word.replace("l", "i"), wid)
        return wid

    def _delete_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """One sorted array of the delete keys of the name words (id ≥ 0: a word id) and of the
        joined names (id < 0: ~name id), for np.searchsorted."""
        keys: list[np.ndarray] = []
        ids: list[np.ndarray] = []
        words = [
            (wid, w.replace("l", "i")) for wid, w in enumerate(self._words) if w.isalpha() and 4 <= len(w) <= _FUZZY_MAX
        ]
        for edits in (1, 2):
            group = [(wid, cls) for wid, cls in words if _word_edits(len(cls)) == edits]
            if group:
                h, rows = _delete_hashes([cls for _, cls in group], edits)
                keys.append(h)
                ids.append(np.array([wid for wid, _ in group], dtype=np.int32)[rows])
        names = [
            i
            for i, joined in enumerate(self._joined)
            if 6 <= len(joined) <= _FUZZY_MAX and not self._flags[i] & _NO_FUZZY
        ]
        for start in range(0, len(names), 20_000):  # in slices: each one's prefix sums are (n, 35)
            chunk = names[start : start + 20_000]
            h, rows = _delete_hashes([self._joined[i].replace("l", "i") for i in chunk], 1)
            keys.append(h)
            ids.append(~np.array(chunk, dtype=np.int32)[rows])
        if not keys:
            return np.zeros(0, np.uint64), np.zeros(0, np.int32)
        h, i = np.concatenate(keys), np.concatenate(ids)
        order = np.argsort(h)
        return h[order], i[order]

    def __len__(self) -> int:
        return len(self._people)

    # --- finding -------------------------------------------------------------------------------

    def find(self, text: str) -> list[Hit]:
        """Every name in `text`, longest match first at each position, left to right."""
        prompt = _Reader(self._digit_words).read(canonical(text, strict=False))
        views = [(prompt.base, True)]
        if prompt.camel is not None:
            views.append((prompt.camel, True))
        if prompt.digits is not None:
            views.append((prompt.digits, False))
        near = self._near([t for view, fuzzy in views if fuzzy for t in view])
        found: list[_Finding] = []
        for tokens, fuzzy in views:
            for i in range(len(tokens)):
                self._exact_at(tokens, i, prompt.titled, found)
                if fuzzy:
                    self._fuzzy_at(tokens, i, near, prompt.titled, found)
        found.sort(key=lambda f: (f[0], -f[1], f[3], self._people[f[2]].kind != "registry"))
        hits: list[Hit] = []
        end = -1
        for start, stop, nid, _edits, how, words in found:
            if start >= end:
                hits.append(Hit(self._people[nid], words, how))
                end = stop
        return hits

    def _exact_at(self, toks: list[_Tok], i: int, titled: bool, found: list[_Finding]) -> None:
        """Whole names from token i: the window's joined form, its word breaks some of the name's."""
        cls = form = ""
        mask = 0
        amb = False
        for k in range(min(self.longest, len(toks) - i)):
            t = toks[i + k]
            if k:
                if toks[i + k - 1].brk:
                    return
                mask |= 1 << len(cls)
            cls += t.cls
            form += t.form
            amb = amb or t.amb
            if len(cls) > self._max_len:
                return
            got = self._exact.get(cls)
            for nid, breaks, joined in () if got is None else (got,) if isinstance(got, tuple) else got:
                window = toks[i : i + k + 1]
                # A break the name has not ("in a garten") only in a name written in capitalised parts:
                # "Xi Jin Ping".
                split = bool(mask & ~breaks)
                if split and not (not titled and all(t.upper and len(t.form) >= 2 for t in window)):
                    continue
                if (amb or form == joined) and self._allowed(nid, window, (), titled):
                    found.append(self._found(nid, window, 0, -2 if split else mask))
            if k == 0 and got is None and t.upper and len(t.form) >= 5 and t.form[-1] == "s" and not titled:
                self._plural_at(t, found)

    def _plural_at(self, t: _Tok, found: list[_Finding]) -> None:
        """A one-word name in the plural, capitalised: "the Obamas", "the Kennedys"."""
        got = self._exact.get(t.cls[:-1])
        for nid, _breaks, joined in () if got is None else (got,) if isinstance(got, tuple) else got:
            if self._flags[nid] & _SINGLE and not self._flags[nid] & _ORDINARY_ONE and joined == t.form[:-1]:
                found.append(self._found(nid, [t], 0, 0))

    def _fuzzy_at(
        self, toks: list[_Tok], i: int, near: dict[tuple[str, bool], _Near], titled: bool, found: list[_Finding]
    ) -> None:
        t = toks[i]
        close = near.get((t.form, t.amb))
        # a whole name as this one token, with letters wrong ("taylorswfit", "Rihana")
        for nid, d in close.names if close else ():
            # one word with a typo is weak evidence: a capitalised word, no other name's word
            if self._flags[nid] & _SINGLE and (
                t.form in self._vocab or not (t.leet or t.spaced or (t.upper and not titled))
            ):
                continue
            if self._allowed(nid, [t], [t], titled):
                found.append(self._found(nid, [t], d, 0))
        # a multi-word name word by word, letters wrong in some ("Barak Obama", "Tayler Swfit"):
        # (word ids so far, letters wrong, which tokens have some), along prefixes of real names
        level: list[tuple[tuple[int, ...], int, int]] = [
            ((w,), d, int(d > 0)) for w, d in self._candidates(t, close) if (w,) in self._prefix
        ]
        for k in range(1, self.longest):
            if not level or i + k >= len(toks) or toks[i + k - 1].brk:
                return
            nxt = toks[i + k]
            following: list[tuple[tuple[int, ...], int, int]] = []
            for w, dw in self._candidates(nxt, near.get((nxt.form, nxt.amb))):
                for key, d, edited in level:
                    if d + dw > 2:
                        continue
                    ids = (*key, w)
                    marks = edited | (1 << k if dw else 0)
                    if d + dw and ids in self._seq:
                        self._words_found(
                            ids, toks[i : i + k + 1], edits=d + dw, marks=marks, titled=titled, found=found
                        )
                    if ids in self._prefix:
                        following.append((ids, d + dw, marks))
            level = following

    def _words_found(
        self,
        ids: tuple[int, ...],
        window: list[_Tok],
        *,
        edits: int,
        marks: int,
        titled: bool,
        found: list[_Finding],
    ) -> None:
        got = self._seq.get(ids)
        for nid in () if got is None else (got,) if isinstance(got, int) else got:
            if self._flags[nid] & _NO_FUZZY or edits > _name_edits(len(self._joined[nid])):
                continue
            if self._allowed(nid, window, [t for b, t in enumerate(window) if marks >> b & 1], titled):
                found.append(self._found(nid, window, edits, -1))

    def _candidates(self, t: _Tok, close: _Near | None) -> list[tuple[int, int]]:
        """Name words this token is (0 letters wrong) or could be a typo of."""
        if t.amb:
            got = self._vocab_cls.get(t.cls)
            exact = [] if got is None else [got] if isinstance(got, int) else got
        else:
            wid = self._vocab.get(t.form)
            exact = [] if wid is None else [wid]
        return [(w, 0) for w in exact] + list(close.words if close else ())

    def _near(self, tokens: list[_Tok]) -> dict[tuple[str, bool], _Near]:
        """For each distinct token: the name words and whole names it could be a typo of."""
        out: dict[tuple[str, bool], _Near] = {}
        todo: dict[tuple[str, bool], _Tok] = {}
        for t in tokens:
            key = (t.form, t.amb)
            if key in out or key in todo:
                continue
            if not 3 <= len(t.cls) <= min(self._max_len + 2, _FUZZY_MAX) or (t.form in _ORDINARY and not t.upper):
                continue  # too short for a typo or too long for a name; an ordinary word is that word
            got = self._near_cache.get(key)
            if got is None:
                todo[key] = t
            else:
                out[key] = got
        if todo:
            if len(self._near_cache) > _CACHE_SIZE:
                self._near_cache.clear()
            for key, close in self._lookup(list(todo.values())).items():
                out[key] = self._near_cache[key] = close
        return out

    def _lookup(self, tokens: list[_Tok]) -> dict[tuple[str, bool], _Near]:
        """The delete keys of the tokens in the index, one search for all; then verified."""
        forms: list[str] = []
        owner: list[int] = []
        for n, t in enumerate(tokens):
            deleted = _deletes(t.cls, _word_edits(len(t.cls)))
            forms.extend(deleted)
            owner.extend([n] * len(deleted))
        found: list[tuple[set[int], set[int]]] = [(set(), set()) for _ in tokens]
        h, ids = self._keys_h, self._keys_id
        if len(h):
            q = _hashes(forms)
            order = np.argsort(q)  # sorted needles: numpy's search narrows from the previous one
            needles = q[order]
            lo = np.searchsorted(h, needles)
            hits = np.flatnonzero(h[np.minimum(lo, len(h) - 1)] == needles)
            hi = np.searchsorted(h, needles[hits], "right")
            for j, start, end in zip(order[hits].tolist(), lo[hits].tolist(), hi.tolist(), strict=True):
                words, names = found[owner[j]]
                for i in ids[start:end].tolist():
                    if i >= 0:
                        words.add(i)
                    else:
                        names.add(~i)
        out = {}
        for t, (word_ids, name_ids) in zip(tokens, found, strict=True):
            words = ((w, _distance(t, self._words[w], _word_edits(len(self._words[w])))) for w in word_ids)
            names = ((nid, _distance(t, self._joined[nid], self._name_limit(nid))) for nid in name_ids)
            out[(t.form, t.amb)] = _Near(tuple(x for x in words if x[1]), tuple(x for x in names if x[1]))
        return out

    def _name_limit(self, nid: int) -> int:
        letters = len(self._joined[nid])
        return _single_edits(letters) if self._flags[nid] & _SINGLE else _name_edits(letters)

    def _allowed(self, nid: int, window: list[_Tok], edited: Iterable[_Tok], titled: bool) -> bool:
        """The ordinary-word rules (module docstring)."""
        flags = self._flags[nid]
        if flags & _ORDINARY_ONE:
            t = window[0]
            if not (t.leet or t.spaced or (t.upper and not t.initial and not titled)):
                return False
        elif flags & _ORDINARY_ALL and not all(t.leet or t.spaced or (t.anyupper and not titled) for t in window):
            return False
        if len(window) == 1 and not flags & _SINGLE:  # a multi-word name as one token
            t = window[0]
            plain = len(t.form) >= 8 and t.form not in self._vocab and t.form not in _ORDINARY
            if not (t.joined or t.leet or t.spaced or plain):
                return False
        return all(t.form not in _ORDINARY or (t.upper and not titled) for t in edited)

    def _found(self, nid: int, window: list[_Tok], edits: int, mask: int) -> _Finding:
        flags = self._flags[nid]
        base = self._base_mask[nid]
        if edits:
            how = "fuzzy"
        elif any(t.leet for t in window):
            how = "leet"
        elif mask == -2 or any(t.spaced for t in window):
            how = "spaced"  # letters spaced out, or a word of the name written in parts
        elif not flags & _SINGLE and (any(t.joined for t in window) or (mask >= 0 and mask & base != base)):
            how = "joined"
        else:
            how = "alias" if flags & _ALIAS else "exact"
        return (window[0].start, window[-1].end, nid, edits, how, " ".join(t.form for t in window))


def _flags_of(words: tuple[str, ...], *, alias: bool) -> int:
    flags = _ALIAS if alias else 0
    if len(words) == 1:
        flags |= _SINGLE | (_ORDINARY_ONE if words[0] in _ORDINARY else 0)
    elif _ORDINARY.issuperset(words) and _GIVEN.isdisjoint(words):
        flags |= _ORDINARY_ALL
    if not all(w.isalpha() for w in words):
        flags |= _NO_FUZZY  # a name with digits ("Number99999"): exactly as written
    return flags


def _distance(t: _Tok, target: str, limit: int) -> int:
    """Letters wrong (OSA: a swap of neighbours is one) between a token and a name or word, when
    more than 0 and at most `limit`; else 0. A token with a 1, ! or | is compared in the i/l class."""
    if limit <= 0:
        return 0
    if t.amb:
        d = OSA.distance(t.cls, target.replace("l", "i"), score_cutoff=limit)
    else:
        d = OSA.distance(t.form, target, score_cutoff=limit)
    return d if d <= limit else 0


def _boundaries(words: tuple[str, ...] | list[str]) -> int:
    """Bit i set: a word break before letter i of the words run together."""
    mask, at = 0, 0
    for w in words[:-1]:
        at += len(w)
        mask |= 1 << at
    return mask


def _put(d: dict[Any, Any], key: object, value: object) -> None:
    """Adds `value` under `key`: the value itself for the usual one, a list when several share it."""
    got = d.get(key)
    if got is None:
        d[key] = value
    elif isinstance(got, list):
        if value not in got:
            got.append(value)
    elif got != value:
        d[key] = [got, value]


# Given names that are also ordinary words: a name with one of them is a name in lower case too
# ("bill gates", "will smith", "prince harry").
_GIVEN = frozenset(
    """al art ben bill billy bob bobby brad cal carol chad chuck dale dean don drew earl frank gene glen
    grace grant guy hank harry hector jack jay jimmy john josh kit lance lee mark martin max mike noel
    pat pete peter pierce randy ray rick rob roger sally sue ted terry tom tony troy victor warren will""".split()  # noqa: SIM905
)

# Ordinary English words that are also first names, surnames or stage names: the lower-case words of
# Debian's wamerican and wbritish lists that are also written capitalised there or are in Faker's
# name lists of any locale, the thousand common words of Faker's en_US lorem list, and stage names
# and nicknames that are words (drake, pink, sting, seal, madonna, usher, cube...).
_ORDINARY = frozenset(
    """
abate abbey abed ability able about above accept according account ace across act action activity acts actually
add address administration admiral admit adult advent advents affect afghan afghans after again against agate
age agency agent ago agree agreement ah aha ahead aids air alas albino ale ales aline all allow ally almighty
almond almost alone along alpha alpine already also although alto always am amazon amazons amber amble american
amigo amir among amount ampere an analysis anchorage and android angel angelic angora angoras ani animal anon
another answer antarctic ante antic ants any anyone anything appear apple apply approach arch archer arctic area
arenas ares argue aria arias ark arm armour around arrive arroyo art article artist arts as ascension ask asp
aspen assume astrakhan astride at atlas atlases atria attack attention attic attorney auburn audience auger
august aura author authority autumn available avoid away awol azalea baa babe babel babels baby back backer
bacon bad badlands bag bah bail baker balder bale ball ban bank banks bannister baptist baptists bar barb barber
bare barer barker barman barney baron barrio barrios barrows base basic basics basil bass bassi basso bates bath
battle be beach bean beard beat beau beautiful because beck become bed bee beer before begin behavior behind
believe bell belle bellow bend bender benefit bent berg berry beryl best beta better between beyond bib bible
bibles biblical big bigot bilge bill billings billion billy binder bins birch bird birdie bishop bit bite bitten
black blacks blanch blaze blessing bliss block blockbuster blood bloom bloomer blossom blot blue blvd board boas
bob bobby bode bodkin body boga bogey bohemian bohemians boles bologna bond boner bones bonnet bonnie bonny book
boon booth bore borer born boss bot both bouillon boulder bourbon bourgeois bowers bowler bowman box boy bozo
bra brad braille brain bran branch brands brandy bravo bray break brewer brick bridge bridges bright bring brink
brogan brontosaurus brook brooks brother brown brownie brownies browning brunet buck bud buddy budget buffalo
build building bull bullock bunk bunker burger burns burr burrows bury bush business buster but butch butcher
butler butte butterfingers buy by ca cabanas cabinet caddie cadence caesarean cage cairn cairns cal call
calliope cam camel camera campaign camps can canal canals canaries cancer cancers candidate candy canning cannon
canny canon cant canton cantor canyon cap capital capitol capitols caprice captain car card cardinal care career
cares carmine carnation carol carpenter carrier carrion carry carton carver cascades case cases cash castor
catch caterpillar catholic cause cayenne celesta cell center centigrade central century certain certainly
cesarean cf chad chair challenge challenger chamberlain chambers champ champagne chance chancy chandler change
char character charge charity chase chastity check cheddar cheer cherish cherry chevron chi child chile chimera
chin china chip choice choose christen chuck church cinnamon cis citizen city civil claim class clay clear
clearly cleave clement cliff close closure cm coach cocci cockney cod cognac coke cokes col cola colas cold
colic collection colleen college collie collier cologne colon colonel colonial color colt columbine comas combs
come comer comfort comment commercial commodore common commons commonwealth communion communions communism
communist communists community company compare computer con concern concord condition confederacy confederate
confederates conference congress congresses consider constable constant constitution consumer contain continent
continental continue contractor control convey cook cools cooper cop coral cord cornet corning corona corp
corral cost cote cotter cotton could council country couple course court courtier cousin cousins cover coward
cox coy craft crane crater craven craw cray crayola create creation creator creed creek creole creoles crest
crick crime crooks cross cruise crusades crux crystal cs ct cu cube cultural culture cumming cup cupid curie
current curry curt customer cut dado dahlia daisy dale dalmatian dalmatians dam dare dark darling dash data date
daughter davenport dawn day dd dds deacon deal dean deb debate debs decade decamps decide decision deep defense
deforest degree deity delicious dell delta democrat democratic democrats derby derrick describe design desire
despite destiny detail determine develop development dial diamond dick dickey dickie diesel dieter difference
different difficult dimple din dink dinner dipper direction director dirk dis discover discuss discussion divan
diver divine do doc dock doctor dodge dodo doe dog dole doll dolly don door dos dot dotty dove down downing
downs downy doyen draconian drake draw dream drew dries drive drop drub drudge drug druid drum duff duke
dumpster dung dunning during dusty dyer each earl early earnest earth east eastern easterner easy eat ebb ebony
echo economic economy ed eddy edge edit education effect effort eider eight either elder election ell else ember
emerald emery emir emit emo employee end energy enjoy enough enter enterprise entire environment environmental
epicurean episcopal era ermine es esp especially essence est establish establishment ester eta ether eve even
evening event ever everglades every everybody everyone everything evidence exactly example executive exist
exodus expect experience expert explain eye face fact factor fair fairy faith falcon fall family fancy fanning
fanny far fares farina farmer farrow fascism fast fate fates father fathers fawn fear fed federal federalist
feds fee feel feeling felicity feline feller fem fern ferry few fez fiat field fielding fields fight figure fill
film final finally financial finch find fine finis finish fink fire firm first fish fisher five fl flagstaff
flea fleck fleet flint flood floor flora florin flowers fly focus follow font food foot for force ford foreign
foreman forest forester forget form former forum forward foster fount four fox fr franc frank frankfurter franks
free freely freeman french fresh friend frisk from front frost fry full fuller fund funk future gable gage gal
gala gale gall gamble game gantry gap garden garland garner garnet garret garrison gas gates gauge gay gee gen
gene general generation genesis genie gentile gentiles gentry get gibbon gibbons gill ginger gipsies gipsy girl
girts give glass glasses glazier glen gm gnu go goal goblet god gold golden goldsmith good goodwill google
gopher gore gorge gospel gospels government governor grace grail grand grant grass gravel graves gray great
green greet grey griffin grill grimes grit gross ground group grove grow growth guard guess guinea gully gun
gunner gunning gunny gurney gust gut guy gypsies gypsy hacker hair hake hale half hall hallmark halon ham hamlet
hammer hand handler handy hank happen happy hard harden hardy hare haring harlequin harm harmony harry harsh
hart hasty have haven hawking hawthorn hay hays hazel he head health hear heart hearty heath heather heaven
heavy heck hector held hell helm help hence henna hens her herb herd herder here hermitage heron herring herself
hertz hi hickey hickory hicks high highness hill hills him himself hind his hiss history hit ho hoes hogan hold
holder holiday holler holly holocaust home homer honing hood hook hooker hoop hooters hope hopper horn hospital
hot hotel hour house hovel how however hp hr huff hug huge hull human hundred hung hunt hunter hurt husband
hydra hymen ibis ice icy id idea identify ids if ill image imagine imam immaculate impact important improve in
inc include including increase ind indeed independence indicate individual industry infant information innocent
inquisition ins inside instead institution intel interest interesting international internet interview into
investment involve ion iris issue it item its itself iv ivory ivy jack jade jaguar jail japan jarred jasmine
jasper jay jeep jersey jerseys jet jewel jimmy job jobs jock jockey john johns join joke josh joule journey joy
judge jug juggernaut julienne junior juniors junk just justice kale karma keeling keep ken key khan kick kid
kiddy kidney killer kind kindle king kink kismet kiss kit kitchen kitty knight knoll know knowledge ks la lace
lacy lad laddie lady lam lamas lamb lance land lander lane language large lark lass lassie last late later laud
laugh laundromat laurel lavender law lawless lawyer lay laze lea leach lead leader leafy lean leaner learn least
leave led lee leech lees leeward left leg leis lemma lemon lent less let letter level leviathan levy liberty
lice lie liege lien lies life light like likely lil lily limo linden line link lips lira lisle list listen
little live llamas llano llanos lo loafer loafers loan local lode lodge logic lone long look looney loot lope
lopes lord lords lore lose loss lot louvre love low lower loyal lucid lucky lupus luster lute lynch lyric ma
mace machine macho macintosh mackinaw mad madden made madonna madras madrigal mads magazine magic magnolia
mailer main maintain major majority make male mall mallet mambo mammon man manage management manager mandarin
mane manly manning mans mantilla mantle many mar marathon march marches mare mares margarita maria marina marine
marines mark market marks marlin marquis marquise marriage marry mars marsh marshal mart marten martens martial
martian martians martin martins marvel mas mason masonic masons mass masses master masters mat mate material
math mats matt matter matts maverick max maxim maxima may maybe mayflower mayo mayor mayoral me mead meadow
meadows mean measure mecca meccas media medic medical meet meeting meg melody member memory mention mentor
merchant mercury mercy merino merrily merry mesa message messiah messiahs meta method metro mg mi mickey middle
midland midway might mike mile miles military mill miller millet million mills milquetoast mimosa min mind miner
minor minute miracle miss mission mist mister misty mitt mo moan mobile model modern molder moles moll moment
money monk monks month moody moon moons moor moors more mores morning morocco morrow mosaic moss most mother
mount mountain mouth move movement movie mr mrs ms much mule munch murk muscat muse music must my myrtle myself
nacho nadir nail name nanny narcissus nary nation national nationwide natural nature nautilus near nearly
necessary need nemesis nestle network never new news newspaper newt newton next nice nick nickelodeon nickels
night nightingale nil ninja nirvana no noble noel noels none nor normal north northeast northerner northwest not
note nothing notice nova novella now number numbers oak occidental occidentals occur octave odd odyssey of off
offer office officer official often oh oil ok old olive on once one onion only onto opal open operation
opportunity option or oracle oral orange orchard order organization orient oriental orientals other others
ottoman our out outside ova over owe own owner oxford oxfords oz pa pace pacific page pages painting paisley pal
palazzo palisades pall palm palomino pampers pan pansy pant pantheon pap paper par paradise paramount pare
parent park parks parley parliament parry parsons part participant particular particularly partner parts party
paschal pass passion passions past pastor pat pate patience patsy pattern patty paw pay payer pd peace peacock
pearl pearly peck peel peer peg pellet penny pent pentagon people pepper per perform performance perhaps perm
person personal peter peters petty pg pharaoh pharaohs philistine phoebe phoenix phone physical pi pick picture
piece pier pierce pigmies pigmy pike pilgrim pin pink pinkie pinto piper pippin pitbull pl place plan plank
plant platonic play playboy player plaza pleas pleasant plover pm pock point pol pole poles police policy polish
political politics poll polo pompadour pooh poor pop pope poppy popular population porter position positive
possible post potter potters pottier pound power powers pp practice precious prepare pres present president
presidents press pressure pretty prevent price priest prince princess prior privet probably process proctor
produce product production prof professional professor program prohibition project property prosper protect
protestant protestants prove proverbs provide providence provost prudence prudential psalms psyche pt public
puck pueblo pull punch puritan puritanism purity purl purpose push put pygmies pygmy python quality queen queens
question quickly quill quisling quite race radio raffles rafter raid rails rain rainier raise raja ram rams ran
randy range ransom rares rate rather rattan ravel raven ray re reach read reader reading ready real reality
realize really realtor reason receive recent recently recognize record red redden reduce reed reeves reflect
region rein reis relate relationship religious remain remember renaissance renaissances renders rep report
represent representative republican republicans require research resource respond response responsibility rest
result resurrection return reunion rev reveal revelations revere reverend rhea rice rich richer rick riddle ride
ridge right rim ring rip rise risk river rivers riverside roach road roan roar rob robin rock rocky rod roe
roentgen roger rogers role roll romaine roman romanticism room root roots rose rosemary rosette rosin rosy rout
rove rover royal rte rube ruby ruddy rule run rune runny rush rust rusty rut sable sabre sacristan sad safari
safe saga sage sager said saint saki salami salamis sales sally salmon salt salvo same sand sandal sander
sanders sandy sane sang sans sap sari sat satanism savage savanna savannah savant save savior sawyer say scarlet
scene schmuck schnauzer school science scientist scopes score scotch scotches scout scrabble scripture
scriptures scrooge scud scullion sea seal sears seaside season seat sec second secretariat secretary section
security see seek seem sell sellers senate senates senator send senior senna sense sera serenity serge series
serious serve server service set seven sever several sexton shad shade shaggy shah shake shanghai shantung share
sharp she sheikh shell shepherd sherry shields shine short shorthorn should shoulder show sibyl side sierra sign
significant silk silvan silver sim similar simple simply sims since sincere sine sing singer single singleton
sinner sir sire siren sister sisters sit sitar site sitters situation six size skill skin skip sky slash slinky
small smart smile smit smith smolders smuts snake snickers snider snoopy snot snow so social society sol solar
soldier sole solver some somebody someone something sometimes son sonata song sonny soon soot sop soprano sort
sos sound source south southeast southern southerner southerners southwest soviet space spam sparks spartan
speak spears special specific speech spend sphinx spies sport spring sprint sprite sq squire stack staff stage
stand standard staples star stark starling start state statement station stay steed steer stein step sterling
stern steward still sting stock stoic stoicism stokes stone stonewall stoney stop store storey storm stormy
story stout strand strategy street strong structure student study stuff style subject success successful such
suddenly sue suffer suggest suits summer summers sun sunbeam sunder sung sunny suns sunshine superior superman
supple support sure surface swat sweet swift swords sylvan system tab table tack tad tailor take talk talon tan
tank tanner target tarp tartar tartars task tawny tax tea teach teacher team technology teletype television tell
teller telnet temple ten tend term terry tertiary test than thank thanksgiving thanksgivings that thatcher the
their them themselves then theory theosophy there thermos these thespian theta they thing think third this
thoroughbred those though thought thousand threat three through throughout throw thug thus ti tiara tide ties
tilde till time tine ting tins tiny titan titanic to today together tom tome toms tone toner tonight tony too
toots top topic tor tore torrent torrents total tough toward town toy trace trade traditional training travel
treasure treasuries treasury treat treatment tree trial trident trinities trinity trip tromp tron trouble troy
true trump truth try tucker turkey turn turner tutu tv twain tweed twitter two type tyre under understand union
unions unique unit unknown unnamed until up upon ups urban us use usher usually utopia utopian utopians utopias
vain valentine valiant valid value valves van vandal var various vat veer velvet vernal very vi vial victor
victory view vigil villa villas viola violet visa visit viva vogue voice vote voyager wade wadi wage wait wake
waldo wales walk walker wall walls want war ward ware warmer warren warrior wash wasp watch water waters watt
watts way we wear weaver wed week weeks weight weir welch well wellington wells welsh welter were west western
westerner westerns what whatever wheeler wheeling when where whether which while whirlpool whistler whit white
whites who whole whom whose why wide widen wiener wife wild wilder wiles will willow wills win wind windbreaker
window windows windward windy wing winter winters wise wish with within without witting wolf wolfram woman
wonder wood woodland woods woody word work worker workman world worms worry worth would wren wright write writer
wrong yahoo yank yanks yard yaw yeah year yen yes yet yoga yogi you young your yourself yr yule yuletide zed zen
zens zeppelin zest zeta zipper zippers
""".split()  # noqa: SIM905
)
