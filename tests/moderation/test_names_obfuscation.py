"""Protected names whatever the spelling (issue 12): the labelled sets and each technique on its own.

tests/data/names_adversarial.jsonl names or describes real people (one category per technique);
tests/data/names_benign.jsonl is everyday prompts full of words that are also names; the registry is
tests/data/names_people.csv. Every prompt goes through core.text.canonical first, as on submit.
benchmarks/names.py measures the same sets against 150k names.
"""

import csv
import json
import statistics
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from core.text import canonical
from moderation.names import HOWS, NameIndex, Person, plain_readings

DATA = Path(__file__).parents[1] / "data"
TECHNIQUES = (
    "plain",
    "possessive",
    "case",
    "fullwidth",
    "homoglyph",
    "invisible",
    "leet",
    "spaced",
    "joined",
    "typo1",
    "typo2",
    "alias",
    "reversed",
    "punctuation",  # punctuation between the words of a name: "Taylor; Swift", "Taylor/Swift", "Ed | Sheeran"
    "other_script",  # the registry's names in Chinese characters, kana or Hangul, run into the next word
)


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


ADVERSARIAL = _rows("names_adversarial.jsonl")
BENIGN = _rows("names_benign.jsonl")


def _people() -> list[tuple[str, list[str], str]]:
    with (DATA / "names_people.csv").open(newline="", encoding="utf-8") as f:
        return [(r["name"], [a for a in r["aliases"].split("|") if a], r["description"]) for r in csv.DictReader(f)]


def _entries(people, first_id=1):
    out = []
    for n, (name, aliases, _) in enumerate(people, start=first_id):
        person = Person("registry", n, name)
        out += [(name, person), *((alias, person) for alias in aliases)]
    return out


@pytest.fixture(scope="module")
def index():
    return NameIndex(_entries(_people()))


def found(index, prompt):
    """Who the prompt names, read as the consent gate reads it: canonical, then also plain."""
    text = canonical(prompt, strict=False)
    labels = [h.person.label for h in index.find(text)]
    for reading in plain_readings(text):
        labels += [h.person.label for h in index.find(reading) if h.person.label not in labels]
    return labels


# --- the data sets ---------------------------------------------------------------------------------


def test_the_data_sets_are_well_formed():
    people = {name for name, _, _ in _people()}
    assert all(r["category"] in (*TECHNIQUES, "description") for r in ADVERSARIAL)
    assert all(r["person"] in people for r in ADVERSARIAL)
    counts = Counter(r["category"] for r in ADVERSARIAL)
    assert len(ADVERSARIAL) >= 320
    assert counts["description"] >= 40
    assert all(counts[c] >= 20 for c in TECHNIQUES), counts
    assert len({r["person"] for r in ADVERSARIAL}) >= 60
    assert len(BENIGN) >= 320
    assert len({r["category"] for r in BENIGN}) >= 6
    assert all(description for _, _, description in _people())

    def has(category, test):
        return all(any(test(c) for c in r["prompt"]) for r in ADVERSARIAL if r["category"] == category)

    assert has("invisible", lambda c: unicodedata.category(c) == "Cf" or c == "\u00ad")
    assert has("fullwidth", lambda c: "\uff01" <= c <= "\uff5e")
    assert has("homoglyph", lambda c: c.isalpha() and not c.isascii() and unicodedata.name(c).split()[0] != "LATIN")


