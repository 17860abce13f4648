from django.apps import AppConfig


class CameosConfig(AppConfig):
    name = "cameos"
    verbose_name = "Cameos: verified likeness, audience and grants"

    def ready(self) -> None:
        from cameos import receivers  # noqa: F401 - connects to accounts' hooks
