from django.apps import AppConfig


class CameosConfig(AppConfig):
    name = "cameos"
    verbose_name = "Cameos: verified likeness, audience and grants"

    def ready(self) -> None:
        from cameos import receivers  # noqa: F401 - connects to accounts' and feed's hooks
        from cameos.conf import conf
        from core import warmup

        conf()  # a bad CASTFEED_CAMEOS value stops start-up
        # What a worker's enrollment check loads (core.warmup): the voice step's decoders and encoder.
        warmup.register("the voice step's models", _voice_models)


def _voice_models() -> None:
    from cameos.likeness import voice

    voice.load()