@pytest.mark.parametrize("kind", ["heldout", "blind", "blind2", "blind3", "blind4"])
def test_the_held_out_sets_are_well_formed(kind):
    """Descriptions and definite roles written after the matchers by writers who saw neither them nor
    the other sets: held out; blind, written before the model that tells someone from anyone was
    fitted; blind 2, after its threshold was chosen; blind 3, after the registry's known_for phrases
    and their threshold were chosen; blind 4, after the rule for phrases that name something
    (benchmarks/protected.py reports each apart)."""
    people = {name for name, _, _ in _people()}
    described = _rows(f"names_adversarial_{kind}.jsonl")
    roles = _rows(f"names_benign_{kind}.jsonl")
    assert len(described) >= 60 and len(roles) >= 60
    assert {r["category"] for r in described} == {"description"}
    assert {r["category"] for r in roles} == {"definite_role"}
    assert all(r["person"] in people for r in described)
    others = [
        r
        for name in ("heldout", "blind", "blind2", "blind3", "blind4")
        if name != kind
        for r in [*_rows(f"names_adversarial_{name}.jsonl"), *_rows(f"names_benign_{name}.jsonl")]
    ]
    known = {r["prompt"] for r in ADVERSARIAL + BENIGN + others}
    assert not known & {r["prompt"] for r in described + roles}


@pytest.mark.parametrize("category", TECHNIQUES)
def test_each_technique_names_the_person(index, category):
    rows = [r for r in ADVERSARIAL if r["category"] == category]
    missed = [r["prompt"] for r in rows if r["person"] not in found(index, r["prompt"])]
    assert 1 - len(missed) / len(rows) >= 0.97, missed


def test_no_everyday_prompt_is_refused(index):
    refused = {r["prompt"]: found(index, r["prompt"]) for r in BENIGN}
    assert {p: who for p, who in refused.items() if who} == {}


def test_descriptions_are_left_to_the_meaning_match(index):
    """They name nobody: the fast pass finds no one in them (the worker matches them by meaning)."""
    rows = [r for r in ADVERSARIAL if r["category"] == "description"]
    assert [r["prompt"] for r in rows if found(index, r["prompt"])] == []


