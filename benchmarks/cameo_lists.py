"""An owner's cameo lists when many people ask: `GET /api/v1/cameo/requests` (open requests, newest
asked first) and `GET /api/v1/cameo/grants` (approvals, newest approved first), page 1 and a page
deep in the list, through Django's test client (the view, the keyset page, the rendering; no HTTP
server). Side by side in the same run, on the same data and indexes: the lists' statement as it was
before 2026-12-06 (filtered through a join to the owner's cameo) against today's (the cameo's id
read once, so the database walks the partial index `cameos_grant_requests` / `cameos_grant_approvals`
in order and stops at a page), and whether each plan sorts.

    eval "$(bash .ci/services.sh start)"
    createdb -h 127.0.0.1 -p 55432 -U postgres castfeed_cameo_lists
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/castfeed_cameo_lists \\
        .venv/bin/python benchmarks/cameo_lists.py --requests 5000 --approvals 10000 --others 30 --calls 200

Works in the database of DATABASE_URL (PostgreSQL, an empty one of its own; migrated here). Seeds
once: one owner whose cameo has `--requests` open requests and `--approvals` approvals (a third of
them approved after being asked again, so that approval order differs from request order), and
`--others` other cameos with 1,000 grants each from the same people.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from _common import p50_p99, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")


def seed(requests: int, approvals: int, others: int) -> None:
    from django.db import connection, transaction

    from accounts.models import User

    if User.objects.filter(handle="bench.owner").exists():
        return
    started = time.perf_counter()
    people = requests + approvals
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (password, is_superuser, handle, handle_skeleton, display_name, "
            "is_staff, is_active, date_joined, birthdate) "
            "SELECT '!', false, 'bench.asker' || v, NULL, '', false, true, now(), NULL "
            "FROM generate_series(1, %s) AS v",
            [people],
        )
        # Adults: a minor's list shows only the people they follow (docs/consent.md rule 6), none here.
        owners = [
            User.objects.create(handle=f"bench.owner{i}" if i else "bench.owner", birthdate=dt.date(1990, 1, 1))
            for i in range(others + 1)
        ]
        for owner in owners:
            cursor.execute(
                "INSERT INTO cameos_cameo (owner_id, audience, instructions, restrictions, protect_name, "
                "reference_names, enrolled_at, updated_at) "
                "VALUES (%s, 'approved', '', '[]', false, '[]', now(), now())",
                [owner.pk],
            )
        cursor.execute("SELECT id FROM accounts_user WHERE handle LIKE 'bench.asker%%' ORDER BY id")
        askers = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM cameos_cameo WHERE owner_id = %s", [owners[0].pk])
        (cameo,) = cursor.fetchone()
        # Requests asked over the last 30 days; approvals decided in an order of their own.
        cursor.execute(
            "INSERT INTO cameos_cameogrant (cameo_id, grantee_id, status, requested_at, decided_at) "
            "SELECT %s, g, CASE WHEN n <= %s THEN 'requested' ELSE 'approved' END, "
            "now() - random() * interval '30 days', "
            "CASE WHEN n <= %s THEN NULL ELSE now() - random() * interval '30 days' END "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(g, n)",
            [cameo, requests, requests, askers],
        )
        for owner in owners[1:]:
            cursor.execute(
                "INSERT INTO cameos_cameogrant (cameo_id, grantee_id, status, requested_at, decided_at) "
                "SELECT c.id, g, CASE WHEN random() < 0.5 THEN 'requested' ELSE 'approved' END, "
                "now() - random() * interval '30 days', now() "
                "FROM cameos_cameo c, unnest((%s::bigint[])[1:1000]) AS g WHERE c.owner_id = %s",
                [askers, owner.pk],
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cameos_cameogrant")
        cursor.execute("VACUUM ANALYZE accounts_user")
    print(f"seeded {people:,} people asking, {others} other cameos, in {time.perf_counter() - started:.0f} s")


def check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"wrong: {what}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--approvals", type=int, default=10000)
    parser.add_argument("--others", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--depth", type=int, default=10, help="the deep page read (by following `next`)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit('needs PostgreSQL: eval "$(bash .ci/services.sh start)" and a DATABASE_URL of its own')
    setup_django()
    from django.core.management import call_command
    from django.db.models.functions import Coalesce
    from rest_framework.test import APIClient

    from accounts.models import User
    from accounts.services import token_issue
    from cameos import selectors
    from cameos.models import CameoGrant
    from core.pagination import keyset_page

    call_command("migrate", verbosity=0)
    seed(args.requests, args.approvals, args.others)
    owner = User.objects.get(handle="bench.owner")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=owner)}")
    client.defaults["SERVER_NAME"] = "localhost"

    before = {  # the lists' statements until 2026-12-06: through a join to the owner's cameo
        "requests": lambda: CameoGrant.objects.filter(
            cameo__owner=owner, status=CameoGrant.Status.REQUESTED, grantee__is_active=True
        ).select_related("grantee"),
        "grants": lambda: (
            CameoGrant.objects.filter(cameo__owner=owner, status=CameoGrant.Status.APPROVED, grantee__is_active=True)
            .annotate(approved_at=Coalesce("decided_at", "requested_at"))
            .select_related("grantee")
        ),
    }
    now = {"requests": lambda: selectors.requests_for(owner), "grants": lambda: selectors.grants_for(owner)}
    ordering = {"requests": ("-requested_at", "-id"), "grants": ("-approved_at", "-id")}

    print(
        f"{args.calls} calls each, page size 20; the owner has {args.requests:,} requests, {args.approvals:,} approvals"
    )
    for name in ("requests", "grants"):
        # The API, page 1 and page `depth` (cursors from following `next`).
        url, cursor_url = f"/api/v1/cameo/{name}", f"/api/v1/cameo/{name}"
        for _ in range(args.depth - 1):
            cursor_url = f"{url}?cursor={client.get(cursor_url).json()['next']}"
        for label, target in (("page 1", url), (f"page {args.depth}", cursor_url)):
            times = []
            for _ in range(args.calls):
                started = time.perf_counter()
                response = client.get(target)
                times.append((time.perf_counter() - started) * 1000)
                check(response.status_code == 200 and len(response.json()["results"]) == 20, f"{name} {label}")
            print(f"GET /cameo/{name} {label}: {p50_p99(times)}")
        # The statement alone, before and now, side by side (alternating), page 1.
        samples: dict[str, list[float]] = {"before": [], "now": []}
        for _ in range(args.calls):
            for which, make in (("before", before[name]), ("now", now[name])):
                started = time.perf_counter()
                page = keyset_page(make(), ordering=ordering[name], salt="bench", limit=20, cursor=None)
                samples[which].append((time.perf_counter() - started) * 1000)
                check(len(page.items) == 20, f"a page of {name} with 20 rows")
        firsts = [
            [g.pk for g in keyset_page(m(), ordering=ordering[name], salt="bench", limit=20, cursor=None).items]
            for m in (before[name], now[name])
        ]
        check(firsts[0] == firsts[1], f"the two statements of {name} disagree")
        for which in ("before", "now"):
            plan = (before if which == "before" else now)[name]().order_by(*ordering[name])[:21].explain()
            sorts = "sorts" if "Sort" in plan.replace("Sort Key", "") else "no sort"
            print(f"  statement {which}: {p50_p99(samples[which], digits=2)} ({sorts})")
        ratio = (
            sorted(samples["before"])[len(samples["before"]) // 2] / sorted(samples["now"])[len(samples["now"]) // 2]
        )
        print(f"  median before / now: {ratio:.1f}x")


if __name__ == "__main__":
    main()
