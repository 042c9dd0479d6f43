from snf_common.django.wsgi import application_for

application = application_for("cyclades.project.settings")


def _import_views() -> None:
    """Import the URLconf, and with it every view module, while the worker starts rather
    than in its first request (about 0.15 CPU-s, which the first create of every worker
    paid)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf


_import_views()
