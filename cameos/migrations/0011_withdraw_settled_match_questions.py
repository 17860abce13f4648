"""Take back the authors' `appearance_to_confirm` notifications whose possible match is no longer open
(answered, confirmed by a scan, or gone with its video before such notifications were taken back):
tapping one led to a 404."""

from django.db import migrations

BATCH = 2000


def withdraw_settled(apps, schema_editor):  # type: ignore[no-untyped-def]
    Notification = apps.get_model("accounts", "Notification")
    Appearance = apps.get_model("cameos", "Appearance")
    asked = Notification.objects.filter(kind="appearance_to_confirm").order_by("pk").values_list("pk", "data")
    stale: list[int] = []
    last = 0
    while batch := list(asked.filter(pk__gt=last)[:BATCH]):
        last = batch[-1][0]
        matches = {pk: (data or {}).get("match_id") for pk, data in batch}
        still_open = set(
            Appearance.objects.filter(
                pk__in=[m for m in matches.values() if isinstance(m, int)], match="possible"
            ).values_list("pk", flat=True)
        )
        stale += [pk for pk, match_id in matches.items() if match_id not in still_open]
    for start in range(0, len(stale), BATCH):
        Notification.objects.filter(pk__in=stale[start : start + BATCH]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_authtoken_last_used_at"),
        ("cameos", "0010_grant_list_indexes"),
    ]

    operations = [migrations.RunPython(withdraw_settled, migrations.RunPython.noop, elidable=True)]
