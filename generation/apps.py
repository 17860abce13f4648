from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation: jobs from prompt to draft video"

    def ready(self) -> None:
        from generation import receivers  # noqa: F401 - connects to moderation's consent cascade
