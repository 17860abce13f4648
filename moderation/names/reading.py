"""Reading a prompt into words (moderation.names).

Reading a prompt (`_Reader`)
----------------------------
1. Tokens. The canonical prompt is cut into pieces of letters and digits (any script) and the symbols
   used as letters (@ $ + ! |), with the combining marks of scripts that follow them (the vowel signs
   of Devanagari or Thai); everything else (space . - _ # ' …, the generic combining marks) cuts. A
   piece is folded (core.text.fold: lower case, no accents, look-alikes as ASCII; a piece with no
   Latin letter only loses case and accents, see `_fold`). A piece that mixes letters with digits or
   those symbols is leetspeak: 4 @→a 3→e 0→o 5 $→s 7 +→t 8→b 9→g, and 1 ! |→i, where i and l are one class on both
   sides since "1" may be either. Pure numbers ("23", "2024", the "2024" of
   "Swift2024") are no words: they are skipped, so "Elon 2024 Musk" is still Elon Musk. A window
   ends at a sentence's end (. ! ?, not at the full stop of an initial or of "Mr."), not at other
   punctuation: "Taylor; Swift", "Taylor/Swift", "Taylor | Swift", "Taylor & Swift" are the name (a
   semicolon ended a sentence before; the capital of the word after one still says nothing). The "s" of a
   possessive is dropped. A run of three or more one-letter tokens is one word ("O.b.a.m.a" → obama).
2. Views. The base view keeps each piece whole ("TaylorSwift" → taylorswift). A second view, made only
   when the prompt has one, splits camelCase pieces and spaced-out runs at their capitals (taylor
   swift). A third, exact only, keeps digits as written, made only when the prompt has a word of a
   name with digits ("Number7", "CR7"), and keeps the numbers that are words of a name ("André
   3000", "50 Cent": without the number one word is left, which is no one's name).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from core.text import fold

# The generic blocks of combining marks: accents, strokes, overlays and enclosing circles any letter
# or digit can carry, in any script.
_GENERIC = (0x300, 0x370), (0x1AB0, 0x1B00), (0x1DC0, 0x1E00), (0x20D0, 0x2100), (0xFE20, 0xFE30)


def _marks() -> str:
    """The combining marks of scripts (Unicode categories Mn, Mc, Me) as a character class's ranges:
    the vowel signs of the scripts of India and South-East Asia, Hebrew's and Arabic's points. Not
    the generic blocks (accents, strokes and keycaps any letter or digit can carry: "m̶a̶d̶o̶n̶n̶a̶",
    "4️⃣"), which still cut a piece, so such a word is read as letters spaced out, as before;
    `plain_readings` reads the word without them too)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x20000):
        if unicodedata.category(chr(code)).startswith("M") and not any(a <= code < b for a, b in _GENERIC):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


# A piece: letters and digits of any script, and the symbols that stand for letters in leetspeak, with
# the combining marks after them: a regular expression's \w has no marks, so a word in Devanagari
# ("डोनाल्ड") fell apart at each vowel sign into letters.
_MARKS = _marks()
_PIECE = re.compile(rf"(?:[^\W_]|[@$+!|])(?:[^\W_]|[@$+!|]|[{_MARKS}])*")
_LEET_MAP = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}
_LEET_MAP |= {"@": "a", "$": "s", "+": "t", "!": "i", "|": "i"}
_LEET = str.maketrans(_LEET_MAP)
_LEET_CHARS = frozenset(_LEET_MAP)
_AMBIGUOUS = frozenset("1!|")  # i or l: compared in the i/l class
_APOSTROPHES = frozenset("'’ʼ`´")
# What ends a sentence: a window of a name goes on over any other punctuation ("Taylor, Swift",
# "Taylor; Swift", "Taylor/Swift", "Taylor | Swift", "Taylor & Swift", "Taylor+Swift" are all the
# name to a video model's text encoder). A capital after a semicolon still says nothing, as at a
# sentence's start: prompts write clauses as sentences ("a pond at dawn; Drake swims by").
_STOPS = frozenset(".!?")
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
        "caseless",
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
        self.caseless = raw.lower() == raw.upper()  # no capital to write: Chinese, Arabic, a digit
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
                # "Mr."), ! ?
                if space > 0 and _ends_sentence(gap[space - 1], last):
                    self._break(self.base, self.camel)
                    self.initial = True
                elif space >= 0 and ";" in gap[: gap.rfind(" ")]:  # "dawn; Drake", and "dawn ; Drake" (French)
                    self.initial = True  # a clause as a sentence: its capital says nothing, a name goes on
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
            digits=_digits_view(text, self.digit_words) if self.has_digit_word else None,
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
        # Numbers are no words of a name, and no gap in one either ("Elon 2024 Musk" is Elon Musk).
        lead, core, trail = _numbers(raw)
        if self.digit_words and not self.digit_words.isdisjoint((_fold(raw), lead, trail)):
            self.has_digit_word = True  # a name's word with digits ("CR7", "André3000"): the digits view too
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