# --- each technique on its own ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "who", "how"),
    [
        ("Barack Obama surfing", "Barack Obama", "exact"),
        ("Obama's dog on the lawn", "Barack Obama", "alias"),
        ("Beyoncé’s face on stage", "Beyoncé", "exact"),
        ("BARACK OBAMA and a swift tailor", "Barack Obama", "exact"),
        ("Ｔａｙｌｏｒ　Ｓｗｉｆｔ singing", "Taylor Swift", "exact"),
        ("T\u0430ylor Sw\u0456ft singing", "Taylor Swift", "exact"),  # Cyrillic а and і
        ("a concert by \u039cadonna", "Madonna Ciccone", "alias"),  # Greek capital Mu
        ("Tay\u200blor Sw\u00adift on a boat", "Taylor Swift", "exact"),
        ("B4r4ck 0b4m4 surfing", "Barack Obama", "leet"),
        ("T@yl0r $w1ft singing", "Taylor Swift", "leet"),
        ("Elon Mu5k on Mars", "Elon Musk", "leet"),
        ("Bi11ie Ei1ish whispering", "Billie Eilish", "leet"),  # 1 read as i or l
        ("L3Br0n J4m35 dunking", "LeBron James", "leet"),  # trailing 35 is letters, not a number
        ("T a y l o r S w i f t on stage", "Taylor Swift", "spaced"),
        ("a T a y l o r S w i f t concert", "Taylor Swift", "spaced"),
        ("O.b.a.m.a eating", "Barack Obama", "spaced"),
        ("O-b-a-m-a eating", "Barack Obama", "spaced"),
        ("m\u0336a\u0336d\u0336o\u0336n\u0336n\u0336a\u0336 at the pool", "Madonna Ciccone", "spaced"),  # struck
        ("0\ufe0f\u20e3 b 4\ufe0f\u20e3 m 4\ufe0f\u20e3 dancing", "Barack Obama", "leet"),  # keycap digits
        ("TaylorSwift concert", "Taylor Swift", "joined"),
        ("#BarackObama rally", "Barack Obama", "joined"),
        ("@kanyewest in a studio", "Kanye West", "joined"),
        ("taylor_swift baking", "Taylor Swift", "exact"),
        ("I love #TaylorSwift2024", "Taylor Swift", "joined"),
        ("robert deniro driving a taxi", "Robert De Niro", "joined"),
        ("leonardo di caprio on a ship", "Leonardo DiCaprio", "exact"),
        ("JK Rowling writing", "J. K. Rowling", "joined"),
        ("Barak Obama surfing", "Barack Obama", "fuzzy"),
        ("Tayler Swfit on a yacht", "Taylor Swift", "fuzzy"),
        ("Elon Muks on a tractor", "Elon Musk", "fuzzy"),
        ("Elon Mask on a tractor", "Elon Musk", "fuzzy"),  # "mask" is a word, but capitalised here
        ("Arnold Swarzenegger lifting", "Arnold Schwarzenegger", "fuzzy"),
        ("#TaylerSwfit concert", "Taylor Swift", "fuzzy"),
        ("taylerswift concert", "Taylor Swift", "fuzzy"),
        ("Rihana dancing", "Rihanna", "fuzzy"),
        ("Elon 2024 Musk", "Elon Musk", "exact"),  # numbers are no words, and no gap
        ("dancing with Trump at a rally", "Donald Trump", "alias"),
        ("the singer Drake on stage", "Aubrey Drake Graham", "alias"),
        ("Dr4k3 in Toronto", "Aubrey Drake Graham", "leet"),
        ("bill gates giving a talk", "Bill Gates", "exact"),
        ("Kid Rock singing at a fair", "Kid Rock", "exact"),
        ("Xi Jin Ping walking", "Xi Jinping", "spaced"),  # a word in capitalised parts
        ("dinner with the Obamas", "Barack Obama", "alias"),  # a one-word name in the plural
        ("Mr. Bean driving a mini", "Rowan Atkinson", "alias"),  # "Mr." ends no sentence
        ("Former President Trump golfing", "Donald Trump", "alias"),  # capitals, but no Title Case
        ("Musk, Elon on Mars", "Elon Musk", "reversed"),  # surname first, as lists write it
        ("a portrait of musk, elon", "Elon Musk", "reversed"),
        ("Swift, Taylor singing", "Taylor Swift", "reversed"),
        ("Obama,Barack giving a speech", "Barack Obama", "reversed"),
        ("tay lor swift singing", "Taylor Swift", "spaced"),  # a word of the name in pieces
        ("taylor swi ft on a boat", "Taylor Swift", "spaced"),
        ("Tay lor Swift singing", "Taylor Swift", "spaced"),  # capitals where the name's words start
        ("Ba rack Obama waving", "Barack Obama", "spaced"),
        ("Musk Elon dancing", "Elon Musk", "reversed"),  # surname first without the comma
        ("a photo of Obama Barack", "Barack Obama", "reversed"),
        ("\u202eamabO kcaraB\u202c surfing", "Barack Obama", "exact"),  # shown "Barack Obama" (RLO)
        ("\u0187her singing", "Cher", "exact"),  # Ƈ, C with a hook
    ],
)
def test_technique(prompt, who, how):
    people = [
        *_people(),
        ("J. K. Rowling", [], ""),
        ("Kid Rock", [], ""),
        ("Rowan Atkinson", ["Mr. Bean"], ""),
        ("Cher", [], ""),
    ]
    idx = _index_of(people)
    hits = idx.find(canonical(prompt, strict=False))
    assert [(h.person.label, h.how) for h in hits] == [(who, how)]
    assert how in HOWS


_INDEXES: dict[tuple[str, ...], NameIndex] = {}


def _index_of(people):
    key = tuple(name for name, _, _ in people)
    if key not in _INDEXES:
        _INDEXES[key] = NameIndex(_entries(people))
    return _INDEXES[key]


