from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the audit receivers)
        from accounts.api import schema  # noqa: F401  (registers the OpenAPI JWT scheme)
