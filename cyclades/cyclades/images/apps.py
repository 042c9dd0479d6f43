from django.apps import AppConfig


class Config(AppConfig):
    name = "cyclades.images"
    label = "images"
    default_auto_field = "django.db.models.BigAutoField"
