from django.apps import AppConfig


class Config(AppConfig):
    name = "cyclades.backends"
    label = "backends"
    default_auto_field = "django.db.models.BigAutoField"
