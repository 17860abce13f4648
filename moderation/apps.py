from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation: consent gate, prompt policy, protected names, reports, audit log"

    def ready(self) -> None:
        from core import warmup
        from moderation import receivers  # noqa: F401 - connects to accounts', feed's and cameos' hooks
        from moderation.conf import conf

        conf()  # a bad CASTFEED_MODERATION value stops start-up
        # What a worker's jobs load on first use (core.warmup): the protected faces (an enrollment's and
        # an output scan's check, 1.1 s at 50k faces), MiniLM with the policy's vectors, and the
        # protected-name index (6 s at a million names: a fresh process's first job waited for it).
        warmup.register("the protected faces", _protected_faces)
        warmup.register("the checking step's model", _policy_by_meaning)
        warmup.register("the protected-name index", _name_index)


def _policy_by_meaning() -> None:
    from moderation.policy import categories

    categories("a warm-up prompt", semantic=True)


def _protected_faces() -> None:
    from moderation.selectors import load_protected_faces

    load_protected_faces()


def _name_index() -> None:
    from moderation.selectors import name_index

    name_index()
