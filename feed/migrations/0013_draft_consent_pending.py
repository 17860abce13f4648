"""feed.ConsentPending: drafts whose files are not served while a withdrawal of consent waits for its
cascade; an index of the person rows of drafts, which that withdrawal reads."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feed', '0012_engagement_across_blocks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ConsentPending',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person_id', models.BigIntegerField()),
            ],
        ),
        migrations.AddIndex(
            model_name='videoperson',
            index=models.Index(condition=models.Q(('published', False)), fields=['user'], name='feed_videoperson_user_draft'),
        ),
        migrations.AddField(
            model_name='consentpending',
            name='video',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='feed.video'),
        ),
        migrations.AddIndex(
            model_name='consentpending',
            index=models.Index(fields=['person_id'], name='feed_consentpending_person'),
        ),
        migrations.AddConstraint(
            model_name='consentpending',
            constraint=models.UniqueConstraint(fields=('video', 'person_id'), name='feed_consentpending_unique'),
        ),
    ]