@pytest.mark.parametrize(
    "prompt",
    [
        # a word of a multi-word name is no one, nor are they in another order
        "Swift",
        "a girl named Taylor",
        "Jordan",
        "a swift taylor sewing",
        "the Jordan river",
        "a young king",
        "a bush in the garden",
        "a swift jordan dunk",
        "the bird was swift, taylor made the nest",  # ordinary words in another order, lower case
        # never inside a longer word
        "swiftness and obamacare",
        "a messy room",
        # ordinary words that are stage names, and phrases that are names
        "pink flowers",
        "a drake on a pond",
        "Drake feathers on a pond",  # capitalised, but first in the sentence
        "a trump card",
        "an ice cube melting",
        "a kid rock climbing",
        "the Rock Formations Of Monument Valley",  # Title Case: capitals say nothing
        "washington apples",
        # a one-word typo needs a capital and 7 letters: not "a merkle tree", not "Malaga"
        "a merkle tree",
        "sunset over Malaga",
        "a breakfast buffet",
        # a whole name as one plain lower-case token needs 8 letters
        "a bowl of kimchi",
        # another alphabet is not read as look-alike Latin: снег is "snow", not Cher
        "Москва зимой, снег падает на улицы",
    ],
)
def test_ordinary_prompts_name_no_one(prompt):
    extra = [("Kim Chi", [], ""), ("Ice Cube", [], ""), ("Kid Rock", [], ""), ("Cher", [], "")]
    idx = _index_of([*_people(), *extra])
    assert idx.find(canonical(prompt, strict=False)) == []


def test_a_name_in_another_alphabet_is_found_as_written():
    idx = NameIndex([("Владимир Путин", Person("registry", 1, "Vladimir Putin"))])
    assert [(h.how, h.text) for h in idx.find("Владимир Путин на коне")] == [("alias", "владимир путин")]


@pytest.mark.parametrize(
    ("prompt", "who"),
    [
        ("وأوباما يسبح في البحر", ["Barack Obama"]),  # "and Obama swims in the sea"
        ("بترامب", ["Donald Trump"]),  # "with Trump"
        ("ودونالد ترامب يرقص", ["Donald Trump"]),
        ("וטראמפ רוקד", ["Donald Trump"]),  # Hebrew: "and Trump dances"
        ("לטראמפ", ["Donald Trump"]),  # "to Trump"
        ("وباما", []),  # a word that is not the name with a prefix
        ("بشير يلعب كرة القدم", []),  # Bashir plays football: no "شير", Cher
        ("كريم يأكل التفاح", []),  # Karim: no "ريم", Reem
        ("وسام يرسم لوحة", []),  # Wisam: no "سام", Sam
    ],
)
def test_a_name_with_an_arabic_or_hebrew_prefix_joined_to_it(prompt, who):
    """Arabic and Hebrew join "and", "with", "to" … to the next word; a 3-letter rest is left alone."""
    people = [
        ("Barack Obama", ["أوباما"]),
        ("Donald Trump", ["دونالد ترامب", "ترامب", "טראמפ"]),
        ("Cher", ["شير"]),
        ("Reem Acra", ["ريم"]),
        ("Sam Smith", ["سام"]),
    ]
    index = NameIndex(_entries([(name, aliases, "") for name, aliases in people]))
    assert found(index, prompt) == who


def test_word_breaks_must_be_the_names():
    idx = NameIndex([("Ina Garten", Person("registry", 1, "Ina Garten"))])
    assert idx.find("in a garten") == []
    assert idx.find("In A Garten") == []  # a part of one letter is no part of a name
    assert [h.how for h in idx.find("InaGarten cooking")] == ["joined"]
    assert [h.how for h in idx.find("ina garten cooking")] == ["exact"]


def test_a_word_of_a_name_cut_in_two():
    idx = NameIndex(
        [
            (name, Person("registry", n, name))
            for n, name in enumerate(("Ina Garten", "Taylor Swift", "Rihanna", "Giuseppe Conte", "Emma Stone"), 1)
        ]
    )
    assert [(h.person.id, h.how) for h in idx.find("ina gar ten and tay lor swift")] == [(1, "spaced"), (2, "spaced")]
    assert [h.person.id for h in idx.find("tay lor swi ft")] == [2]  # both words cut
    assert idx.find("in a garten") == []  # both pieces ordinary words
    assert idx.find("ta ylo r swift") == []  # a piece of one letter
    assert idx.find("ta yl or swift") == []  # a word in three pieces
    assert idx.find("rih anna") == []  # a one-word name: two words run together too often make one
    assert idx.find("Giuseppe, con te sono felice") == []  # a comma between the pieces
    assert idx.find("giuseppe con-te") == []  # a hyphen
    assert idx.find("three emmas tone their muscles") == []  # a piece across the name's break
    assert idx.find("Tay Lor Swift On Stage Tonight Live") == []  # Title Case: capitals say nothing
    assert [h.person.id for h in idx.find("Tay lor swift")] == [2]  # a capital where a word starts
    assert idx.find("TAY lor swift") == []  # no other capitals
    assert idx.find("Tay lOr swift") == []
    nickname = NameIndex([("Money Mayweather", Person("registry", 1, "Floyd Mayweather"))])
    assert nickname.find("money may weather the storm") == []  # an alias: often everyday words


