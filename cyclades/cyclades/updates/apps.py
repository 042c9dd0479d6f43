from django.apps import AppConfig


class Config(AppConfig):
    name = "cyclades.updates"
    label = "updates"
    default_auto_field = "django.db.models.BigAutoField"
