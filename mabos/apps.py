from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class MabosConfig(AppConfig):
    name = "mabos"
    verbose_name = "MABOS platform"

    def ready(self) -> None:
        # Each app declares its consistency checks in <app>/integrity.py.
        autodiscover_modules("integrity")
        from mabos.health import checks  # noqa: F401  (registers the readiness checks)
