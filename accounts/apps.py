from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and the social graph"

    def ready(self) -> None:
        from accounts.conf import conf

        conf()  # a bad CASTFEED_ACCOUNTS_* value stops start-up
