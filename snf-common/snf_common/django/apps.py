from django.apps import AppConfig


class SnfCommonConfig(AppConfig):
    """Makes snf_common's management commands (e.g. show-settings) available to every service."""

    name = "snf_common.django"
    label = "snf_common"
