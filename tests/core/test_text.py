"""One canonical prompt: the spelling tricks that would show the model a name the checks did not see."""

import pytest

from core.text import MixedScript, canonical, display, fold, skeleton

ZWSP, ZWJ, ZWNJ, SOFT_HYPHEN, RLO, VS16, BOM = "\u200b", "\u200d", "\u200c", "\u00ad", "\u202e", "\ufe0f", "\ufeff"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("\u0422aylor Swift on stage", "Taylor Swift on stage"),  # Cyrillic capital Т
        ("Ob\u0430ma giving a speech", "Obama giving a speech"),  # Cyrillic а
        ("Taylor Sw\u0456ft", "Taylor Swift"),  # Ukrainian і
        ("H\u03bfllywood sign", "Hollywood sign"),  # Greek ο
        ("\u0399BM office", "IBM office"),  # Greek capital iota reads as I (its prototype is l)
        ("a k\u0456ll streak", "a kill streak"),
        ("S\u043d\u0435 sings", "She sings"),  # Cyrillic small-capital н and е
        ("B\u0451yonce dancing", "Bëyonce dancing"),  # ё: the accent stays on its Latin look-alike
        ("@\u0430na surfing", "@ana surfing"),
    ],
)
def test_a_look_alike_letter_inside_a_latin_word_is_written_in_latin(written, stored):
    assert canonical(written) == stored


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        (f"Tay{ZWSP}lor Swift", "Taylor Swift"),
        (f"Tay{ZWJ}lor Sw{ZWNJ}ift", "Taylor Swift"),
        (f"Tay{SOFT_HYPHEN}lor", "Taylor"),
        (f"{RLO}tfiws rolyat", "taylor swift"),  # a right-to-left override: stored as it is shown
        (f"O{VS16}bama", "Obama"),
        (f"{BOM}Obama", "Obama"),
        ("Oba\u034fma", "Obama"),  # combining grapheme joiner
        (f"  two {ZWSP} spaces\tand\nlines  ", "two spaces and lines"),
    ],
)
def test_invisible_characters_are_removed_and_spaces_collapsed(written, stored):
    assert canonical(written) == stored


PDF, LRO, RLE, RLI, PDI = "\u202c", "\u202d", "\u202b", "\u2067", "\u2069"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        (f"with {RLO}amabO kcaraB{PDF} surfing", "with Barack Obama surfing"),  # the span only
        (f"{RLO}amabO{PDF} and {RLO}tfiwS{PDF}", "Obama and Swift"),
        (f"{RLO}(amabO){PDF}", "(Obama)"),  # brackets are drawn mirrored
        (f"{RLO}{LRO}Barack Obama{PDF}{PDF}", "Barack Obama"),  # an override inside: shown as written
        (f"{RLO}{RLE}Barack{PDF} gniws{PDF}", "swing Barack"),  # inner spans are blocks
        (f"{RLI}{RLO}amabO{PDI} kcaraB", "Obama kcaraB"),  # PDI closes the override inside its isolate
        (f"{RLO}amabO\nkcaraB", "Obama kcaraB"),  # a paragraph's end closes it
        (f"{RLO}\u05e9\u05dc\u05d5\u05dd dlrow{PDF}", "world \u05e9\u05dc\u05d5\u05dd"),  # Hebrew: as written
    ],
)
def test_text_behind_a_right_to_left_override_is_stored_as_it_is_shown(written, stored):
    assert canonical(written) == stored


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("\uff20ana surfing", "@ana surfing"),  # full-width ＠
        ("\uff34\uff41\uff59\uff4c\uff4f\uff52", "Taylor"),  # full-width letters
        ("\U0001d401\U0001d422\U0001d41d\U0001d41e\U0001d427 speech", "Biden speech"),  # mathematical bold
        ("\u2460 ﬁre", "1 fire"),  # compatibility forms read as what they show
    ],
)
def test_compatibility_forms_become_plain_characters(written, stored):
    assert canonical(written) == stored


def test_a_look_alike_word_in_another_alphabet_among_latin_words_is_written_in_latin():
    assert canonical("a cat \u0455\u0435\u0445 tape") == "a cat sex tape"  # Cyrillic ѕех
    assert canonical("speech by \u041e\u0412\u0410\u041c\u0410") == "speech by OBAMA"
    assert canonical("speech by \u041e\u0392\u0410\u039c\u0410") == "speech by OBAMA"  # Cyrillic and Greek


