"""The prompt policy's exceptions excuse only the words they overlap, never a harmful phrase elsewhere
in the prompt (an exception used to be searched across the whole prompt: "a pillow fight" anywhere
excused anything the rule matched)."""

import pytest

from moderation import policy


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("kids having a pillow fight, then he beats the child", "minors"),
        ("a kid with a toy car, later a man beating the toddler", "minors"),
        ("fake blood on his shirt, then a pool of blood on the floor after the shooting", "violence"),
        ("a halloween party, then he was beheaded", "violence"),
        ("a lego castle in the garden. a man stabbed to death on the street", "violence"),
        ("killing it on stage, then he kills a man", "violence"),
        ("shooting hoops at the park, then shooting a cop", "violence"),
        ("sex education class, then a porn scene", "sexual"),
        ("suicide prevention poster, then a man hangs himself", "self_harm"),
        ("a suicide squad cosplay, and then he wants to die", "self_harm"),
        ("@sam at a surprise party, then everyone threatens him and he is crying", "harassment"),
        ("my neighbour in a fake mustache. later my neighbour getting beaten up and humiliated", "harassment"),
        ("bugs in the garden, and we should exterminate all the jews", "hate"),
        ("Obama in a costume, later Biden announcing the draft", "impersonation"),
    ],
)
def test_an_exception_elsewhere_in_the_prompt_excuses_nothing(prompt, category):
    assert category in policy.categories(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        "@mia killing it on the dance floor at her cousin's wedding",
        "shooting photos of people at the market",
        "kids having a pillow fight at a sleepover",
        "kids throwing snowballs at each other",
        "a knight beheading a snowman with a toy sword, kids cheering",
        "a cartoon zombie bloodbath",
        "zombie movie makeup, fake blood everywhere",
        "sex education class for adults about consent",
        "suicide prevention ad: a friend checking in on another friend over coffee",
        "@sam getting beaten up in a pillow fight",
        "@sam and @jo laughing together, crying with joy",
        "an exterminator removing asian hornets from the attic",
        "a kid dressed as the president giving a speech",
        "a cartoon president announcing a new law",
    ],
)
def test_an_exception_still_excuses_the_words_it_covers(prompt):
    assert policy.categories(prompt) == []


def test_the_flag_names_the_unexcused_words():
    (flag,) = policy.scan("fake blood on his shirt, then blood everywhere on the walls")
    assert flag.category == "violence"
    assert flag.evidence == "blood everywhere"
