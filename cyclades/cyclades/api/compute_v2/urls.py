"""URL table of the Compute API (/compute/v2.1/...)."""

from django.http import JsonResponse
from django.urls import path, re_path

from cyclades.api.compute_v2 import (
    actions,
    flavors,
    images,
    keypairs,
    limits,
    metadata,
    servers,
    versions,
    volume_attachments,
)


@versions.compute_view(("GET",))
def extensions(request):
    return JsonResponse({"extensions": []})


urlpatterns = [
    path("", versions.v21),
    path("servers", servers.collection),
    path("servers/detail", servers.detail),
    path("servers/<str:server_id>", servers.item),
    path("servers/<str:server_id>/action", actions.action),
    path("servers/<str:server_id>/remote-consoles", actions.remote_consoles),
    path("servers/<str:server_id>/os-volume_attachments", volume_attachments.collection),
    path("servers/<str:server_id>/os-volume_attachments/<str:volume_id>",
         volume_attachments.item),
    path("servers/<str:server_id>/metadata", metadata.collection),
    re_path(r"^servers/(?P<server_id>[^/]+)/metadata/(?P<key>.+)$", metadata.item),
    path("flavors", flavors.collection),
    path("flavors/detail", flavors.detail),
    path("flavors/<str:flavor_id>", flavors.item),
    path("images", images.collection),
    path("images/detail", images.detail),
    path("images/<str:image_id>", images.item),
    path("os-keypairs", keypairs.collection),
    path("os-keypairs/<str:name>", keypairs.item),
    path("limits", limits.limits),
    path("extensions", extensions),
]
