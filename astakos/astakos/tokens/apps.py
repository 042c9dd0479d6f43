from django.apps import AppConfig


class TokensConfig(AppConfig):
    """API tokens (stored hashed), components, and the service catalog."""

    name = "astakos.tokens"
    label = "astakos_tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from astakos.tokens import signals  # noqa: F401  (connects the cache invalidation)
