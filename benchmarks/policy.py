"""Prompt policy quality and cost: precision and recall per category on the labelled prompt sets.

    .venv/bin/python benchmarks/policy.py

tests/data/prompts.jsonl is the development set (the patterns and thresholds were chosen on it);
tests/data/prompts_holdout.jsonl was written with it but only ever used to measure. For each set:
the word-and-pattern pass alone (what the request runs) and both passes (what the worker runs).
"""

from __future__ import annotations

import json
import os
import statistics
import time

from _common import ROOT, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")


def evaluate(rows: list[dict], predict) -> tuple[dict[str, tuple[float, float, int]], float, list[float]]:  # type: ignore[no-untyped-def]
    from moderation.policy import CATEGORIES

    counts = {c: [0, 0, 0] for c in CATEGORIES}  # tp, fp, fn
    benign_flagged, times = 0, []
    for row in rows:
        t = time.perf_counter()
        got = set(predict(row["prompt"]))
        times.append((time.perf_counter() - t) * 1000)
        want = set(row["categories"])
        benign_flagged += bool(got) and not want
        for c in CATEGORIES:
            counts[c][0] += c in got and c in want
            counts[c][1] += c in got and c not in want
            counts[c][2] += c not in got and c in want
    out = {}
    for c, (tp, fp, fn) in counts.items():
        out[c] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp + fn)
    benign = sum(not r["categories"] for r in rows)
    return out, benign_flagged / benign, times


# (prompt, restriction, breaks it?) — written by hand, before the threshold was chosen.
RESTRICTION_PAIRS = [
    ("@sam.k doing a keg stand at a frat party", "no drinking", True),
    ("@sam.k chugging beers at a bar", "never drinking alcohol", True),
    ("@sam.k surfing at sunset", "no drinking", False),
    ("@sam.k giving a speech at a campaign rally", "no political content", True),
    ("@sam.k baking cookies", "no political content", False),
    ("@sam.k smoking a cigarette", "no smoking", True),
    ("@sam.k in a swimsuit at the beach", "no swimwear", True),
    ("@sam.k riding a horse", "no animals", True),
    ("@sam.k eating a burger", "I'm vegan, no meat", True),
    ("@sam.k doing shots of tequila", "no drinking", True),
    ("@sam.k walking a dog", "no drinking", False),
    ("@sam.k at a birthday party", "no politics", False),
    ("@sam.k at a birthday party", "no drinking", False),
    ("@sam.k kissing a girl", "no romance", True),
    ("@sam.k playing guitar", "no romance", False),
    ("@sam.k in a suit at the office", "no swimwear", False),
    ("@sam.k eating a salad", "I'm vegan, no meat", False),
    ("@sam.k voting for president", "no politics", True),
    ("@sam.k dancing at a club", "no drinking", False),
    ("@sam.k at a bar", "no drinking", True),
    ("@sam.k at a wedding", "no drinking", False),
    ("@sam.k surfing", "no drinking", False),
]


def restrictions() -> None:
    from moderation import restrictions as rules
    from moderation import semantic

    print("\nrestrictions by meaning (lift over a neutral sentence; RESTRICTION_LIFT 0.02):")
    wrong = 0
    for prompt, restriction, breaks in RESTRICTION_PAIRS:
        lift = semantic.lift(
            semantic.without_mentions(prompt, reading="someone"), [f"someone {rules.subject_of(restriction)}"]
        )
        found = rules.broken(prompt, [restriction], semantic=True)
        wrong += found != breaks
        print(f"  {'ok ' if found == breaks else 'NO '} {lift:+.3f} {prompt!r} vs {restriction!r} (breaks: {breaks})")
    print(f"  {len(RESTRICTION_PAIRS) - wrong}/{len(RESTRICTION_PAIRS)} right")


def main() -> None:
    setup_django()
    from core.sentences import model
    from moderation import policy, semantic

    model()
    semantic.scores("warm up")
    for name in ("prompts.jsonl", "prompts_holdout.jsonl"):
        rows = [json.loads(line) for line in (ROOT / "tests" / "data" / name).read_text().splitlines()]
        print(f"\n{name}: {len(rows)} prompts, {sum(not r['categories'] for r in rows)} benign")
        results = {}
        for label, predict in (
            ("words", policy.categories),
            ("words+meaning", lambda p: policy.categories(p, semantic=True)),
        ):
            results[label] = evaluate(rows, predict)
            _, benign_rate, times = results[label]
            print(
                f"  {label}: benign prompts flagged {benign_rate:.1%}; per prompt p50 "
                f"{statistics.median(times):.2f} ms, max {max(times):.1f} ms"
            )
        print("  | category | n | words: precision / recall | words+meaning: precision / recall |")
        print("  |---|---|---|---|")
        for category in policy.CATEGORIES:
            p1, r1, n = results["words"][0][category]
            p2, r2, _ = results["words+meaning"][0][category]
            print(f"  | {category} | {n} | {p1:.2f} / {r1:.2f} | {p2:.2f} / {r2:.2f} |")
    restrictions()


if __name__ == "__main__":
    main()
