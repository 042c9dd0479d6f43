from django.apps import AppConfig


class ObjectsConfig(AppConfig):
    name = "pithos.objects"
    label = "pithos_objects"
    default_auto_field = "django.db.models.BigAutoField"
