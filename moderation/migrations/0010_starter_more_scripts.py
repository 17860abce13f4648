"""The starter list's names in Arabic, Persian, Hebrew, Hindi, Thai and Greek, added to
moderation/data/starter/other_scripts/names.csv after 0009 ran: 0009's step again, which adds only the
aliases a person does not have yet (under the same rules: nobody brought back, another person's name
left out, NamesChange rows and a new NamesVersion token when anything changed). On a new database 0009
has added them all and this changes nothing.
"""

import importlib

from django.db import migrations

forwards = importlib.import_module("moderation.migrations.0009_starter_other_scripts").forwards


class Migration(migrations.Migration):
    dependencies = [("moderation", "0009_starter_other_scripts")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
