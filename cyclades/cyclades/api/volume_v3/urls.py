"""URL table of the Block Storage API (/volume/v3/{project_id}/...)."""

from django.urls import path

from cyclades.api.volume_v3 import snapshots, types, versions, volumes

urlpatterns = [
    path("", versions.v3),
    path("<str:project_id>/volumes", volumes.collection),
    path("<str:project_id>/volumes/detail", volumes.detail),
    path("<str:project_id>/volumes/<str:volume_id>", volumes.item),
    path("<str:project_id>/volumes/<str:volume_id>/action", volumes.action),
    path("<str:project_id>/snapshots", snapshots.collection),
    path("<str:project_id>/snapshots/detail", snapshots.detail),
    path("<str:project_id>/snapshots/<str:snapshot_id>", snapshots.item),
    path("<str:project_id>/types", types.collection),
    path("<str:project_id>/types/<str:type_id>", types.item),
]
