"""The face index's `frames` (VideoFace.frames, what the reveal gate reads: TRACK_MIN_FRAMES) counts
a track's regular samples only since 2026-12-07; before, it counted the frames either side of a cut
too, and a face in a half-second shot (2 samples, 2 cut frames) stored 4 and revealed a stranger's
draft to the person it looks like, at the next enrollment's scan of existing videos. Which of a stored
track's frames were cut frames is not known, but its regular samples are at least a quarter of a second
apart (the scan's 4 a second, next_t = t + 1/fps), so a track seen from first_ms to last_ms had at
most (last_ms - first_ms) / 250 + 1 of them: each row is capped there (2 ms for the rounding of
first_ms and last_ms). A track the new scan stores is never changed by it; one of the scan's frequency
set higher only counts fewer, never more. Nothing to undo."""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Least

_REGULAR_MS = 250  # 1000 / SCAN_FPS (4), as the scans that stored these rows sampled


def cap_frames(apps, schema_editor):  # type: ignore[no-untyped-def]
    VideoFace = apps.get_model("cameos", "VideoFace")
    regular = (F("last_ms") - F("first_ms") + Value(2)) / Value(_REGULAR_MS) + Value(1)
    VideoFace.objects.filter(frames__gt=regular).update(frames=Least(F("frames"), regular))


class Migration(migrations.Migration):
    dependencies = [("cameos", "0014_uncredit_people_found_later")]

    operations = [migrations.RunPython(cap_frames, migrations.RunPython.noop, elidable=True)]
