"""core.sql: lists of values as one parameter (the same rows as `IN`, on both databases, and on
PostgreSQL one statement text whatever the list's length), and a planner setting that holds for the
statements inside it only."""

import pytest
from django.db import connection, transaction

from accounts.models import User
from accounts.selectors import relations_from
from accounts.services import block_create, follow_create
from cameos.models import Audience, Cameo
from core.sql import planner_setting


@pytest.fixture
def people(make_user):
    return [make_user(f"person{i}") for i in range(60)]


def test_any_finds_what_in_finds(people):
    ids = [p.pk for p in people[::3]]
    wanted = [*ids, ids[0], None, 10**9]  # a repeat, a NULL and an id nobody has
    assert set(User.objects.filter(pk__any=wanted)) == set(User.objects.filter(pk__in=wanted)) == set(people[::3])
    assert set(User.objects.exclude(pk__any=ids)) == set(User.objects.exclude(pk__in=ids))
    assert list(User.objects.filter(pk__any=[])) == []
    assert User.objects.exclude(pk__any=[]).count() == User.objects.count()
    assert set(User.objects.filter(handle__any=["person1", "person2", "nobody"]).values_list("handle", flat=True)) == {
        "person1",
        "person2",
    }


def test_any_on_a_relation_and_with_a_subquery(people):
    for p in people[:5]:
        Cameo.objects.create(owner=p, audience=Audience.EVERYONE)
    owners = Cameo.objects.filter(owner__any=people[1:3])  # model instances, as `in` takes them
    assert {c.owner_id for c in owners} == {people[1].pk, people[2].pk}
    assert {c.owner_id for c in Cameo.objects.filter(owner_id__any=[p.pk for p in people])} == {
        p.pk for p in people[:5]
    }
    with_cameo = User.objects.filter(pk__any=Cameo.objects.values("owner_id"))  # a subquery: IN (SELECT …)
    assert set(with_cameo) == set(people[:5])


@pytest.mark.postgres
def test_one_statement_text_whatever_the_length_on_postgresql(people):
    texts = set()
    for n in (3, 7, 60):
        sent: list[str] = []

        def record(execute, sql, params, many, context, sent=sent):  # type: ignore[no-untyped-def]
            sent.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            list(User.objects.filter(pk__any=[p.pk for p in people[:n]]))
            relations_from(people[0].pk, [p.pk for p in people[1:n]])
        texts.add(tuple(sent))
    assert len(texts) == 1


def test_relations_of_many_people_at_once(people):
    me, others = people[0], people[1:]
    follow_create(follower=me, followee=others[10])
    follow_create(follower=others[55], followee=me)
    block_create(blocker=me, blocked=others[40])
    block_create(blocker=others[58], blocked=me)
    relations = relations_from(me.pk, [p.pk for p in others])
    assert len(relations) == len(others)
    assert relations[others[10].pk].i_follow and not relations[others[10].pk].follows_me
    assert relations[others[55].pk].follows_me
    assert relations[others[40].pk].blocked_by_me and relations[others[58].pk].blocked_by_them
    flagged = {others[i].pk for i in (10, 55, 40, 58)}
    assert all(
        not r.i_follow and not r.follows_me and not r.blocked_either_way
        for pk, r in relations.items()
        if pk not in flagged
    )


@pytest.mark.postgres
def test_small_and_large_ids_share_one_prepared_statement(people):
    """psycopg picks an array's type by its largest value (int2[], int4[], int8[]): ids are sent as
    int8 always, so one statement text is one prepared statement, whatever the ids."""
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        pytest.skip("prepared statements are off (DATABASE_PREPARED_STATEMENTS)")
    me = people[0].pk
    for others in ([people[1].pk, people[2].pk], [40_000, 50_000], [3_000_000_000]) * 4:
        relations_from(me, others)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT 0, follower_id, followee_id%"],
        )
        (types,) = [row[0] for row in cursor.fetchall()]  # one prepared statement (without the int8: three)
    assert types[1::2] == ["bigint[]"] * 4


def _setting(name):
    with connection.cursor() as db:
        db.execute(f"SHOW {name}")
        return db.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_planner_setting_holds_for_the_statements_inside_only():
    with planner_setting("enable_bitmapscan", "off"):
        assert _setting("enable_bitmapscan") == "off"
    assert _setting("enable_bitmapscan") == "on"
    with transaction.atomic():  # inside the caller's transaction: set back to what it was there
        with connection.cursor() as db:
            db.execute("SET LOCAL enable_seqscan = off")
        with planner_setting("enable_seqscan", "on"), planner_setting("enable_bitmapscan", "off"):
            assert (_setting("enable_seqscan"), _setting("enable_bitmapscan")) == ("on", "off")
        assert (_setting("enable_seqscan"), _setting("enable_bitmapscan")) == ("off", "on")
    assert _setting("enable_seqscan") == "on"


@pytest.mark.postgres
def test_an_error_inside_a_planner_setting_leaves_the_callers_transaction_usable(people):
    with pytest.raises(ZeroDivisionError), planner_setting("enable_bitmapscan", "off"):
        1 / 0  # noqa: B018 - the error is the point
    assert _setting("enable_bitmapscan") == "on"
    assert User.objects.filter(pk=people[0].pk).exists()  # the test's transaction still answers


def test_statements_inside_a_planner_setting_answer_as_outside(people):
    """On both databases (on SQLite the setting is nothing)."""
    with planner_setting("enable_bitmapscan", "off"):
        assert User.objects.filter(handle__startswith="person").count() == len(people)
    assert User.objects.filter(handle__startswith="person").count() == len(people)