def _ends_sentence(mark: str, last: str) -> bool:
    """Whether `mark` after the piece `last` ends a sentence: ! ? and a full stop after a word, not
    after an initial ("J.K.") nor an abbreviation ("Mr.")."""
    return mark in _STOPS and (mark != "." or (len(last) >= 2 and last.lower() not in _ABBREVIATIONS))


def _digits_view(text: str, digit_words: frozenset[str]) -> list[_Tok]:
    """The prompt's words as written, digits kept, for names with digits ("Number7", "CR7") and the
    numbers that are words of a name ("André 3000")."""
    out: list[_Tok] = []
    last_end = 0
    last = ""
    for m in _PIECE.finditer(text):
        gap = text[last_end : m.start()]
        last_end = m.end()
        if out and any(_ends_sentence(c, last) for c in gap):  # not the "." of "Mr. 360"
            out[-1].brk = True
        raw = m.group().lstrip("@")
        last = raw
        if raw in ("s", "S") and " " not in gap and any(c in _APOSTROPHES for c in gap):
            continue
        word = raw.rstrip("!")
        folded = _fold(word)
        if any(c.isalpha() for c in folded) or folded in digit_words:
            start = last_end - len(raw)
            out.append(_Tok(folded, start, start + len(word), raw))
        elif out:
            out[-1].brk = True  # a number
    return out


# --- other readings --------------------------------------------------------------------------------

_GENERIC_MARK = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b - 1:08x}" for a, b in _GENERIC) + "]")
# Letters in boxes that NFKC leaves as symbols ('🅼' NEGATIVE SQUARED LATIN CAPITAL LETTER M, '🅜',
# the regional indicators of flags '🇲'): by their Unicode names, the letter each one shows.
_BOXED_NAME = re.compile(
    r"(?:NEGATIVE (?:SQUARED|CIRCLED) LATIN CAPITAL LETTER|REGIONAL INDICATOR SYMBOL LETTER) ([A-Z])"
)
_BOXED = {
    code: found.group(1)
    for low, high in ((0x1F150, 0x1F18F), (0x1F1E6, 0x1F1FF))
    for code in range(low, high + 1)
    if (found := _BOXED_NAME.fullmatch(unicodedata.name(chr(code), "")))
}
# Words in quotes or brackets after a word and before another ('Taylor "the singer" Swift', "Elon (rocket
# man) Musk"): a nickname or an aside put between the words of a name, which still says the name.
_ASIDE = re.compile(r" [\"“„«‘'(\[][^\"“”„«»‘’'()\[\]]{1,40}[\"”»’')\]](?= \w)")
# Any hyphen or dash (Unicode's dash punctuation: the hyphen, the non-breaking hyphen, en and em dashes),
# the minus sign and the middle dots, read as the hyphen-minus: "Tay\u2013lor" is "Tay-lor" to a reader.
_DASH = (
    "-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0"
    "\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead"  # Unicode's dash punctuation (category Pd)
    "\u2212\u02d7\u2043\u00b7\u2027\u2219\u30fb"  # minus signs, the hyphen bullet, the middle dots
)
# A word hyphenated across a line ("Mari-\nsol", canonical: "Mari- sol"): the word whole.
_HYPHENATED = re.compile(rf"(?<=[^\W\d_])[{_DASH}] (?=[^\W\d_])")
# A hyphen inside a word ("Tay-lor Swift", "Elon Mu-sk", "Elon Mu\u2013sk"): the word whole, as a reader reads it.
_INNER_HYPHEN = re.compile(rf"(?<=[^\W\d_])[{_DASH}](?=[^\W\d_])")
# Middle initials between two capitalised words ("Elon R. Musk", "Tom C. Cruise", "George H. W. Bush"):
# the name without them, as a reader knows it.
# With a comma or semicolon beside them, as between a name's words ("Elon; R. Musk", "Elon R.; Musk").
_INITIALS = re.compile(r"(?<=[^\W\d_])[,;]? (?:[A-Z]\.?[,;]? )+(?=[A-Z][^\W\d_])")
# A letter written three times or more in a row ("Quenbyyyy", "Mariiisol"): one letter drawn out.
_DRAWN_OUT = re.compile(r"([^\W\d_])\1{2,}")
# Upside-down text: each letter turned (the letters of "upside-down text" generators), the text read
# from its end. No library maps these: TR39 and anyascii give a turned letter's look-alike, not the
# letter turned ('ɔ' is "o" to anyascii, 'ɥ' "y", 'ʌ' "a"), and q, p, u, n, d, b turned are other
# ASCII letters. The letters below that no Latin text writes turned start the reading.
_TURNED_LETTERS = "ɐɔǝɟƃɥᴉɾʞɯɹʇʌʍʎ∀ꓭƆꓷƎℲ⅁ꓘꓶԀꝹꓤꓕ∩Λ⅄"
_TURNED = str.maketrans(
    _TURNED_LETTERS + "qpdbunMW", "acefghijkmrtvwyABCDEFGKLPQRTUVYbdpqnuWM"
)  # ſ (J) is s after NFKC
_ANY_TURNED = re.compile(f"[{_TURNED_LETTERS}]")


