from django.apps import AppConfig


class Config(AppConfig):
    name = "cyclades.network"
    label = "network"
    default_auto_field = "django.db.models.BigAutoField"
