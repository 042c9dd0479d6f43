from django.apps import AppConfig


class Config(AppConfig):
    name = "cyclades.compute"
    label = "compute"
    default_auto_field = "django.db.models.BigAutoField"