def test_a_name_surname_first_without_a_comma_needs_two_capitalised_words_on_their_own():
    idx = _index_of(
        [
            *_people(),
            ("Jordan Peterson", [], ""),
            ("Paris Hilton", [], ""),
            ("John Major", [], ""),
            ("Billie Holiday", [], ""),
        ]
    )
    assert found(idx, "Musk Elon dancing") == ["Elon Musk"]
    assert found(idx, "Obama Barack giving a speech. Then rain") == ["Barack Obama"]
    assert found(idx, "musk elon dancing") == []  # lower case
    assert found(idx, "Jordan Michael dunking") == []  # Jordan is someone's first name: a Jordan Michael
    assert found(idx, "Swift Taylor singing") == []  # an ordinary word as the surname: only with the comma
    assert found(idx, "we met Major John at the base") == []
    assert found(idx, "a weekend at the Hilton Paris") == []  # after "the"
    assert found(idx, "Hilton Paris Opera lobby") == []  # beside another capitalised word
    assert found(idx, "Happy Holiday Billie!") == []
    assert found(idx, "Musk Elon On Stage Tonight Live") == []  # Title Case


def test_a_name_surname_first_beside_a_semicolon_is_still_on_its_own():
    """A semicolon no longer ends a sentence for the reader ("Taylor; Swift" is the name), but the
    capitalised word across one is another clause's, not a word beside the name: before a4cea5c
    these named Elon Musk, after it no one (the job was queued)."""
    idx = _index_of(
        [
            *_people(),
            ("Jordan Peterson", [], ""),
            ("Paris Hilton", [], ""),
            ("John Major", [], ""),
            ("Billie Holiday", [], ""),
        ]
    )
    assert found(idx, "a rooftop in Tokyo; Musk Elon dancing") == ["Elon Musk"]
    assert found(idx, "Musk Elon; Tokyo at night behind him") == ["Elon Musk"]
    assert found(idx, "Hilton Paris Opera lobby; rain") == []  # still beside another capitalised word


def test_a_number_without_which_one_word_is_left_is_part_of_the_name():
    idx = NameIndex(
        [("André 3000", Person("registry", 1, "André 3000")), ("Elon Musk", Person("registry", 2, "Elon Musk"))]
    )
    assert [(h.person.id, h.text) for h in idx.find("André 3000 playing the flute")] == [(1, "andre 3000")]
    assert [h.person.id for h in idx.find("andre 3000 on stage")] == [1]
    assert idx.find("André cooking dinner with his kids") == []  # a first name is no one
    assert idx.find("andre and 3000 balloons") == []
    assert [h.person.id for h in idx.find("Elon 2024 Musk")] == [2]  # a number inside a name still no word
    assert [h.person.id for h in idx.find("#Andre3000 on stage")] == [1]  # joined
    titled = NameIndex([("Mr. 360", Person("registry", 3, "AB de Villiers"))])
    assert [h.person.id for h in titled.find("Mr. 360 batting")] == [3]  # "Mr." ends no sentence


