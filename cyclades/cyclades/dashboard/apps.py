from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "cyclades.dashboard"
    label = "dashboard"
