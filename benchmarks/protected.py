"""Protected people against a model that knows them: recall and false refusals, pass by pass.

    .venv/bin/python benchmarks/protected.py            # ~10 min on 2 cores (renders every prompt that passes)
    .venv/bin/python benchmarks/protected.py --limit 40  # a quick look

On tests/data/names_adversarial.jsonl (prompts that name or describe registry people, by category)
and tests/data/names_benign.jsonl (ordinary words that are also names), the held-out
names_*_heldout.jsonl (descriptions and definite roles written after the matchers, by a writer who
had seen neither them nor the other sets) and the blind names_*_blind.jsonl (written later still, by
another writer who saw none of them, before the model that tells someone from anyone was fitted) and
names_*_blind2.jsonl (written by a third writer after its threshold was chosen) and
names_*_blind3.jsonl (written by a fourth writer, who saw none of the other sets nor the registry's
known_for phrases, after those phrases and their threshold were chosen) and names_*_blind4.jsonl
(written by a fifth writer likewise, after the rule that a phrase naming something needs the prompt
to say it was chosen: the only sets no choice was made on), in a fresh SQLite database
with the shipped starter registry (migrations) where every person the adversarial set targets gets a
face: a GAN face of nobody (tests/gan_faces.py) stands in for their real photo. Three passes:

- fast: the request path (`canonical` + `consent.check(stage="submit")`: mentions, names whatever the
  spelling);
- worker: `consent.check(stage="start", semantic=True)`: adds descriptions by meaning (MiniLM);
- output: the prompt rendered by the stand-in for a model that knows people (tests/knows_people.py:
  draws the registry face of whoever it thinks the prompt means), encoded to H.264, and the output
  scan (`moderation.scan.check_output`) on the file.

A prompt counts as refused by the first pass that refuses it; "full" is all three.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import ROOT, pct, setup_django

WORK = Path(tempfile.mkdtemp(prefix="castfeed-protected-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'db.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DJANGO_DEBUG", "1")
for name in ("CELERY_BROKER_URL", "REDIS_URL"):
    os.environ.pop(name, None)


def load(name: str) -> list[dict]:
    with (ROOT / "tests" / "data" / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def apart(name: str, mark: str) -> list[dict]:
    """A held-out or blind set's rows, their category marked (they are reported apart)."""
    return [{**row, "category": f"{row['category']} ({mark})"} for row in load(name)]