@pytest.mark.parametrize(
    "prompt",
    [
        "Кошка на пляже",
        "Γάτα στην παραλία",
        "猫がビーチで遊んでいる",
        "東京タワーでTokyoの夜景",  # Latin with Han, Hiragana and Katakana: ordinary Japanese
        "台北101的ㄅㄆㄇ",
        "서울 Seoul에서 춤추는 고양이",  # Latin with Hangul
        "ѕех",  # a whole prompt in one alphabet is left alone (fold reads it as "sex")
        "a cat saying мяу",  # a real word with letters that have no Latin twin
        "emoji 🏄‍ and digits 2024 are fine",
    ],
)
def test_text_in_one_alphabet_or_an_ordinary_mix_stays_as_written(prompt):
    expected = " ".join(prompt.replace("\u200d", "").split())
    assert canonical(prompt) == expected


@pytest.mark.parametrize(
    ("prompt", "word"),
    [
        ("Swi\u0444t on stage", "Swi\u0444t"),  # Cyrillic ф
        ("a Taylor \u0434og", "\u0434og"),  # Cyrillic д
        ("k\u03bbll it", "k\u03bbll"),  # Greek λ
    ],
)
def test_a_mixed_word_with_a_letter_that_looks_like_no_latin_letter_is_refused(prompt, word):
    with pytest.raises(MixedScript) as raised:
        canonical(prompt)
    assert raised.value.word == word
    assert raised.value.message == f"The word “{word}” mixes letters of different alphabets; write it in one."
    assert canonical(prompt, strict=False) == prompt  # the lenient form (for reading mentions) leaves it


@pytest.mark.parametrize(
    "prompt",
    [
        "\u0422aylor Sw\u0456ft",
        f"Tay{ZWSP}lor \uff20ana",
        "a cat \u0455\u0435\u0445 tape",
        "Кошка на пляже",
        "\u03c5 @0\u0395",  # a Greek word next to a handle that becomes Latin
    ],
)
def test_canonical_text_is_its_own_canonical_form(prompt):
    once = canonical(prompt)
    assert canonical(once) == once


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zoë O’Brien", "zoe o’brien"),  # accents go, punctuation stays
        ("Straße", "strasse"),
        ("k\u0456ll him", "kill him"),  # Cyrillic і
        ("\u043a\u0456ll", "kill"),  # Cyrillic small к is a small capital K
        ("K\u0399LL", "kill"),  # Greek capital iota
        ("\u0455\u0435\u0445", "sex"),  # a whole word in Cyrillic
        ("\u0422\u0430\u0443l\u043er Sw\u0456ft", "taylor swift"),
        ("TAYLOR\u200bSWIFT", "taylorswift"),
        ("\uff34\uff41\uff59\uff4c\uff4f\uff52", "taylor"),
        ("m1ke k1ll 0bama", "m1ke k1ll 0bama"),  # ASCII is never mapped: leetspeak is another check's
        ("rn", "rn"),
        ("\u1d0d\u1d00\u0280\u026a\ua731\u1d0f\u029f", "marisol"),  # small capitals: ᴍᴀʀɪꜱᴏʟ
        ("\u0187her \u0271odi \u024buen", "cher modi quen"),  # letters with a hook: Ƈ, ɱ, ɋ
    ],
)
def test_fold_is_the_form_checks_match(text, folded):
    assert fold(text) == folded


def test_fold_keeps_spacing_and_punctuation_for_callers_that_split_words():
    assert fold("Hello,  W\u043erld!\n@Ana") == "hello,  world!\n@ana"


def test_skeletons_of_look_alike_handles_are_equal():
    assert skeleton("rn") == skeleton("m")
    assert skeleton("l") == skeleton("1") == skeleton("I") == skeleton("|")
    assert skeleton("rnike") == skeleton("mike")
    assert skeleton("bi11") == skeleton("bill")
    assert skeleton("b0b") == skeleton("bob")
    assert skeleton("\u0430na") == skeleton("ana")  # Cyrillic а
    assert skeleton("ana") != skeleton("anna")
    assert skeleton("mike") != skeleton("mlke")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("❤️ 👨‍👩‍👧 1️⃣ 🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️ 👨‍👩‍👧 1️⃣ 🏴󠁧󠁢󠁳󠁣󠁴󠁿"),  # colour form, a family, a keycap, Scotland's flag
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian: the non-joiner is part of the spelling
        ("ага lol", "ага lol"),  # a Russian word among English ones stays Russian
        ("ｆｕｌｌ width", "ｆｕｌｌ width"),  # not compatibility-folded
        ("e\u0301 caf\u00e9", "\u00e9 caf\u00e9"),  # NFC
        ("  a\n\tb  ", "a b"),
        ("\u202eevil\u202c \u2066x\u2069", "evil x"),  # bidi overrides and isolates go
        ("a\u0000b\u00adc\u2800d\u3164e", "abc\u2800de"),  # controls, soft hyphen, Hangul filler go
    ],
)
def test_display_keeps_what_draws_text_and_drops_what_hides_it(written, shown):
    assert display(written) == shown
