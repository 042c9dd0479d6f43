from django.apps import AppConfig


class Config(AppConfig):
    name = "cyclades.volume"
    label = "volume"
    default_auto_field = "django.db.models.BigAutoField"
