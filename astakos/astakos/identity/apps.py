from django.apps import AppConfig


class IdentityConfig(AppConfig):
    """Users, groups (roles), authentication providers, login throttling."""

    name = "astakos.identity"
    label = "astakos_identity"
    default_auto_field = "django.db.models.BigAutoField"
