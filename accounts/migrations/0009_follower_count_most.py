"""People search takes the most followed people as candidates whenever a name of theirs starts with
the query (accounts.selectors._popular_people): an index on the counts, most followed first, reads
them without sorting every count."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_user_search_words'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='followercount',
            index=models.Index(fields=['-followers', 'user'], name='accounts_followercount_most'),
        ),
    ]
