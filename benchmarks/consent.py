"""The consent gate at scale: 1M cameos, 10M grants, 100k protected names, on PostgreSQL.

    eval "$(.ci/services.sh start)"
    .venv/bin/python benchmarks/likeness.py gallery --data facelike --sizes 1000000   # 1M users, cameos, templates
    .venv/bin/python benchmarks/consent.py                                            # adds grants, follows, names

It works in the gallery benchmark's database (`<DATABASE_URL name>_gallery_bench`, 1M users each with
a cameo and a face template in the HNSW index) and adds, once: 10M grants (10 per cameo, 85% approved),
2M follows (half of them mutual pairs), 100k protected names with an alias each, 10k cameo owners
who protect their two-word name, and 50k protected faces (10k registry people × 5 photos). Then it
measures:

- the gate for a prompt with 3 mentions and no image (`consent.check`, audit row included);
- the reference-image check of a 1080p photo with two real faces (the request path: HNSW over the
  cameos and an exact scan of the 50k protected faces; and the worker's exact re-check);
- the output scan of a 5 s, 24 fps, 576×1024 clip with two real faces (decode, detect, track, exact
  match against 1M templates, gate).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
from _common import p50_p99, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")

GRANTS_PER_CAMEO = 10
FACES = 50_000  # protected people's photos (10k people × 5)
OFFSETS = [7, 31, 97, 211, 401, 809, 1601, 3203, 6421, 12853]  # grantee = owner + offset (mod N)


def summary(samples: list[float]) -> str:
    return f"{p50_p99(samples, digits=2)} (n={len(samples)})"


def bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("needs PostgreSQL: export DATABASE_URL (see .ci/services.sh)")
    return url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1].split("?")[0] + "_gallery_bench"


def seed(users: int) -> None:
    from django.db import connection, transaction

    from accounts.models import Follow
    from cameos.models import CameoGrant
    from core.bulk import indexes_deferred, insert_rows
    from moderation.models import ProtectedPerson
    from moderation.services import names_changed

    rng = np.random.default_rng(11)
    if CameoGrant.objects.count() < users * GRANTS_PER_CAMEO:
        started = time.perf_counter()
        CameoGrant.objects.all().delete()
        statuses = np.array(["approved"] * 85 + ["requested"] * 8 + ["denied"] * 4 + ["revoked"] * 3)

        def grants():  # type: ignore[no-untyped-def]
            for owner in range(1, users + 1):
                picks = statuses[rng.integers(0, len(statuses), GRANTS_PER_CAMEO)]
                for offset, status in zip(OFFSETS, picks, strict=True):
                    grantee = (owner - 1 + offset) % users + 1
                    yield (owner, grantee, status, "2026-01-01T00:00:00Z")

        with transaction.atomic(), indexes_deferred(CameoGrant):
            insert_rows(CameoGrant, ["cameo_id", "grantee_id", "status", "requested_at"], grants())
        print(f"seeded {CameoGrant.objects.count():,} grants in {time.perf_counter() - started:.0f} s")
    if Follow.objects.count() < users * 2:
        started = time.perf_counter()
        Follow.objects.all().delete()

        def follows():  # type: ignore[no-untyped-def]
            for user in range(1, users + 1):
                yield (user, (user - 1 + 7) % users + 1, "2026-01-01T00:00:00Z")  # follows an approved person
                yield (user, (user - 1 - 7) % users + 1, "2026-01-01T00:00:00Z")  # ... who follows back

        with transaction.atomic(), indexes_deferred(Follow):
            insert_rows(Follow, ["follower_id", "followee_id", "created_at"], follows())
        print(f"seeded {Follow.objects.count():,} follows in {time.perf_counter() - started:.0f} s")
    if ProtectedPerson.objects.count() < 100_000:
        started = time.perf_counter()
        ProtectedPerson.objects.all().delete()
        syllables = ["ka", "lo", "mi", "ra", "ten", "vo", "shi", "ul", "bren", "dor", "fa", "gi", "zu", "mar", "el"]

        def word(n: int) -> str:
            return "".join(syllables[int(i)] for i in rng.integers(0, len(syllables), n)).capitalize()

        def names():  # type: ignore[no-untyped-def]
            keys: set[str] = set()
            while len(keys) < 100_000:
                first, last = word(2), word(3)
                name = f"{first} {last}"
                if name.lower() in keys:
                    continue  # the normalised name is unique (ASCII: its key is its lower case)
                keys.add(name.lower())
                aliases = f'["{first[0]}. {last}"]'
                created = updated = "2026-01-01"
                yield (len(keys), name, name.lower(), aliases, "", "public_figure", False, "", created, updated)

        columns = ["id", "name", "name_key", "aliases", "description", "kind", "deceased", "note"]
        with transaction.atomic():
            insert_rows(ProtectedPerson, [*columns, "created_at", "updated_at"], names())
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE accounts_user SET display_name = 'Bench Person' || id WHERE id <= 10000;"
                    "UPDATE cameos_cameo SET protect_name = true WHERE owner_id <= 10000;"
                    "UPDATE accounts_user SET birthdate = '1990-01-01' WHERE birthdate IS NULL"  # adults
                )
            names_changed()
        print(f"seeded 100,000 protected names in {time.perf_counter() - started:.0f} s")
    from moderation.models import ProtectedFace

    if ProtectedFace.objects.count() < FACES:
        # The registry's face gallery: 10k people with 5 photos each. Face-like templates: each person
        # a random direction, each photo that direction plus noise (same-person cosine ~0.7, as SFace
        # gives across photos), so the exact scan does the work a real gallery of this size costs.
        started = time.perf_counter()
        ProtectedFace.objects.all().delete()

        def faces():  # type: ignore[no-untyped-def]
            for person in range(1, FACES // 5 + 1):
                centre = rng.normal(size=128)
                centre /= np.linalg.norm(centre)
                for k in range(5):
                    v = centre + rng.normal(scale=0.07, size=128)
                    v /= np.linalg.norm(v)
                    literal = "[" + ",".join(f"{x:.6f}" for x in v) + "]"
                    digest = f"{person:08d}{k:056d}"
                    yield (person, f"protected/bench-{person}-{k}.jpg", literal, "bench", digest, "", "2026-01-01")

        columns = ["person_id", "photo", "embedding", "source", "sha256", "stored_sha256", "created_at"]
        with transaction.atomic():
            insert_rows(ProtectedFace, columns, faces())
            names_changed()
        print(f"seeded {FACES:,} protected faces of {FACES // 5:,} people in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def bench_gate(users: int, runs: int) -> None:
    from django.db import connection, reset_queries

    from accounts.models import User
    from moderation import consent
    from moderation.selectors import forget_name_index, name_index

    forget_name_index()
    started = time.perf_counter()
    index = name_index()
    print(f"name index: {len(index):,} names built in {(time.perf_counter() - started):.1f} s (once per change)")

    rng = np.random.default_rng(5)
    authors = rng.integers(1, users + 1, runs + 50)
    # Three people each: owners whose grants name the author (approved for 85% of grants, so about 61%
    # of requests are allowed and the rest refused at one of the three).
    people = [[(a - 1 - k) % users + 1 for k in (7, 31, 97)] for a in authors.tolist()]
    handles = dict(User.objects.filter(pk__in={p for g in people for p in g}).values_list("pk", "handle"))
    prompts = [" ".join(f"@{handles[p]}" for p in group) + " surfing at sunset" for group in people]
    users_by_id = User.objects.in_bulk([int(a) for a in authors])
    for author, prompt in list(zip(authors.tolist(), prompts, strict=True))[:50]:  # warm up
        consent.check(users_by_id[author], prompt)
    times, allowed = [], 0
    for author, prompt in list(zip(authors.tolist(), prompts, strict=True))[50:]:
        t = time.perf_counter()
        decision = consent.check(users_by_id[author], prompt)
        times.append((time.perf_counter() - t) * 1000)
        allowed += decision.allowed
    queries = []  # counted apart, on 100 of the same requests
    connection.force_debug_cursor = True
    for author, prompt in list(zip(authors.tolist(), prompts, strict=True))[50:150]:
        reset_queries()
        consent.check(users_by_id[author], prompt, record=True)
        queries.append(len(connection.queries))
    connection.force_debug_cursor = False
    print(
        f"gate, 3 mentions, no image: {summary(times)}; "
        f"{statistics.median(queries):.0f} queries; {allowed}/{runs} allowed"
    )
    started = time.perf_counter()
    for prompt in prompts[:1000]:
        index.find(prompt)
    print(f"  of which the name pass over 110k names: {(time.perf_counter() - started):.3f} ms per prompt")


def bench_image(runs: int) -> None:
    from accounts.models import User
    from cameos.likeness.faces import engine
    from moderation import consent
    from tests import synthetic_faces as faces

    image = faces.group_photo(["astronaut", "hopper"], size=(1920, 1080))
    author = User.objects.get(pk=1)
    engine()  # load the models once
    for stage in ("submit", "start"):
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            decision = consent.check(author, "us at the beach", reference_image=image, stage=stage)
            times.append((time.perf_counter() - t) * 1000)
        label = "request path, HNSW" if stage == "submit" else "worker re-check, exact"
        print(f"reference image 1920×1080, 2 faces ({label}): {summary(times)}; {len(decision.subjects)} subjects")
    t = time.perf_counter()
    found = engine().detect(image)
    detect = (time.perf_counter() - t) * 1000
    print(f"  of which YuNet detection: {detect:.1f} ms ({len(found)} faces)")
    # The registry's face check alone (what a protected face costs an upload): detect, align and embed
    # every face, then the exact scan of the protected faces (a matrix kept per process).
    from cameos.conf import conf
    from moderation.models import ProtectedFace
    from moderation.selectors import protected_face_matches

    threshold = conf().protected_threshold
    times, scans = [], []
    for _ in range(runs):
        t = time.perf_counter()
        faces_found = engine().detect(image)
        vectors = engine().embed([engine().align(image, f) for f in faces_found])
        s = time.perf_counter()
        protected_face_matches(vectors, min_similarity=threshold)
        scans.append((time.perf_counter() - s) * 1000)
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"protected-face check of the same image against {ProtectedFace.objects.count():,} photos: "
        f"{summary(times)}; of which the exact scan p50 {statistics.median(scans):.2f} ms"
    )


def bench_scan(runs: int) -> None:
    from accounts.models import User
    from moderation import scan
    from tests import synthetic_faces as faces

    author = User.objects.get(pk=1)
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(faces.cameo_video(["astronaut", "hopper"], seconds=5.0, fps=24, size=(576, 1024)))
        handle.flush()
        scan.scan_video(handle.name)  # warm
        times, scans = [], []
        for _ in range(runs):
            t = time.perf_counter()
            found = scan.scan_video(handle.name)
            scans.append((time.perf_counter() - t) * 1000)
            scan.consent.check(author, "a day at the beach", output_faces=found.faces, stage="output")
            times.append((time.perf_counter() - t) * 1000)
        print(
            f"output scan, 5 s 24 fps 576×1024, 2 faces: {summary(times)}; of which sampling, detection, "
            f"tracking and exact matching {statistics.median(scans):.0f} ms; {len(found.tracks)} tracks, "
            f"{found.frames_sampled} frames sampled"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--image-runs", type=int, default=20)
    parser.add_argument("--scan-runs", type=int, default=5)
    parser.add_argument("--only", choices=["gate", "image", "scan"], help="measure one part")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = bench_database()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    # Measured as in production: DEBUG off, so Django neither records nor formats each query (with
    # DJANGO_DEBUG=1's debug cursor the gate took 3.4 ms p50 / 6.6 ms p99 instead of 2.0 / 3.1).
    settings.DEBUG = False

    from cameos.models import Cameo

    call_command("migrate", verbosity=0)
    users = Cameo.objects.count()
    if users < 1_000_000:
        print(f"note: the bench database holds {users:,} cameos (run benchmarks/likeness.py gallery first for 1M)")
    print(f"{users:,} cameos; machine: {os.cpu_count()} cores")
    seed(users)
    if args.only in (None, "gate"):
        bench_gate(users, args.runs)
    if args.only in (None, "image"):
        bench_image(args.image_runs)
    if args.only in (None, "scan"):
        bench_scan(args.scan_runs)


if __name__ == "__main__":
    main()
