"""Search benchmark: GET /api/v1/search for people, videos and cameos, served by gunicorn behind nginx
under open-loop load (benchmarks/openloop.py), quiet and with a Celery worker busy rendering on the same
machine, on the million-video data set of benchmarks/feed.py (figures in BENCHMARKS.md, "Discovery:
search at a million videos").

    eval "$(.ci/services.sh start)"              # PostgreSQL + Redis on loopback
    apt-get install nginx-light                  # the proxy gunicorn's sync workers run behind
    DJANGO_DEBUG=1 .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/search.py --seed # seed if the database has no videos yet, then measure
    .venv/bin/python benchmarks/search.py        # measure again on the same data

The seed (feed/seed.py) gives every video a caption and a prompt drawn from a bounded vocabulary of
topics × subjects × settings (feed.seed.caption_and_prompt). It makes no cameos: when the database has
none, this script adds --cameos of them (popular and unknown people alike, mixed audiences) so that
type=cameos has something to find; it says so.

Queries, each request a random one with a random viewer's token:
- people: prefixes (2–6 letters) of real handles and display names, and one-typo versions of them;
- videos: 1–3 words of one seeded caption or prompt (so they occur together somewhere);
- cameos: prefixes (2–6 letters) of the handles of people whose cameo others may use or ask for;
- videos, page 2: the same video queries opened at the cursor of their first page.
Each type at --rate requests a second (open-loop: latency from the scheduled send time, an answer later
than 2 s a failure), --runs runs quiet and --runs runs with a busy worker: p50, p90, p99 and the spread
of the runs; target p99 <= 30 ms per type. Before the load, one sequential pass over the queries says
how many find anything. A markdown table is printed and the figures written to var/bench-search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from _common import (
    BASE,
    ROOT,
    SERVED_ENV,
    SHOW_HEADER,
    add_busy_nice_option,
    busy_worker,
    openloop,
    request_lines,
    seed,
    settle,
    setup_django,
    show,
    spread,
    start_gunicorn,
    start_nginx,
    stop_served,
    viewers,
)

os.environ.update(SERVED_ENV)

setup_django()

from django.db import connection

from accounts.models import User
from cameos.models import Audience, Cameo
from feed.seed import caption_and_prompt
from feed.selectors import videos_search
from feed.services import fold_video_words

TARGET_P99_MS = 30.0
# Search has its own throttle scope (120/minute a person); like the feed benchmark's, it never refuses here.
RATES = {"CASTFEED_CORE_THROTTLE_RATES": json.dumps({"default": "100000/minute", "search": "100000/minute"})}
_STOP = {"a", "at", "in", "of", "on", "the", "to", "with", "video", "from"}


def ensure_cameos(count: int, rng: random.Random) -> int:
    """Cameos for `count` random people when there are none (the seed makes none); their number."""
    if Cameo.objects.exists():
        return Cameo.objects.count()
    ids = list(User.objects.values_list("id", flat=True))
    owners = rng.sample(ids, min(count, len(ids)))
    audiences = [Audience.EVERYONE] * 4 + [Audience.APPROVED] * 3 + [Audience.MUTUALS] * 2 + [Audience.ONLY_ME]
    Cameo.objects.bulk_create([Cameo(owner_id=uid, audience=rng.choice(audiences)) for uid in owners], batch_size=2000)
    print(f"the seed made no cameos: added {len(owners)} (40% everyone, 30% approved, 20% mutuals, 10% only_me)")
    return len(owners)


def _prefix(rng: random.Random, text: str) -> str:
    return text[: rng.randint(2, min(6, max(2, len(text))))]


def _typo(rng: random.Random, text: str) -> str:
    """One edit (a letter changed, dropped, doubled or swapped with the next) after the first two."""
    if len(text) < 4:
        return text
    i = rng.randrange(2, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def people_queries(rng: random.Random, count: int) -> list[str]:
    people = list(User.objects.order_by("?").values_list("handle", "display_name")[: count // 2])
    out = []
    for handle, name in people:
        out.append(_prefix(rng, rng.choice([handle, name.lower(), name.split()[-1].lower()])))
        whole = rng.choice([handle.rstrip("0123456789"), name.lower(), name.split()[-1].lower()])
        out.append(_typo(rng, whole))
    return out


def video_queries(rng: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        caption, prompt, _topic = caption_and_prompt(rng.randrange(10**6))
        text = rng.choice([caption, prompt]).replace(",", " ").replace("#", " ")
        words = list(dict.fromkeys(w for w in text.split() if w not in _STOP))
        out.append(" ".join(rng.sample(words, min(len(words), rng.choice([1, 1, 2, 2, 3])))))
    return out


def cameo_queries(rng: random.Random, count: int) -> list[str]:
    handles = list(
        Cameo.objects.exclude(audience=Audience.ONLY_ME).order_by("?").values_list("owner__handle", flat=True)[:count]
    )
    return [_prefix(rng, h) for h in handles]


def path(kind: str, q: str, cursor: str | None = None) -> str:
    params = {"type": kind, "q": q, **({"cursor": cursor} if cursor else {})}
    return "/api/v1/search?" + urllib.parse.urlencode(params)


def found(pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """One request after another, each (token, path) with its token: the share of queries that find
    anything, and the mean results."""
    hits, total = 0, 0
    for token, p in pairs:
        request = urllib.request.Request(BASE + p, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our loopback server
            results = json.load(response)["results"]
        hits += bool(results)
        total += len(results)
    return hits / len(pairs), total / len(pairs)


def prepare(args: argparse.Namespace, rng: random.Random) -> tuple[str, str]:
    """The data set there (seeded with --seed when missing, cameos added when none): machine, data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM feed_video)")
        seeded = cursor.fetchone()[0]
    if not seeded:
        if not args.seed:
            raise SystemExit("no videos: run with --seed (or benchmarks/feed.py --seed) first")
        seed()
    n_cameos = ensure_cameos(args.cameos, rng)
    # Celery beat folds the words of newly published videos into their counts every minute; the
    # benchmark runs no beat, and a seed's words are all still changes (RUM's read of a phrase is
    # costed from those counts: without them, phrases of common words took 36-66 ms instead of <20).
    folded = fold_video_words()
    if folded:
        print(f"folded {folded} changes of video words into their counts, as Celery beat does")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM feed_video "
            "WHERE status = 'published'), (SELECT count(DISTINCT caption) FROM feed_video)"
        )
        n_users, n_videos, n_captions = cursor.fetchone()
    data = (
        f"{n_users} users, {n_videos} published videos ({n_captions} distinct captions), {n_cameos} cameos "
        f"({Cameo.objects.exclude(audience=Audience.ONLY_ME).count()} usable or requestable by others)"
    )
    machine = f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores"
    return machine, data


