from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation: jobs from prompt to draft video"

    def ready(self) -> None:
        from generation import receivers  # noqa: F401 - connects to moderation's consent cascade
        from generation.conf import conf

        conf()  # a bad CASTFEED_GENERATION value stops start-up (ImproperlyConfigured)
