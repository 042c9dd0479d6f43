from django.apps import AppConfig


class Config(AppConfig):
    name = "cyclades.vmapi"
    label = "vmapi"
    default_auto_field = "django.db.models.BigAutoField"
