"""The index of names (moderation.names).

Matching (`NameIndex.find`), per view, at each token, with no loop over the names
-------------------------------------------------------------------------------
- Exactly: the joined form of the next 1…`longest` tokens is looked up in a dict of every name's
  joined form ("taylorswift"); it is that name when the window's word breaks are some of the name's:
  "taylor swift", "taylorswift" and "robert deniro" name Robert De Niro or Taylor Swift, while
  "in a garten" has a break that "Ina Garten" has not. A name written in capitalised parts may have
  more ("Xi Jin Ping"), and so may an entry's own name of several words (not an alias: "money may
  weather") written in lower case, or with a capital only where a word of it starts, with a word of
  it cut in two by a space alone, into pieces of 2 letters or more that are not both ordinary words
  ("tay lor swift", "taylor swi ft", "Tay lor Swift"; not "Giuseppe, con te", "emmas tone"; a window
  may have 2 tokens more than the longest name has words). A
  capitalised one-word name in the plural is that name ("the Obamas").
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
- Surname first, with a comma ("Musk, Elon"): a two-word name's joined form read the other way
  round, exactly spelt, under the same ordinary-word rules; without the comma ("Musk Elon") only
  under stricter ones (`_reversed`).
- Names in scripts that put no space between words (Chinese and Japanese characters, kana, Thai) or a
  particle right after a name (Korean): a registry name or alias in them ("特朗普", "ドナルド・トランプ",
  "도널드 트럼프") is found inside a run of those scripts, the spaces, dots, hyphens, underscores and
  "=" between its parts left out on both sides: "特朗普在跳舞", "特.朗.普", "ドナルドトランプが踊る".
  Exactly as written, from 2 characters in Chinese characters only (most Chinese names have 2 or 3),
  from 5 code points with Thai (its letters, vowel signs and tone marks are each one), else from 3
  (two kana or Hangul syllables are in too many ordinary words). Korean puts spaces between words,
  so a name with Hangul starts a word and is broken only where the name is ("도널드 트럼프가";
  "아이 유치원" is no 아이유). A name of several words there is also read as words,
  as any name (a letter wrong: "ドナルド・トランブ"). A cameo owner's display name is read as words only:
  in these scripts it could be any ordinary word ("跳舞", dancing). The lengths looked for at a
  position are those of the names that begin with its two letters.
- Arabic and Hebrew join some one-letter words ("and", "with", "the" …) to the next word: a word of 5
  letters or more starting with one is also read without it, exactly, as a name's first word
  ("وأوباما", "וטראמפ": "and Obama", "and Trump").
- Overlapping finds: the longest at each position, then the fewest letters wrong, left to right; a
  registry name inside a cameo owner's name is kept too ("Donald Trump Fan" names Donald Trump).

Cost (benchmarks/names.py: 150k names, 697 prompts, 2-core machine): building takes 2–3 s of
CPU and keeps about 100 MiB (190 MiB at the peak): the dicts of joined forms and word tuples and
2.7M delete keys of 12 bytes. `find` takes 0.08 ms at the median and 0.19 ms at p99 once the prompt's
words were seen, 0.20 ms and 0.42 ms when every word is new, whatever the number of names; it grows
with the prompt (the longest allowed, 5,000 characters: 10–17 ms). moderation.selectors builds the
index once per process and then keeps a small second index of the people changed since, whose
entries here `find(ignore=...)` leaves out (someone else of the same name is found in their place);
`findings` and `resolve` pick the longest match over both. Pure Python + numpy + rapidfuzz: no ORM
here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz.distance import OSA

from core.text import canonical
from moderation.names.common import Hit, Person
from moderation.names.reading import _LEET, _MARKS, _PIECE, _camel_parts, _fold, _numbers, _Reader, _Tok
from moderation.names.words import _EVERYDAY_ELSEWHERE, _GIVEN, _ORDINARY


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


_NAME_BREAK = re.compile(rf"(?:[^\w{_MARKS}]|_)+")  # combining marks belong to their word
_ASCII_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z][A-Z][a-z]")
_LEETISH = re.compile(r"[\d@$+!|]")


def _name_words(text: str) -> list[tuple[str, ...]]:
    """The word sequences a name may be written as, the first as folded ("leonardo dicaprio"): split
    at its capitals ("leonardo di caprio"), with its initials run together ("jk rowling"), and read as
    leetspeak where a word has symbols or digits inside ("A$AP Rocky" → "asap rocky"). Pure numbers
    are no words ("Elon 2024 Musk"), unless without them one word is left: "André 3000" is "andre
    3000" (not André, anyone's first name), "50 Cent" "50 cent", read in the prompt's digits view."""
    if text.isascii():  # the usual case
        words = [w for w in _NAME_BREAK.split(text.lower()) if w]
    else:
        words = [w for w in (_fold(p) for p in _NAME_BREAK.split(text) if p) if w]
    plain = [w for w in words if not w.isdigit()]
    numbered = len(plain) == 1 and len(words) > 1  # a number is part of the name
    if numbered:
        return [tuple(words)]
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


