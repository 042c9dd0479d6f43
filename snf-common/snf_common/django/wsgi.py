"""WSGI application factory; fails at start, with the setting named, on bad settings."""

from __future__ import annotations

import os


def application_for(settings_module: str):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
