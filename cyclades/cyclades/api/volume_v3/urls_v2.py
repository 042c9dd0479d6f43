"""Synnefo's /volume/v2.0/... (no project in the path; kamaki 0.16 uses it): the v3 views
on the token's own project."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cyclades.api.volume_v3 import snapshots, types, volumes


def _own_project(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Without credentials the view answers 401 before the project is looked at.
        credentials = getattr(request, "credentials", None)
        return view(request, *args, project_id=getattr(credentials, "project_id", "") or "",
                    **kwargs)
    return wrapper


urlpatterns = [
    path("volumes", _own_project(volumes.collection)),
    path("volumes/detail", _own_project(volumes.detail)),
    path("volumes/<str:volume_id>", _own_project(volumes.item)),
    path("volumes/<str:volume_id>/action", _own_project(volumes.action)),
    path("snapshots", _own_project(snapshots.collection)),
    path("snapshots/detail", _own_project(snapshots.detail)),
    path("snapshots/<str:snapshot_id>", _own_project(snapshots.item)),
    path("types", _own_project(types.collection)),
    path("types/<str:type_id>", _own_project(types.item)),
]