# Scripts written without spaces between words (Han, kana) or with a particle joined to a name (Hangul),
# and what may stand between the parts of a name in them: spaces, dots, hyphens, underscores, "=".
# HAN: the Chinese characters, as a regular expression's character ranges (moderation.consent too).
HAN = "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HANGUL = "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3"
_THAI = "\u0e01-\u0e5b"  # Thai writes no space between words either
_UNSPACED = HAN + "\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff" + _HANGUL + _THAI
_SEPARATORS = frozenset(" .=_-\u00b7\u2010\u2011\u2013\u2014\u2022\u2027\u2219\u22c5\u30a0\u30fb")
_SEP = "".join(re.escape(c) for c in sorted(_SEPARATORS))
_UNSPACED_RUN = re.compile(f"[{_UNSPACED}](?:[{_SEP}]*[{_UNSPACED}])*")
_UNSPACED_NAME = re.compile(f"[{_SEP}]*[{_UNSPACED}](?:[{_SEP}]*[{_UNSPACED}])*[{_SEP}]*")
_HAN_ONLY = re.compile(f"[{HAN}]+")
_HAS_HANGUL = re.compile(f"[{_HANGUL}]")
_HAS_THAI = re.compile(f"[{_THAI}]")
_ANY_UNSPACED = re.compile(f"[{_UNSPACED}]")


def _unspaced_form(name: str) -> tuple[str, int] | None:
    """A name written in the scripts of _UNSPACED alone: its letters without the separators
    ("ドナルド・トランプ" is "ドナルドトランプ") and where it had a break (bit i: before letter i), when it
    is long enough to be matched inside a run (module docstring). Read as prompts are (NFKC, invisible
    characters out)."""
    if name.isascii() or not _ANY_UNSPACED.search(name):  # the usual case
        return None
    text = canonical(name, strict=False)
    if not _UNSPACED_NAME.fullmatch(text):
        return None
    letters, breaks, gap = "", 0, False
    for c in text:
        if c in _SEPARATORS:
            gap = True
            continue
        if gap and letters:
            breaks |= 1 << len(letters)
        letters, gap = letters + c, False
    # Thai's letters, vowel signs and tone marks are each a code point: 3 or 4 make a short syllable.
    shortest = 2 if _HAN_ONLY.fullmatch(letters) else 5 if _HAS_THAI.search(letters) else 3
    return (letters, breaks) if len(letters) >= shortest else None


