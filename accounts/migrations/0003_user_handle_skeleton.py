# A handle's TR39 skeleton, unique, so that no new handle reads like an existing one.

from django.db import migrations, models


def fill_skeletons(apps, schema_editor):
    """Oldest account first; a later account that already looks like an earlier one keeps null
    (both stay usable, and no new look-alike of either can register)."""
    from core.text import skeleton

    User = apps.get_model("accounts", "User")
    seen = set()
    batch = []
    for user in User.objects.order_by("id").only("id", "handle").iterator(chunk_size=2000):
        value = skeleton(user.handle)
        if value in seen:
            continue
        seen.add(value)
        user.handle_skeleton = value
        batch.append(user)
        if len(batch) >= 2000:
            User.objects.bulk_update(batch, ["handle_skeleton"])
            batch = []
    if batch:
        User.objects.bulk_update(batch, ["handle_skeleton"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_notifications'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='handle_skeleton',
            field=models.CharField(blank=True, editable=False, max_length=60, null=True, unique=True),
        ),
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop),
    ]
