"""Notifications that name a person by handle and were left without `about_id` by 0010: their handle
was no account's then (the person was erased before notifications recorded whom they name, or
support changed the handle), and every such notification since names its person by id. They go, as
an erasure takes back what names the person now: the handle may be someone else's."""

from django.db import migrations

NAMED = ["cameo_requested", "appearance_to_confirm", "draft_of_you", "cameo_used"]


def delete_naming_no_one(apps, schema_editor):  # type: ignore[no-untyped-def]
    Notification = apps.get_model("accounts", "Notification")
    Notification.objects.filter(kind__in=NAMED, about_id__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0012_authtoken_last_used_at")]

    operations = [migrations.RunPython(delete_naming_no_one, migrations.RunPython.noop, elidable=True)]
