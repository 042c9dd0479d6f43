from django.apps import AppConfig


class UiConfig(AppConfig):
    """Web pages (Django templates, sessions, CSRF); no models of its own."""

    name = "astakos.ui"
    label = "astakos_ui"