def plain_readings(text: str) -> list[str]:
    """Other readings of a canonical prompt, for what the reader does not undo in place: the word
    without the generic combining marks stacked or struck through some of its letters ("Má̂̃risol",
    "M̶a̶r̶isol", which cut the word: the reader reads a word struck through whole as letters spaced
    out), letters in boxes NFKC leaves as symbols ("🅼🅰🆁🅸🆂🅾🅻", "🅜", the regional indicators of
    flags) as those letters, without words in quotes or brackets between two words (a nickname
    between the words of a name: 'Elon "rocket man" Musk'), a word hyphenated across a line whole
    ("Mari-\nsol"), and one inside a line ("Tay-lor Swift"), without middle initials ("Elon R. Musk",
    "Elon; R. Musk"),
    and without both ("Elon R. Mu-sk"), each of these with a letter drawn out ("Quenbyyyy", "Обамааа")
    once and twice (a name may have it twice: "Keeeelan"), "ǫ" as the q it is in small capitals
    ("ǫᴜᴇᴇɴ"; else it is o), and upside-down text ("ɐɯɐqO ʞɔɐɹɐq") turned and read from its end
    (`_TURNED`). Empty when the prompt has none of these."""
    plain = _GENERIC_MARK.sub("", text).translate(_BOXED)  # NFKC composed what has a letter of its own
    plain = _HYPHENATED.sub("", _ASIDE.sub("", plain))
    readings = [plain] if plain != text else []
    # Without a hyphen inside a word, without middle initials, and without both ("Elon R. Mu-sk"): each
    # also with its letters drawn out read once and twice ("Elon R. Muuusk").
    joined = [plain]
    for pattern, between in ((_INNER_HYPHEN, ""), (_INITIALS, " ")):
        joined += [pattern.sub(between, each) for each in joined if pattern.search(each)]
    readings += joined[1:]
    if _DRAWN_OUT.search(plain):
        readings += [_DRAWN_OUT.sub(r, each) for each in joined for r in (r"\1", r"\1\1")]
    if "ǫ" in plain or "Ǫ" in plain:
        readings.append(plain.replace("ǫ", "q").replace("Ǫ", "Q"))
    if _ANY_TURNED.search(plain):
        readings.append(plain[::-1].translate(_TURNED))
    return readings
