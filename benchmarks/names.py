"""Protected names in prompts: the fast pass (moderation.names alone) against spelling tricks, at
production size.

    .venv/bin/python benchmarks/names.py [--scale 150000] [--seed 7]

The index holds the people of tests/data/names_people.csv (name and aliases, as the registry would)
plus `--scale` synthetic people: a first name and a surname (some with a middle name or a second
surname) drawn from Faker's first- and last-name lists of its Latin-script locales, so the index has
production's size and its collisions (Maria, Jordan, Lee...). A name part that is an ordinary English
word (moderation.names._ORDINARY: "Rose", "Young", "King") is left out, as a registry of real people
would have few of those, and the real people's own names are never drawn.

Each prompt of tests/data/names_adversarial.jsonl and names_benign.jsonl goes through
core.text.canonical (as on submit) and NameIndex.find, and so do its plain readings
(moderation.names.plain_readings: upside-down text, letters drawn out..., as the consent gate reads
them; not the gate's romanised reading, which needs Django). Reported:
  - recall per category of the adversarial set: the prompt's person is among the hits. The
    `description` prompts name nobody: they are for the meaning match in the worker, and only
    listed as "needs the meaning match" (with any name the fast pass found in them anyway);
  - false refusals per category of the benign set: any hit at all (a synthetic person too);
  - find's latency per prompt, p50 and p99 (each prompt's fastest of --repeat runs, so that a busy
    machine's scheduler is not measured): cold (the per-word cache cleared before every run: every
    word looked up for the first time) and warm (the cache filled, as in a running process); and,
    warm, what the plain readings add (plain_readings and a find of each);
  - the time to build the index and the memory it keeps (tracemalloc, a second build).
"""

from __future__ import annotations

import argparse
import csv
import gc
import glob
import importlib
import json
import os
import random
import statistics
import time
import tracemalloc
from collections import Counter

from _common import ROOT

DATA = ROOT / "tests" / "data"


def registry() -> list[tuple[str, list[str], str]]:
    with (DATA / "names_people.csv").open(newline="", encoding="utf-8") as f:
        return [(r["name"], [a for a in r["aliases"].split("|") if a], r["description"]) for r in csv.DictReader(f)]


def name_lists() -> tuple[list[str], list[str]]:
    """First names and surnames of Faker's Latin-script locales, as written (accents kept)."""
    import faker

    from core.text import fold
    from moderation.names.words import _ORDINARY

    first: set[str] = set()
    last: set[str] = set()
    for folder in sorted(glob.glob(os.path.join(os.path.dirname(faker.__file__), "providers", "person", "*", ""))):
        locale = os.path.basename(os.path.dirname(folder))
        if locale.startswith("_"):
            continue
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr, into in (
            ("first_names", first),
            ("first_names_male", first),
            ("first_names_female", first),
            ("last_names", last),
        ):
            values = provider.__dict__.get(attr)
            if isinstance(values, dict):
                values = list(values)
            if isinstance(values, (list, tuple)):
                into.update(v for v in values if isinstance(v, str))

    def usable(name: str) -> bool:
        plain = fold(name)
        return plain.isascii() and plain.isalpha() and len(plain) >= 2 and plain not in _ORDINARY

    return sorted(n for n in first if usable(n)), sorted(n for n in last if usable(n))


def synthetic(n: int, seed: int, taken: set[str]) -> list[str]:
    from moderation.names import normalise

    firsts, lasts = name_lists()
    rng = random.Random(seed)
    out: list[str] = []
    seen = set(taken)
    while len(out) < n:
        roll = rng.random()
        if roll < 0.08:  # a middle name
            name = f"{rng.choice(firsts)} {rng.choice(firsts)} {rng.choice(lasts)}"
        elif roll < 0.13:  # two surnames
            name = f"{rng.choice(firsts)} {rng.choice(lasts)} {rng.choice(lasts)}"
        else:
            name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
        key = normalise(name)
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def entries(people: list[tuple[str, list[str], str]], extra: list[str]) -> list:  # type: ignore[type-arg]
    from moderation.names import Person

    out = []
    for i, (name, aliases, _) in enumerate(people):
        person = Person("registry", i, name)
        out.append((name, person))
        out.extend((alias, person) for alias in aliases)
    out.extend((name, Person("registry", len(people) + i, name)) for i, name in enumerate(extra))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timings(index, prompts: list[str], repeat: int, *, cold: bool) -> list[float]:  # type: ignore[no-untyped-def]
    """Milliseconds per prompt, the fastest of `repeat` runs: on a shared machine a single run also
    measures the scheduler (a lost time slice is ~10 ms)."""
    out = []
    for prompt in prompts:
        best = float("inf")
        for _ in range(repeat):
            if cold:
                index._near_cache.clear()
            t = time.perf_counter()
            index.find(prompt)
            best = min(best, time.perf_counter() - t)
        out.append(best * 1000)
    return out


