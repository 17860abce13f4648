"""A notification records the person it names by id (`about_id`), so that erasing them deletes it
and a block hides it without reading handles, which an erased person frees for someone else. The
ones already there get theirs from the handle they carry."""

from django.db import migrations, models

NAMED_BY = {"cameo_requested": "handle", "appearance_to_confirm": "handle", "draft_of_you": "author", "cameo_used": "author"}


def about_from_handles(apps, schema_editor):
    Notification = apps.get_model("accounts", "Notification")
    User = apps.get_model("accounts", "User")
    for kind, key in NAMED_BY.items():
        notes = Notification.objects.filter(kind=kind, about_id__isnull=True)
        handles = {n.data.get(key) for n in notes.only("data").iterator() if isinstance(n.data, dict)}
        handles.discard(None)
        for user_id, handle in User.objects.filter(handle__in=handles).values_list("pk", "handle").iterator():
            notes.filter(**{f"data__{key}": handle}).update(about_id=user_id)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_follower_count_most'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='about_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['about_id'], name='accounts_notification_about'),
        ),
        migrations.RunPython(about_from_handles, migrations.RunPython.noop, elidable=True),
    ]
