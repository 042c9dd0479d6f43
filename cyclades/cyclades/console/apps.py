from django.apps import AppConfig


class Config(AppConfig):
    name = "cyclades.console"
    label = "console"
    default_auto_field = "django.db.models.BigAutoField"
