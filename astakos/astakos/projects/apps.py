from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """Projects: base projects, applications, memberships, resource grants."""

    name = "astakos.projects"
    label = "astakos_projects"
    default_auto_field = "django.db.models.BigAutoField"