@pytest.mark.parametrize(
    ("prompt", "who"),
    [
        ("cuidados com a pele no inverno", []),  # Portuguese: skin care in winter
        ("uma mão segurando uma flor", []),  # a hand holding a flower
        ("uma mao segurando uma flor", []),  # typed without its accent
        ("c'est trop cher pour moi", []),  # French: too dear for me
        ("evita el sol al mediodía", []),  # Spanish: avoid the sun at noon
        ("Pelé dancing", ["Pelé"]),  # written as a name: its accent, a capital
        ("pelé fazendo um gol", ["Pelé"]),
        ("a video of Pele juggling", ["Pelé"]),
        ("p3l3 dancing", ["Pelé"]),
        ("Cher singing on stage", ["Cher"]),
        ("Mao in a field", ["Mao Zedong"]),
        ("lula grelhada com arroz", ["Lula da Silva"]),  # a head of state: refused in lower case too
        ("c'est trop cher! 21 euros", []),  # the digits view (21 Savage) reads "cher" without its "!"
        ("#cher at the gala", ["Cher"]),  # a hashtag, a handle, camelCase: written as a name
        ("@cher singing", ["Cher"]),
        ("cherSinging live", ["Cher"]),
    ],
)
def test_an_everyday_word_of_another_language_is_that_word_in_lower_case(prompt, who):
    people = [
        ("Pelé", [], ""),
        ("Cher", [], ""),
        ("Mao Zedong", ["Mao"], ""),
        ("Lula da Silva", ["Lula"], ""),
        ("21 Savage", [], ""),
    ]
    assert found(NameIndex(_entries(people)), prompt) == who


def test_a_joined_word_of_ordinary_letters_needs_a_sign_it_was_joined():
    idx = NameIndex([("Kim Chi", Person("registry", 1, "Kim Chi"))])
    assert idx.find("kimchi") == []
    assert [h.how for h in idx.find("#kimchi")] == ["joined"]
    assert [h.how for h in idx.find("KimChi")] == ["joined"]


def test_the_registry_wins_and_each_hit_says_how():
    idx = NameIndex(
        [
            ("Taylor Swift", Person("cameo", 7, "Taylor Swift")),
            ("Taylor Swift", Person("registry", 1, "Taylor Swift")),
            ("Tay Tay", Person("registry", 1, "Taylor Swift")),
        ]
    )
    assert len(idx) == 2
    hits = idx.find("T@yl0r $w1ft and Tay Tay")
    assert [(h.person.kind, h.how, h.text) for h in hits] == [
        ("registry", "leet", "taylor swift"),
        ("registry", "alias", "tay tay"),
    ]


def test_names_with_digits_match_as_written():
    idx = NameIndex([("Person Number7 Surname9", Person("registry", 1, "x")), ("CR7", Person("registry", 2, "CR7"))])
    assert [h.person.id for h in idx.find("person number7 surname9 with CR7")] == [1, 2]
    assert idx.find("person number8 surname9") == []


def test_find_is_fast_and_does_not_loop_over_the_names():
    """50k names: a 25-word prompt well under a millisecond once its words were seen (the gate's
    budget is 5 ms at p99 for the whole decision). Loose bounds: CI machines are shared."""
    firsts = [f"{a}{b}{c}" for a in "bcdfgklmnprstvz" for b in "aeiou" for c in ("ra", "lo", "nie", "vek")]
    lasts = [f"{a}{b}{c}{d}" for a in "bdgkmprst" for b in "aeiou" for c in "lnrst" for d in ("ova", "ing", "as")]
    names = [f"{firsts[i % len(firsts)]} {lasts[i // len(firsts)]}" for i in range(50_000)]
    t = time.perf_counter()
    idx = NameIndex([*_entries(_people()), *((n, Person("registry", -i, n)) for i, n in enumerate(names))])
    assert time.perf_counter() - t < 30
    assert len(idx) > 50_000
    prompt = canonical(
        "a young woman in a red dress dancing on the beach at sunset with her golden retriever while "
        "T@yl0r $w1ft plays guitar, cinematic photorealistic 4k"
    )
    assert found(idx, prompt) == ["Taylor Swift"]
    times = []
    for _ in range(30):
        t = time.perf_counter()
        idx.find(prompt)
        times.append(time.perf_counter() - t)
    assert statistics.median(times) < 0.005