def setup_registry(targets: set[str]) -> int:
    import cv2

    from moderation import registry
    from moderation.models import ProtectedPerson
    from moderation.registry import name_key
    from tests import gan_faces

    people = {p.name_key: p for p in ProtectedPerson.objects.all()}
    wanted = []
    for target in sorted(targets):
        person = people.get(name_key(target))
        if person is None:
            raise SystemExit(f"{target!r} is not in the starter registry")
        wanted.append(person)
    for person, face in zip(wanted, gan_faces.faces(len(wanted)), strict=True):
        ok, data = cv2.imencode(".jpg", face, [cv2.IMWRITE_JPEG_QUALITY, 95])
        if not ok:
            raise SystemExit("could not encode a GAN face")
        registry.face_add(person=person, data=data.tobytes(), source=f"gan-face-of-nobody-for-{person.pk}.jpg")
    return len(wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="at most this many prompts of each set")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each rendered clip")
    parser.add_argument("--category", action="append", default=[], help="only prompts of this category (repeatable)")
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = str(WORK / "media")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated (with the starter registry) in {time.perf_counter() - started:.0f} s")

    from accounts.models import User
    from core.text import MixedScript, canonical
    from generation.backends.base import RenderRequest
    from generation.media.encode import encode_mp4
    from moderation import consent, scan
    from moderation.models import ProtectedPerson
    from tests.knows_people import KnowsPeopleBackend

    adversarial = (
        load("names_adversarial.jsonl")
        + apart("names_adversarial_heldout.jsonl", "held out")
        + apart("names_adversarial_blind.jsonl", "blind")
        + apart("names_adversarial_blind2.jsonl", "blind 2")
        + apart("names_adversarial_blind3.jsonl", "blind 3")
        + apart("names_adversarial_blind4.jsonl", "blind 4")
    )
    benign = (
        load("names_benign.jsonl")
        + apart("names_benign_heldout.jsonl", "held out")
        + apart("names_benign_blind.jsonl", "blind")
        + apart("names_benign_blind2.jsonl", "blind 2")
        + apart("names_benign_blind3.jsonl", "blind 3")
        + apart("names_benign_blind4.jsonl", "blind 4")
    )
    if args.category:
        adversarial = [row for row in adversarial if row["category"] in args.category]
        benign = [row for row in benign if row["category"] in args.category]
    if args.limit:
        adversarial, benign = adversarial[: args.limit], benign[: args.limit]
    started = time.perf_counter()
    faces = setup_registry({row["person"] for row in adversarial})
    print(
        f"registry: {ProtectedPerson.objects.count():,} people, {faces} with a face, "
        f"set up in {time.perf_counter() - started:.0f} s"
    )
    author = User.objects.create_user(handle="bench.author", password="x" * 12)
    model = KnowsPeopleBackend.from_registry()
    consent.check(author, "warming up MiniLM", stage="start", semantic=True, record=False)

    timings: dict[str, list[float]] = collections.defaultdict(list)

    def verdict(prompt: str) -> str:
        """The first pass that refuses the prompt: fast, worker, output; or "allowed"."""
        t = time.perf_counter()
        try:
            text = canonical(prompt)
        except MixedScript:
            return "fast"
        fast = consent.check(author, text, stage="submit", record=False)
        timings["fast"].append((time.perf_counter() - t) * 1000)
        if not fast.allowed:
            return "fast"
        t = time.perf_counter()
        worker = consent.check(author, text, stage="start", semantic=True, record=False)
        timings["worker"].append((time.perf_counter() - t) * 1000)
        if not worker.allowed:
            return "worker"
        t = time.perf_counter()
        request = RenderRequest(
            prompt=text, cameos=[], image=None, duration_s=args.seconds, width=256, height=448, fps=8, seed=1
        )
        path = WORK / "clip.mp4"
        encode_mp4(model.render(request, lambda fraction: None), path, fps=request.fps)
        output, _ = scan.check_output(author, text, path)
        timings["output"].append((time.perf_counter() - t) * 1000)
        return "allowed" if output.allowed else "output"

    results: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    wrong: list[str] = []
    for kind, rows in (("adversarial", adversarial), ("benign", benign)):
        for i, row in enumerate(rows, 1):
            outcome = verdict(row["prompt"])
            results[(kind, row["category"])][outcome] += 1
            if (outcome == "allowed") == (kind == "adversarial"):
                wrong.append(f"  {kind} {row['category']}: {row['prompt']!r} → {outcome}")
            if i % 50 == 0:
                print(f"  {kind}: {i}/{len(rows)}", flush=True)

    def table(kind: str) -> None:
        label = "recall" if kind == "adversarial" else "refused (false refusals)"
        print(f"\n{kind}: {label} by category")
        print("| category | prompts | fast pass | + worker (meaning) | + output scan (full) |")
        print("|---|---|---|---|---|")
        totals: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for (k, category), counts in sorted(results.items()):
            if k != kind:
                continue
            totals["all"] += counts
            mark = category.rpartition("(")[2].rstrip(")") if category.endswith(")") else "development sets"
            totals[mark] += counts
            line(category, counts)
        for label in ("development sets", "held out", "blind", "blind 2", "blind 3", "blind 4", "all"):
            if totals[label]:
                line(f"**{label}**", totals[label])

    def line(label: str, counts: collections.Counter[str]) -> None:
        n = sum(counts.values())
        fast, worker, output = counts["fast"], counts["fast"] + counts["worker"], n - counts["allowed"]
        print(f"| {label} | {n} | {fast / n:.3f} | {worker / n:.3f} | {output / n:.3f} |")

    table("adversarial")
    table("benign")
    print("\nmissed (adversarial allowed) and false refusals (benign refused):")
    print("\n".join(wrong) or "  none")
    print("\ntime each pass adds, per prompt that reaches it")
    print("| pass | prompts | p50 | p99 |")
    print("|---|---|---|---|")
    for name in ("fast", "worker", "output"):
        samples = timings[name]
        print(f"| {name} | {len(samples)} | {statistics.median(samples):.1f} ms | {pct(samples, 0.99):.1f} ms |")


if __name__ == "__main__":
    main()
