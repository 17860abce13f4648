from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "castfeed core (API conventions, storage, seeding)"

    def ready(self) -> None:
        import core.sql  # noqa: F401 - registers the `any` lookup
        from core.conf import conf

        conf()  # a bad CASTFEED_CORE_* value stops start-up
        make_folders()


def make_folders() -> None:
    """The local folders the settings point at, made at start-up rather than when settings are
    imported: the SQLite database's, whitenoise's STATIC_ROOT (expected before the first
    collectstatic), the filesystem broker's and Celery beat's."""
    folders = [Path(settings.STATIC_ROOT)]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and str(database["NAME"]) != ":memory:":
        folders.append(Path(database["NAME"]).parent)
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    keys = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    folders.extend(Path(options[key]) for key in keys if options.get(key))
    if getattr(settings, "CELERY_BEAT_SCHEDULE_FILENAME", ""):
        folders.append(Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent)
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