def read(index, prompt: str, plain_readings) -> list:  # type: ignore[no-untyped-def,type-arg]
    """The hits of a canonical prompt and of its plain readings, each person once (as the gate reads)."""
    hits = index.find(prompt)
    people = {h.person for h in hits}
    for reading in plain_readings(prompt):
        more = [h for h in index.find(reading) if h.person not in people]
        people.update(h.person for h in more)
        hits += more
    return hits


def plain_timings(index, prompts: list[str], repeat: int, plain_readings) -> list[float]:  # type: ignore[no-untyped-def]
    """Milliseconds per prompt the plain readings add (the fastest of `repeat` runs)."""
    out = []
    for prompt in prompts:
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            for reading in plain_readings(prompt):
                index.find(reading)
            best = min(best, time.perf_counter() - t)
        out.append(best * 1000)
    return out


def score(rows: list[dict], found: list, *, adversarial: bool) -> tuple[Counter[str], Counter[str], list[str]]:  # type: ignore[type-arg]
    """Per category: prompts, and those found (adversarial: its person among the hits) or refused
    (benign: any hit); and the lines worth reading (misses, refusals, descriptions with a hit)."""
    total: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    notes: list[str] = []
    for row, hits in zip(rows, found, strict=True):
        category = row["category"]
        total[category] += 1
        shown = [(h.person.label, h.how, h.text) for h in hits]
        if not adversarial:
            counted[category] += bool(hits)
            if hits:
                notes.append(f"false refusal [{category}] {row['prompt']!r} → {shown}")
        elif any(h.person.label == row["person"] for h in hits):
            counted[category] += 1
        elif category != "description" or hits:
            what = "description hit" if category == "description" else "missed"
            notes.append(f"{what} [{category}] {row['prompt']!r} → {shown}")
    return total, counted, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=150_000, help="synthetic names added to the index")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="runs per prompt; the fastest is kept")
    args = parser.parse_args()

    from core.text import canonical
    from moderation.names import NameIndex, normalise, plain_readings

    people = registry()
    taken = {normalise(n) for n, aliases, _ in people for n in [n, *aliases]}
    extra = synthetic(args.scale, args.seed, taken)
    items = entries(people, extra)

    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    index = NameIndex(items)
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    del index
    gc.collect()
    tracemalloc.start()
    index = NameIndex(items)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    adversarial = [json.loads(line) for line in (DATA / "names_adversarial.jsonl").read_text().splitlines()]
    benign = [json.loads(line) for line in (DATA / "names_benign.jsonl").read_text().splitlines()]
    prompts = [canonical(r["prompt"], strict=False) for r in adversarial + benign]
    cold = timings(index, prompts, args.repeat, cold=True)
    found = [read(index, prompt, plain_readings) for prompt in prompts]
    warm = timings(index, prompts, args.repeat, cold=False)
    readings = plain_timings(index, prompts, args.repeat, plain_readings)
    total, caught, notes = score(adversarial, found[: len(adversarial)], adversarial=True)
    shown, refused, refusals = score(benign, found[len(adversarial) :], adversarial=False)

    print(f"\nNames in the index: {len(index):,} ({len(people)} real people with aliases, {len(extra):,} synthetic)")
    print(
        f"Build: {build_s:.2f} s ({build_cpu:.2f} s of CPU); memory kept {kept / 2**20:.0f} MiB "
        f"(peak while building {peak / 2**20:.0f} MiB)"
    )
    print(
        f"find per prompt ({len(prompts)} prompts, best of {args.repeat}): "
        f"cold p50 {statistics.median(cold):.3f} ms, p99 {percentile(cold, 0.99):.3f} ms, max {max(cold):.2f} ms; "
        f"warm p50 {statistics.median(warm):.3f} ms, p99 {percentile(warm, 0.99):.3f} ms, max {max(warm):.2f} ms"
    )
    print(
        f"plain readings added per prompt (warm): p50 {statistics.median(readings):.3f} ms, "
        f"p99 {percentile(readings, 0.99):.3f} ms, max {max(readings):.2f} ms "
        f"({sum(bool(plain_readings(p)) for p in prompts)} prompts have one)"
    )
    print("(cold: every word of the prompt looked up for the first time; warm: the per-word cache filled)\n")
    print("| set | category | prompts | found (adversarial) / refused (benign) | rate |")
    print("|---|---|---|---|---|")
    for category in sorted(total, key=lambda c: (c == "description", c)):
        n, k = total[category], caught[category]
        label = "needs the meaning match" if category == "description" else f"{k / n:.1%}"
        print(f"| adversarial | {category} | {n} | {k} | {label} |")
    named = [c for c in total if c != "description"]
    n_all, k_all = sum(total[c] for c in named), sum(caught[c] for c in named)
    print(f"| adversarial | **all but description** | {n_all} | {k_all} | **{k_all / n_all:.1%}** |")
    for category in sorted(shown):
        n, k = shown[category], refused[category]
        print(f"| benign | {category} | {n} | {k} | {k / n:.1%} |")
    n_b, k_b = sum(shown.values()), sum(refused.values())
    print(f"| benign | **all** | {n_b} | {k_b} | **{k_b / n_b:.1%}** |")
    for line in notes + refusals:
        print(f"  {line}")