_SINGLE, _ALIAS, _ORDINARY_ONE, _ORDINARY_ALL, _NO_FUZZY, _AS_NAME = 1, 2, 4, 8, 16, 32
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
        self._flags = bytearray()  # _SINGLE | _ALIAS | _ORDINARY_ONE | _ORDINARY_ALL | _NO_FUZZY | _AS_NAME
        self._keys: dict[str, int] = {}  # a name's words, space-separated → its id
        # joined form with l read as i → (name id, word breaks of every way of writing it, joined form)
        self._exact: dict[str, tuple[int, int, str] | list[tuple[int, int, str]]] = {}
        self._seq: dict[tuple[int, ...], int | list[int]] = {}  # word ids → the multi-word names
        self._prefix: set[tuple[int, ...]] = set()  # every proper prefix of those
        self._vocab: dict[str, int] = {}  # the words of multi-word names → word id
        self._vocab_cls: dict[str, int | list[int]] = {}  # the same with l read as i
        self._words: list[str] = []
        self._words_with_digits: set[str] = set()  # as written ("number7", "cr7"): see _digits_view
        self._others: dict[int, list[Person]] = {}  # name id → the other people of the same name
        self._unspaced: dict[str, int] = {}  # a name in the scripts of _UNSPACED, separators left out → id
        self._unspaced_lengths: dict[str, list[int]] = {}  # its first two letters → lengths, longest first
        self.longest = 1  # words in the longest way of writing a name
        self._given: set[str] = set()  # the first words of the entries' own names of several words
        self._max_len = 0  # letters in the longest
        labels: dict[tuple[str, int], str] = {}  # each person's name as folded words (what is an alias)
        for name, person in entries:
            self._add(name, person, labels, min_chars)
        self._digit_words = frozenset(self._words_with_digits)
        self._keys_h, self._keys_id = self._delete_keys()
        # What each word of the prompts could be a typo of: prompts share most of their words.
        self._near_cache: dict[tuple[str, bool], _Near] = {}

    def _add(self, name: str, person: Person, labels: dict[tuple[str, int], str], min_chars: int) -> None:
        # The registry's (curated) names in scripts without spaces are also found inside the text; an
        # owner's display name could be any word ("跳舞", dancing): it is read as words only.
        unspaced = _unspaced_form(name) if person.kind == "registry" else None
        if unspaced is not None:
            self._add_unspaced(*unspaced, name, person)
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
            self._clash(known, person, alias=alias)
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
        # A cameo owner's display name is anyone's choice of words ("Golden Retriever"): found only
        # where it is written as a name (_allowed), or "a golden retriever on a beach" would need their
        # consent, or show them. The registry's names are curated: found in lower case too.
        self._flags.append(_flags_of(base, alias=alias) | (_AS_NAME if person.kind != "registry" else 0))
        self._given.update(base[:1] if len(base) > 1 and not alias else ())
        if not joined.isalpha():
            self._words_with_digits.update(w for w in base if not w.isalpha())

    def _add_unspaced(self, form: str, breaks: int, name: str, person: Person) -> None:
        """A name found inside runs of text in scripts without spaces (`_unspaced_in`), as written. A
        name of several words is also read as words (the rest of `_add`): a letter wrong, voicing marks."""
        alias = name != person.label and form != (_unspaced_form(person.label) or ("",))[0]
        known = self._keys.get(form)
        if known is not None:
            self._clash(known, person, alias=alias)
            return
        self._keys[form] = self._unspaced[form] = len(self._people)
        self._people.append(person)
        self._joined.append(form)
        self._base_mask.append(breaks)
        self._flags.append(_flags_of((form,), alias=alias) | _NO_FUZZY)
        lengths = self._unspaced_lengths.setdefault(form[:2], [])
        if len(form) not in lengths:
            lengths.append(len(form))
            lengths.sort(reverse=True)

    def _clash(self, known: int, person: Person, *, alias: bool) -> None:
        """A name someone has already. The registry wins a clash with a cameo owner's name: a public
        figure stays protected. The other is kept aside: found in their place when `find` ignores
        the one kept."""
        if person.kind == "registry" and self._people[known].kind != "registry":
            self._others.setdefault(known, []).insert(0, self._people[known])
            self._people[known] = person
            self._flags[known] = (self._flags[known] & ~(_ALIAS | _AS_NAME)) | (_ALIAS if alias else 0)
        elif person != self._people[known]:
            self._others.setdefault(known, []).append(person)

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

    def find(self, text: str, *, ignore: Collection[tuple[str, int]] = ()) -> list[Hit]:
        """Every name in `text`, longest match first at each position, left to right; none of the
        people in `ignore` ((kind, id) pairs)."""
        return resolve(self.findings(text, ignore=ignore))

    def findings(self, text: str, *, ignore: Collection[tuple[str, int]] = ()) -> list[Finding]:
        """Every candidate match in `text`, overlapping, unsorted (`resolve` picks among them, also
        among those of several indexes: moderation.selectors' base and overlay)."""
        read = canonical(text, strict=False)
        prompt = _Reader(self._digit_words).read(read)
        views = [(prompt.base, True)]
        if prompt.camel is not None:
            views.append((prompt.camel, True))
        if prompt.digits is not None:
            views.append((prompt.digits, False))
        near = self._near([t for view, fuzzy in views if fuzzy for t in view])
        found: list[_Finding] = []
        for tokens, fuzzy in views:
            for i in range(len(tokens)):
                self._exact_at(tokens, i, read, prompt.titled, found)
                if fuzzy:
                    self._fuzzy_at(tokens, i, near, prompt.titled, found)
        self._reversed(prompt.base, read, prompt.titled, found)
        if not read.isascii() and _ANY_PREFIXED.search(read):
            self._prefixed(prompt.base, read, prompt.titled, found)
        if self._unspaced and not read.isascii():
            self._unspaced_in(read, found)
        out: list[Finding] = []
        for start, stop, nid, edits, how, words in found:
            if self._flags[nid] & _SINGLE and _everyday_elsewhere(read, start, stop):
                continue  # "cuidados com a pele": a word of another language, written as that word
            who = self._people[nid]
            person = who if not ignore or (who.kind, who.id) not in ignore else self._other(nid, ignore)
            if person is not None:
                out.append((start, stop, person, edits, how, words))
        return out

    def _other(self, nid: int, ignore: Collection[tuple[str, int]]) -> Person | None:
        """Someone else of this name, not ignored (see _clash)."""
        return next((p for p in self._others.get(nid, ()) if (p.kind, p.id) not in ignore), None)

    def _exact_at(self, toks: list[_Tok], i: int, text: str, titled: bool, found: list[_Finding]) -> None:
        """Whole names from token i: the window's joined form, its word breaks some of the name's."""
        cls = form = ""
        mask = 0
        amb = False
        # up to 2 tokens more than the longest name has words: words of it written in pieces
        for k in range(min(self.longest + 2, len(toks) - i)):
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
                # A break the name has not ("in a garten") only in a name written in capitalised parts
                # ("Xi Jin Ping"), or in lower case with a word cut in two ("tay lor swift", _in_pieces), in
                # an entry's own name only: aliases are often everyday words ("money may weather the
                # storm" is no "Money Mayweather").
                split = bool(mask & ~breaks)
                if (
                    split
                    and not (not titled and all(t.upper and len(t.form) >= 2 for t in window))
                    and (self._flags[nid] & _ALIAS or not _in_pieces(window, mask, breaks, text))
                ):
                    continue
                if (amb or form == joined) and self._allowed(nid, window, (), titled):
                    found.append(self._found(nid, window, 0, -2 if split else mask))
            if k == 0 and got is None and t.upper and len(t.form) >= 5 and t.form[-1] == "s" and not titled:
                self._plural_at(t, found)

    def _prefixed(self, toks: list[_Tok], text: str, titled: bool, found: list[_Finding]) -> None:
        """Names whose first word has an Arabic or Hebrew one-letter word joined to it (_PREFIXED),
        exactly; only that word is read without it ("وفلاديمير بوتين" keeps the ب of بوتين)."""
        window = list(toks)
        for i, t in enumerate(toks):
            bare = _without_prefix(t)
            if bare is not None:
                window[i] = bare
                self._exact_at(window, i, text, titled, found)
                window[i] = t

    def _reversed(self, toks: list[_Tok], text: str, titled: bool, found: list[_Finding]) -> None:
        """A two-word name written surname first, with a comma, as lists and forms write it: "Musk,
        Elon", "Swift, Taylor". Exactly spelt, under the ordinary-word rules of the name in order,
        and an ordinary word of it capitalised: "the bird was swift, taylor made the nest" names no
        one, "Swift, Taylor" does. Without the comma ("Musk Elon") only an entry's own name (not an
        alias), both words capitalised outside Title Case, a surname that is no ordinary word ("we
        met Major John", "Brown Gordon setter", and so "Swift Taylor" too) and no entry's first name
        ("Jordan Michael" may be someone called Jordan), and the two words on their own: not after
        "the", "a" or "an", nor beside another capitalised word ("at the Hilton Paris", "Hilton Paris
        Opera"; a word across a semicolon is another clause's: "in Tokyo; Musk Elon dancing")."""
        for n, (first, second) in enumerate(itertools.pairwise(toks)):
            if first.brk:
                continue
            gap = text[first.end : second.start]
            comma = "," in gap
            if not comma and (gap != " " or titled or not (first.upper and second.upper) or not self._alone(toks, n)):
                continue
            cls = second.cls + first.cls
            got = self._exact.get(cls)
            for nid, _breaks, joined in () if got is None else (got,) if isinstance(got, tuple) else got:
                two_words = self._base_mask[nid] == 1 << len(second.cls)
                spelt = second.amb or first.amb or second.form + first.form == joined
                window = [second, first]
                own = comma or not self._flags[nid] & _ALIAS  # without the comma, not an alias
                if own and two_words and spelt and self._allowed(nid, window, window, titled):
                    words = f"{first.form}{',' if comma else ''} {second.form}"
                    found.append((first.start, second.end, nid, 0, "reversed", words))

    def _alone(self, toks: list[_Tok], n: int) -> bool:
        """Tokens n and n + 1, a name surname first, stand on their own (_reversed)."""
        first = toks[n]
        if first.form in self._given or first.form in _ORDINARY:
            return False
        # A word across a sentence's end or a semicolon is another clause's (its capital says nothing):
        # "in Tokyo; Musk Elon dancing", "Musk Elon; Tokyo at night".
        before = toks[n - 1] if n and not toks[n - 1].brk and not first.initial else None
        if before is not None and (before.upper or before.form in ("the", "a", "an")):
            return False
        after = toks[n + 2] if n + 2 < len(toks) and not toks[n + 1].brk else None
        return after is None or not after.upper or after.initial

    def _unspaced_in(self, text: str, found: list[_Finding]) -> None:
        """Names in scripts without spaces inside a run of those scripts, separators left out: "特朗普在跳舞",
        "特.朗.普". Korean puts spaces between words: a name with Hangul starts a word there and is
        broken only where the name is ("도널드 트럼프가", not "팀이 승기를" for 이승기)."""
        for run in _UNSPACED_RUN.finditer(text):
            at: list[int] = []  # each letter's offset in the text
            gap: list[bool] = []  # a separator (or the run's start) before it
            letters, pending = [], True
            for j, c in enumerate(run.group()):
                if c in _SEPARATORS:
                    pending = True
                else:
                    at.append(run.start() + j)
                    gap.append(pending)
                    letters.append(c)
                    pending = False
            read = "".join(letters)
            for i in range(len(read) - 1):
                for n in self._unspaced_lengths.get(read[i : i + 2], ()):
                    nid = self._unspaced.get(read[i : i + n]) if i + n <= len(read) else None
                    if nid is None:
                        continue
                    if _HAS_HANGUL.search(read, i, i + n):
                        breaks = self._base_mask[nid]
                        if not gap[i] or any(gap[i + k] and not breaks >> k & 1 for k in range(1, n)):
                            continue
                    how = "alias" if self._flags[nid] & _ALIAS else "exact"
                    found.append((at[i], at[i + n - 1] + 1, nid, 0, how, read[i : i + n]))

    def _plural_at(self, t: _Tok, found: list[_Finding]) -> None:
        """A one-word name in the plural, capitalised: "the Obamas", "the Kennedys"; one that is also an
        ordinary word only where a capital says a name, as the name itself (not at a sentence's start):
        "the Trumps at dinner", not "Trumps beat every card"."""
        got = self._exact.get(t.cls[:-1])
        for nid, _breaks, joined in () if got is None else (got,) if isinstance(got, tuple) else got:
            ordinary = self._flags[nid] & _ORDINARY_ONE and t.initial
            if self._flags[nid] & _SINGLE and not ordinary and joined == t.form[:-1]:
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
        if flags & _AS_NAME and not all(
            t.leet or t.spaced or t.anyupper or t.caseless for t in window if not t.form.isdigit()
        ):
            return False  # a cameo owner's display name, not written as a name: each word its capital
        if flags & _ORDINARY_ONE:
            t = window[0]
            if not (t.leet or t.spaced or (t.upper and not t.initial and not titled)):
                return False
        elif flags & _ORDINARY_ALL and not all(
            t.leet or t.spaced or (t.anyupper and not titled) for t in window if not t.form.isdigit()
        ):
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