def popular_on_page_one(viewer: User, top: int = 40) -> tuple[int, int]:
    """Of the `top` most followed people, queried by their first name, its first three letters and
    their handle's first four letters: how many queries show them on page 1 (of how many)."""
    from accounts.models import FollowerCount
    from accounts.selectors import people_search

    rows = FollowerCount.objects.filter(user__is_active=True).order_by("-followers", "user_id")
    queries = set()
    for handle, name in rows.values_list("user__handle", "user__display_name")[:top]:
        first = name.split()[0].lower() if name.split() else handle
        queries |= {(q, handle) for q in (first, first[:3], handle[:4])}
    shown = sum(
        handle in {u.handle for u in people_search(q, viewer, cursor=None, limit=20).items} for q, handle in queries
    )
    return shown, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", action="store_true", help="seed the million-video data set if it is missing")
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--queries", type=int, default=400, help="distinct queries per type")
    parser.add_argument("--cameos", type=int, default=5000, help="cameos to add when the database has none")
    parser.add_argument("--rate", type=float, default=20, help="requests per second of one type, scheduled")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)  # as benchmarks/feed.py: 2 cores shared with PostgreSQL
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:56379/0"))
    parser.add_argument("--skip-busy", action="store_true", help="quiet runs only")
    add_busy_nice_option(parser)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run against PostgreSQL: export DATABASE_URL (see .ci/services.sh)")
    if not shutil.which("nginx"):
        raise SystemExit("nginx is needed: apt-get install nginx-light")
    rng = random.Random(16)
    machine, data = prepare(args, rng)
    print(f"machine: {machine}; data: {data}")

    people = viewers(args.viewers)
    queries = {
        "people": [path("people", q) for q in people_queries(rng, args.queries)],
        "videos": [path("videos", q) for q in video_queries(rng, args.queries)],
        "cameos": [path("cameos", q) for q in cameo_queries(rng, args.queries)],
    }
    viewer = User.objects.get(pk=people[0][0])
    shown, asked = popular_on_page_one(viewer)
    print(
        "people: the 40 most followed on page 1 by their first name, its first 3 letters or 4 of the handle: "
        f"{shown} of {asked} queries"
    )
    # A cursor is its viewer's own (another's is a 400): each page 2 is sent with the token of the
    # viewer whose first page made it.
    page2: list[tuple[str, str]] = []
    pick = random.Random(17)
    for q in video_queries(pick, 20):
        viewer_id, token = pick.choice(people)
        cursor = videos_search(q, User.objects.get(pk=viewer_id), limit=20).next
        if cursor:
            page2.append((token, path("videos", q, cursor)))

    folder = Path(tempfile.mkdtemp(prefix="castfeed-bench-search-"))
    tokens = [t for _, t in people]
    requests = {kind: [(rng.choice(tokens), p) for p in paths * 5] for kind, paths in queries.items()}
    requests["videos, page 2"] = page2 * 5
    files = {
        kind: request_lines(folder, f"{kind.replace(', ', '-').replace(' ', '')}.txt", pairs)
        for kind, pairs in requests.items()
    }

    server = start_gunicorn(args.workers, RATES)
    nginx = start_nginx(folder)
    modes = ["quiet", "busy", "busy, nice only"]
    runs: dict[str, dict[str, list[dict[str, float]]]] = {kind: {m: [] for m in modes} for kind in files}
    log: list[str] = []

    def measure(mode: str) -> None:
        for _ in range(args.runs):
            for kind, lines in files.items():
                r = openloop(lines, rate=args.rate, seconds=args.seconds)
                settle()
                runs[kind][mode].append(r)
                log.append(show(f"{kind}, {mode}", r))

    try:
        for kind, pairs in requests.items():
            distinct = sorted(set(pairs))
            share, mean = found(rng.sample(distinct, min(10, len(distinct))))
            paths = len({p for _, p in pairs})
            print(f"{kind}: {paths} queries; of 10 tried, {share:.0%} find something ({mean:.1f} results a page)")
            openloop(files[kind], rate=10, seconds=3)  # warm-up: connections, caches
        measure("quiet")
        if not args.skip_busy:
            with busy_worker(os.environ["DATABASE_URL"], args.broker) as worker:
                measure("busy")
            print(
                f"the busy worker finished {worker.renders} renders during the busy runs "
                f"(least lease left {worker.lease_left_s} s of 15)"
            )
            if args.busy_nice:
                with busy_worker(os.environ["DATABASE_URL"], args.broker, idle=False) as worker:
                    measure("busy, nice only")
                print(
                    f"the busy worker at nice 10 only finished {worker.renders} renders during its runs "
                    f"(least lease left {worker.lease_left_s} s of 15)"
                )
    finally:
        stop_served(server, nginx)

    print("\n" + SHOW_HEADER)
    print("\n".join(log))
    print(f"\nat {args.rate:.0f} req/s, {args.runs} runs each; target p99 <= {TARGET_P99_MS:.0f} ms with <= 1% failed:")
    verdict: dict[str, str] = {}
    for kind, modes in runs.items():
        for mode, rs in modes.items():
            if rs:
                ok = all(r["p99_ms"] <= TARGET_P99_MS and r["failed_share"] <= 0.01 for r in rs)
                verdict[f"{kind}, {mode}"] = "met" if ok else "not met"
                print(
                    f"  {kind}, {mode}: p50 {spread([r['p50_ms'] for r in rs])} ms, "
                    f"p99 {spread([r['p99_ms'] for r in rs])} ms: {verdict[f'{kind}, {mode}']}"
                )
    out = ROOT / "var" / "bench-search.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": machine,
                "data": data,
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "rate": args.rate,
                "target_p99_ms": TARGET_P99_MS,
                "runs": runs,
                "met": verdict,
            },
            indent=2,
        )
    )
    print(f"written to {out}")


if __name__ == "__main__":
    main()
