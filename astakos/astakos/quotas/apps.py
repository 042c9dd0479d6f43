from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _register_own_resources(sender, using="default", **kwargs) -> None:
    from astakos.quotas.resources import register_astakos_resources

    register_astakos_resources()


class QuotasConfig(AppConfig):
    """Resources, holdings and commissions (the quota holder)."""

    name = "astakos.quotas"
    label = "astakos_quotas"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_register_own_resources, sender=self)