Finding = tuple[int, int, Person, int, str, str]  # start, end, who, letters wrong, how, words read


def resolve(found: list[Finding]) -> list[Hit]:
    """Overlapping finds: the longest at each position, then the fewest letters wrong, the registry
    before a cameo owner, left to right; a later find that reaches past the one kept is kept too."""
    found = sorted(found, key=lambda f: (f[0], -f[1], f[3], f[2].kind != "registry"))
    hits: list[Hit] = []
    end = inner_end = -1
    covering: Person | None = None
    for start, stop, person, _edits, how, words in found:
        # a find that starts inside the one before and ends after it ("Jordan Taylor Swift", "Brooks,
        # Taylor Swift": someone's name, then Taylor Swift) is another name sharing a word: kept, or
        # the first would hide it
        if start >= end or stop > end:
            hits.append(Hit(person, words, how))
            end, covering, inner_end = stop, person, -1
        elif (
            person.kind == "registry"
            and covering is not None
            and covering.kind != "registry"
            and (start >= inner_end or stop > inner_end)
            and all(h.person != person for h in hits)
        ):
            # A public figure's name inside a protected owner's ("Donald Trump Fan"): an owner's display
            # name is no way to use someone else's. Among those, the longest first as anywhere ("Mrs.
            # Michelle Obama" names Michelle Obama, not also Barack Obama by the alias "Obama").
            hits.append(Hit(person, words, how))
            inner_end = stop
    return hits


