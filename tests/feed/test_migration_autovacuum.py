"""feed 0009: on PostgreSQL, feed_video is vacuumed after 2% of its rows changed (its index-only reads
need the visibility map kept up), not PostgreSQL's default fifth."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_feed_video_is_vacuumed_after_two_percent():
    with connection.cursor() as db:
        db.execute("SELECT reloptions FROM pg_class WHERE oid = 'feed_video'::regclass")
        options = set(db.fetchone()[0] or [])
    assert {"autovacuum_vacuum_scale_factor=0.02", "autovacuum_vacuum_insert_scale_factor=0.02"} <= options
