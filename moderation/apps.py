from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation: consent gate, prompt policy, protected names, reports, audit log"

    def ready(self) -> None:
        from moderation import receivers  # noqa: F401 - connects to accounts', feed's and cameos' hooks
        from moderation.conf import conf

        conf()  # a bad CASTFEED_MODERATION value stops start-up
