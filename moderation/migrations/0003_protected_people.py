"""The protected-names registry becomes a registry of people with faces: ProtectedName is renamed
ProtectedPerson and gains a normalised unique name key, a description, `deceased` and a verified
account; ProtectedFace holds reference photos and their templates (pgvector on PostgreSQL, whose
extension cameos 0001 creates; text elsewhere), searched exactly, so no vector index.

Existing rows get their key here; rows whose names fold to the same key are merged into the oldest
(their aliases kept), since the key is unique from now on."""

import django.db.models.deletion
import django.utils.timezone
import pgvector.django.vector
from django.conf import settings
from django.db import migrations, models

import moderation.models


def fill_keys(apps, schema_editor):
    # The app's own normalisation: the keys must be the ones the registry computes from now on.
    from core.text import fold

    Person = apps.get_model("moderation", "ProtectedPerson")
    kept = {}
    for person in Person.objects.order_by("pk"):
        key = " ".join(fold(person.name).split()) or f"#{person.pk}"
        first = kept.get(key)
        if first is None:
            person.name_key = key
            person.save(update_fields=["name_key"])
            kept[key] = person
            continue
        seen = {" ".join(fold(a).split()) for a in first.aliases} | {key}
        for alias in [person.name, *(person.aliases or [])]:
            alias_key = " ".join(fold(alias).split())
            if alias_key and alias_key not in seen:
                seen.add(alias_key)
                first.aliases = [*first.aliases, alias]
        first.save(update_fields=["aliases"])
        person.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_append_only_and_names_version"),
        ("cameos", "0001_initial"),  # CREATE EXTENSION vector (PostgreSQL)
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="ProtectedName", new_name="ProtectedPerson"),
        migrations.AlterModelOptions(name="protectedperson", options={"verbose_name_plural": "protected people"}),
        migrations.AddField(
            model_name="protectedperson",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="protectedperson",
            name="name_key",
            field=models.CharField(editable=False, max_length=200, unique=True),
        ),
        migrations.AddConstraint(
            model_name="protectedperson",
            constraint=models.CheckConstraint(
                condition=models.Q(("name_key", ""), _negated=True), name="moderation_person_key_set"
            ),
        ),
        migrations.AddField(
            model_name="protectedperson",
            name="description",
            field=models.CharField(
                blank=True,
                help_text='One line that identifies them: "the 44th president of the United States".',
                max_length=300,
            ),
        ),
        migrations.AddField(
            model_name="protectedperson",
            name="deceased",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="protectedperson",
            name="account",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="protected_person",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="protectedperson",
            name="kind",
            field=models.CharField(
                choices=[("public_figure", "Public figure"), ("estate", "Estate (registers a deceased person)")],
                default="public_figure",
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="ProtectedFace",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("photo", models.FileField(max_length=200, upload_to=moderation.models.protected_photo_name)),
                ("embedding", pgvector.django.vector.VectorField(dimensions=128)),
                ("source", models.CharField(blank=True, max_length=300)),
                ("sha256", models.CharField(max_length=64)),
                ("stored_sha256", models.CharField(blank=True, max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="faces",
                        to="moderation.protectedperson",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("person", "sha256"), name="moderation_face_unique")],
            },
        ),
    ]
