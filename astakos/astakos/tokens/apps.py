from django.apps import AppConfig


class TokensConfig(AppConfig):
    """API tokens (stored hashed), components, and the service catalog."""

    name = "astakos.tokens"
    label = "astakos_tokens"
    default_auto_field = "django.db.models.BigAutoField"
