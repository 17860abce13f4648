from django.apps import AppConfig


class CameosConfig(AppConfig):
    name = "cameos"
    verbose_name = "Cameos: verified likeness, audience and grants"

    def ready(self) -> None:
        from cameos import receivers  # noqa: F401 - connects to accounts' hooks
        from cameos.conf import conf

        conf()  # a bad CASTFEED_CAMEOS value stops start-up
