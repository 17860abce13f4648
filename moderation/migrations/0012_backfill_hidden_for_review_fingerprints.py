"""A video hidden pending a takedown review keeps its fingerprint as `hidden_for_review` (feed 0011),
so that no copy of it is published while the review waits. The videos already hidden when that came
get theirs here: each video still hidden by a request waiting for review (status `removed`, not
hidden with its author's deactivated account, matched `was_published` by a request in status
`hidden`: what moderation.takedowns counts as hidden for another request), that has a fingerprint
and no kept row yet. Nothing to undo: the rows go as the others do, when the request is decided."""

from django.db import migrations


def remember_hidden_fingerprints(apps, schema_editor):
    Video = apps.get_model("feed", "Video")
    RemovedFingerprint = apps.get_model("feed", "RemovedFingerprint")
    TakedownMatch = apps.get_model("moderation", "TakedownMatch")
    waiting = TakedownMatch.objects.filter(was_published=True, request__status="hidden").values("video_id")
    hidden = (
        Video.objects.filter(status="removed", pk__in=waiting, fingerprint__isnull=False)
        .exclude(removed_reason="hidden while its author's account is deactivated")  # Video.AUTHOR_DEACTIVATED
        .exclude(pk__in=RemovedFingerprint.objects.values("video_id"))
        .values_list("pk", "fingerprint")
    )
    rows = [
        RemovedFingerprint(video_id=pk, fingerprint=bytes(fingerprint), reason="hidden_for_review")
        for pk, fingerprint in hidden.iterator(chunk_size=1000)
        if fingerprint
    ]
    RemovedFingerprint.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0011_takedown_overdue"),
        ("feed", "0011_removedfingerprint_hidden_for_review"),
    ]

    operations = [migrations.RunPython(remember_hidden_fingerprints, migrations.RunPython.noop, elidable=True)]
