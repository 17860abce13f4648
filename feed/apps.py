from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "feed"
    verbose_name = "Feed: videos, likes, comments, views"

    def ready(self) -> None:
        from feed import receivers  # noqa: F401 - connects to accounts' hooks
        from feed.conf import conf

        conf()  # a bad CASTFEED_FEED_* value stops start-up
