from django.apps import AppConfig


class WebConfig(AppConfig):
    """The browser client: one HTML shell at `/` and ES modules served as static files."""

    name = "web"
    verbose_name = "Web client"
