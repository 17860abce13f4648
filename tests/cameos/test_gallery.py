"""The gallery: one interface, exact on SQLite, pgvector HNSW on PostgreSQL; the same tests for both."""

import numpy as np
import pytest

from cameos import gallery
from tests.enroll import random_template as unit

pytestmark = pytest.mark.django_db


def test_search_finds_the_nearest_templates_most_similar_first(make_user, activate_cameo):
    people = [make_user() for _ in range(12)]
    cameos = [activate_cameo(p) for p in people]
    probe = unit(people[3].pk) * 0.9 + unit(999) * 0.1
    probe /= np.linalg.norm(probe)
    matches = gallery.search(probe, k=3)
    assert matches[0].cameo_id == cameos[3].pk
    assert matches[0].similarity > 0.9
    assert [m.similarity for m in matches] == sorted((m.similarity for m in matches), reverse=True)
    assert len(matches) == 3


def test_threshold_and_empty_gallery(make_user, activate_cameo):
    assert gallery.search(unit(1), k=5) == []
    activate_cameo(make_user())
    assert gallery.search(unit(424242), k=5, min_similarity=0.5) == []  # random vectors are far apart


def test_re_enrolling_replaces_the_template(make_user, activate_cameo):
    person = make_user()
    cameo = activate_cameo(person, template=unit(1))
    activate_cameo(person, template=unit(2))
    assert gallery.search(unit(2), k=1)[0].cameo_id == cameo.pk
    assert gallery.search(unit(1), k=1)[0].similarity < 0.5
    gallery.remove(cameo.pk)
    assert gallery.search(unit(2), k=1) == []


def test_nearest_finds_each_probes_cameo_in_one_pass_and_none_below_the_threshold(make_user, activate_cameo):
    people = [make_user() for _ in range(6)]
    cameos = [activate_cameo(p) for p in people]
    probes = []
    for person in (people[4], people[1]):
        probe = unit(person.pk) * 0.9 + unit(777) * 0.1
        probes.append(probe / np.linalg.norm(probe))
    probes.append(unit(424242))  # nobody's face
    found = gallery.nearest(np.stack(probes), min_similarity=0.5)
    assert [m.cameo_id if m else None for m in found] == [cameos[4].pk, cameos[1].pk, None]
    assert found[0] is not None and found[0].similarity > 0.9
    assert gallery.nearest(np.zeros((0, 128), np.float32), min_similarity=0.5) == []


@pytest.mark.postgres
def test_an_exact_search_is_exact_after_approximate_ones_on_the_same_connection(make_user, activate_cameo, settings):
    # With prepared statements PostgreSQL keeps a statement's generic plan; when the exact and the
    # approximate search were one statement, the index scan planned for approximate searches was
    # reused by exact ones (enable_indexscan = off notwithstanding), which then missed as HNSW does.
    # A graph searched with ef_search 1 misses often, so an exact search that reads it is caught.
    from django.db import connection

    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        pytest.skip("prepared statements are off (DATABASE_PREPARED_STATEMENTS): no plan is kept")
    settings.CASTFEED_CAMEOS = {**settings.CASTFEED_CAMEOS, "EF_SEARCH": 1}
    rng = np.random.default_rng(5)
    people = [make_user() for _ in range(300)]
    templates = rng.normal(size=(len(people), 128)).astype(np.float32)
    templates /= np.linalg.norm(templates, axis=1, keepdims=True)
    ids = [activate_cameo(p, template=t).pk for p, t in zip(people, templates, strict=True)]
    probes = rng.normal(size=(40, 128)).astype(np.float32)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    truth = [ids[int(np.argmax(templates @ p))] for p in probes]
    with connection.cursor() as cursor:  # the index, as the planner chooses it at 1M (300 rows: a scan)
        cursor.execute("SET enable_seqscan = off")
    # Plans the statement and keeps its plan. (At ef_search 1 the index may find only rows that earlier
    # tests' rolled-back transactions left in it, and so nothing: a miss too.)
    try:
        approximate = [next((m.cameo_id for m in gallery.search(p, k=1)), None) for p in probes]
        exact = [next((m.cameo_id for m in gallery.search(p, k=1, exact=True)), None) for p in probes]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
    assert approximate != truth  # the index, at ef_search 1, does miss here
    assert exact == truth