# Arabic and Hebrew write some one-letter words joined to the next word: Arabic "and", "so", "with",
# "for", "like" (و ف ب ل ك), Hebrew "and", "the", "in", "to", "as", "from", "that" (ו ה ב ל כ מ ש):
# "وأوباما", "וטראמפ" ("and Obama", "and Trump"). A word of at least 5 letters starting with one is also
# read without it, exactly, as the first word of a name (a 3-letter rest is in too many given names:
# "بشير", Bashir, is no "شير", Cher).
_PREFIXED = re.compile(
    r"(?:[\u0648\u0641\u0628\u0644\u0643][\u0600-\u06ff]|[\u05d5\u05d4\u05d1\u05dc\u05db\u05de\u05e9][\u05d0-\u05ea])"
    r"[\u0590-\u06ff]{3,}"
)
_ANY_PREFIXED = re.compile(r"(?<![\u0590-\u06ff])" + _PREFIXED.pattern)


def _without_prefix(t: _Tok) -> _Tok | None:
    """The token without its one-letter word (_PREFIXED), or None."""
    if not _PREFIXED.fullmatch(t.form):
        return None
    bare = _Tok(t.form[1:], t.start + 1, t.end)
    bare.brk, bare.initial = t.brk, t.initial
    return bare


def _everyday_elsewhere(text: str, start: int, stop: int) -> bool:
    """text[start:stop] is one of _EVERYDAY_ELSEWHERE as written, a word on its own: not part of a
    hashtag, a handle or a camelCase word ("#cher", "@bono", "bonoSinging" are written as names)."""
    before = text[start - 1] if start else " "
    after = text[stop] if stop < len(text) else " "
    return text[start:stop] in _EVERYDAY_ELSEWHERE and not (before.isalnum() or before in "#@") and not after.isalnum()


