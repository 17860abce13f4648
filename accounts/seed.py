"""Seed step for accounts: people (a few minors, most adults), follows with a heavy-tailed
popularity (a few accounts followed by many, most by few), and some blocks."""

import datetime as dt
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Block, Follow, User
from core.bulk import insert_rows, next_id
from core.seeding import count, pair_keys, popularity, unique_pairs
from core.text import skeleton

SEED_PASSWORD = "castfeed-seed-password"  # noqa: S105 - documented password of seeded accounts

_FIRST = [
    "maya",
    "ana",
    "leo",
    "noah",
    "zoe",
    "kai",
    "ivy",
    "omar",
    "lena",
    "theo",
    "nora",
    "eli",
    "aria",
    "yuki",
    "sam",
    "ravi",
    "mila",
    "jonas",
    "sara",
    "luca",
    "emma",
    "finn",
    "ines",
    "hugo",
]
_LAST = [
    "okafor",
    "silva",
    "chen",
    "novak",
    "haddad",
    "kim",
    "berg",
    "rossi",
    "ito",
    "diaz",
    "moreau",
    "patel",
    "meyer",
    "costa",
    "larsen",
    "nagy",
    "walsh",
    "sato",
]


def add_arguments(parser: Any) -> None:
    parser.add_argument("--users", type=count, default=1000, help="people to create")
    parser.add_argument("--follows", type=count, default=10_000, help="follow edges to create")
    parser.add_argument("--blocks", type=count, default=None, help="block edges (default: users / 100)")


def run(ctx: Any) -> None:
    rng, n = ctx.rng, ctx.options["users"]
    now = timezone.now()
    password = make_password(SEED_PASSWORD)
    start = next_id(User)
    ids = np.arange(start, start + n, dtype=np.int64)
    today = timezone.localdate()
    ages = np.clip(rng.normal(29, 9, size=n), 13.2, 80)  # about 11% are 13–17
    joined = rng.integers(0, 3 * 365 * 86400, size=n)

    skeletons = set(User.objects.exclude(handle_skeleton=None).values_list("handle_skeleton", flat=True))

    def users() -> Any:
        for i, uid in enumerate(ids.tolist()):
            first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST)) % len(_LAST)]
            birth = today - dt.timedelta(days=int(ages[i] * 365.25))
            handle = f"{first}.{last}{uid}"[:30]
            shape = skeleton(handle)
            # A look-alike of a handle already there keeps no skeleton, as the migration leaves old ones.
            shape_or_none = None if shape in skeletons else shape
            skeletons.add(shape)
            yield (
                uid,
                handle,
                shape_or_none,
                f"{first.title()} {last.title()}",
                birth,
                password,
                True,
                False,
                False,
                now - dt.timedelta(seconds=int(joined[i])),
            )

    made = insert_rows(
        User,
        [
            "id",
            "handle",
            "handle_skeleton",
            "display_name",
            "birthdate",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "date_joined",
        ],
        users(),
    )
    ctx.log(f"users: {made}")
    weights = popularity(rng, n)
    ctx.data["user_ids"], ctx.data["popularity"] = ids, weights

    blocks = unique_pairs(
        rng, ids, ids, ctx.options["blocks"] if ctx.options["blocks"] is not None else n // 100, allow_same=False
    )
    follows = unique_pairs(rng, ids, ids, ctx.options["follows"], weights, allow_same=False)
    if len(blocks):  # nobody follows across a block, either way
        base = int(ids.max()) + 1
        blocked = np.concatenate([pair_keys(blocks, base), pair_keys(blocks[:, ::-1], base)])
        follows = follows[~np.isin(pair_keys(follows, base), blocked)]
    ages_s = rng.integers(0, 365 * 86400, size=len(follows))
    made = insert_rows(
        Follow,
        ["follower_id", "followee_id", "created_at"],
        (
            (int(a), int(b), now - dt.timedelta(seconds=int(s)))
            for (a, b), s in zip(follows.tolist(), ages_s.tolist(), strict=True)
        ),
    )
    ctx.log(f"follows: {made}")
    ctx.data["follows"] = follows
    made = insert_rows(
        Block, ["blocker_id", "blocked_id", "created_at"], ((int(a), int(b), now) for a, b in blocks.tolist())
    )
    ctx.log(f"blocks: {made}")