# --- the index of a process: build, overlay and finds during a rebuild (--incremental) -------------


def _find_ms(index, prompts: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for prompt in prompts:
        t = time.perf_counter()
        index.find(prompt)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _renamed(items: list, k: int) -> tuple[list, frozenset]:  # type: ignore[type-arg]
    """An overlay of k registry people of `items`, each renamed (their new names), and who they are."""
    people = list(dict.fromkeys(person for _, person in items if person.kind == "registry"))[:k]
    return [(f"{p.label} Junior", p) for p in people], frozenset((p.kind, p.id) for p in people)


def incremental(args: argparse.Namespace) -> None:
    """(1) a full build at the starter's size and at the gallery database's (~145k names); (2) one
    change applied (the overlay: its rows read, a NameIndex of them) and find() with 0/100/500
    people in the overlay; (3) find() p99 in one thread while another rebuilds the base."""
    import threading

    from _common import pct, setup_django

    setup_django()
    from core.text import canonical
    from moderation import selectors
    from moderation.names import NameIndex

    adversarial = [json.loads(line) for line in (DATA / "names_adversarial.jsonl").read_text().splitlines()]
    benign = [json.loads(line) for line in (DATA / "names_benign.jsonl").read_text().splitlines()]
    prompts = [canonical(r["prompt"], strict=False) for r in adversarial + benign]
    starter = entries(registry(), [])
    t = time.perf_counter()
    big = list(selectors._entries())  # the gallery database's names: SELECTs only
    read_s = time.perf_counter() - t
    rows: list[tuple[str, str, str]] = []

    def runs(label: str, fn, unit: str = "ms") -> None:  # type: ignore[no-untyped-def]
        values = [fn() for _ in range(args.runs)]
        spread = f"{min(values):.2f}–{max(values):.2f}"
        rows.append((label, " / ".join(f"{v:.2f}" for v in values), f"{spread} {unit}"))

    def build_s(items: list) -> float:  # type: ignore[type-arg]
        gc.collect()
        t = time.perf_counter()
        NameIndex(items)
        return time.perf_counter() - t

    runs(f"full build, starter ({len(starter):,} names)", lambda: build_s(starter), "s")
    runs(f"full build, gallery db ({len(big):,} names)", lambda: build_s(big), "s")
    base = NameIndex(big)
    some = list(dict.fromkeys(p.id for _, p in big if p.kind == "registry"))[:1]

    def one_change_ms() -> float:  # what a request pays when the version moved: the rows, the overlay
        t = time.perf_counter()
        overlay = NameIndex(list(selectors._entries(registry=some, owners=[])))
        selectors.CombinedNameIndex(base, overlay, frozenset(("registry", i) for i in some))
        return (time.perf_counter() - t) * 1000

    runs("one change applied (read 1 person, overlay index)", one_change_ms)
    for k in (0, 100, 500):
        renamed, changed = _renamed(big, k)
        combined = selectors.CombinedNameIndex(base, NameIndex(renamed) if k else None, changed)
        _find_ms(combined, prompts)  # the per-word caches filled, as in a running process
        runs(f"find p99, overlay of {k} people", lambda c=combined: pct(_find_ms(c, prompts), 0.99))
    renamed, changed = _renamed(big, 100)
    combined = selectors.CombinedNameIndex(base, NameIndex(renamed), changed)
    _find_ms(combined, prompts)

    def during_rebuild_p99() -> float:
        done = threading.Event()

        def rebuild() -> None:
            NameIndex(big)
            done.set()

        builder = threading.Thread(target=rebuild)
        builder.start()
        samples: list[float] = []
        while not done.is_set():
            samples += _find_ms(combined, prompts[:50])
        builder.join()
        return pct(samples, 0.99)

    runs("find p99 while another thread rebuilds (same process)", during_rebuild_p99)
    print(f"\nGallery database names read in {read_s:.2f} s; {args.runs} runs each (figures in run order)\n")
    print("| figure | runs | spread |")
    print("|---|---|---|")
    for label, values, spread in rows:
        print(f"| {label} | {values} | {spread} |")


if __name__ == "__main__":
    import sys

    if "--incremental" in sys.argv:
        parser = argparse.ArgumentParser(description=incremental.__doc__)
        parser.add_argument("--incremental", action="store_true")
        parser.add_argument("--runs", type=int, default=3)
        incremental(parser.parse_args())
    else:
        main()