def _in_pieces(window: list[_Tok], mask: int, breaks: int, text: str) -> bool:
    """A name of several words (`breaks`: its word breaks; `mask`: the window's) written in lower case,
    or with a capital only where a word of it starts, with words of it cut in two, by a space alone,
    into pieces of 2 letters or more that are not both ordinary words: "tay lor swift", "taylor swi
    ft", "Tay lor Swift" (not "in a garten", "emmas tone", "Giuseppe, con te", "ta yl or swift", "Tay
    Lor", which is capitalised parts)."""
    if not breaks or breaks & ~mask:
        return False  # a one-word name (two words run together are too often one), or a break straddled
    words: list[list[_Tok]] = []
    at = 0
    for n, t in enumerate(window):
        if n and text[window[n - 1].end : t.start] != " ":
            return False
        starts = not words or breaks >> at & 1
        # a capital only where a word of the name starts, the rest in lower case ("Tay lor Swift")
        if t.anyupper and not (starts and t.upper and text[t.start + 1 : t.end].islower()):
            return False
        if starts:
            words.append([])
        words[-1].append(t)
        at += len(t.cls)
    return all(
        len(pieces) == 2 and min(len(t.form) for t in pieces) >= 2 and not all(t.form in _ORDINARY for t in pieces)
        for pieces in words
        if len(pieces) > 1
    )


def _flags_of(words: tuple[str, ...], *, alias: bool) -> int:
    flags = _ALIAS if alias else 0
    if len(words) == 1:
        flags |= _SINGLE | (_ORDINARY_ONE if words[0] in _ORDINARY else 0)
    elif _ORDINARY.issuperset(w for w in words if not w.isdigit()) and _GIVEN.isdisjoint(words):
        flags |= _ORDINARY_ALL  # numbers aside: "50 Cent" needs its capital ("a 50 cent coin")
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
