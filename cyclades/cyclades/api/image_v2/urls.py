"""URL table of the Image API v2 (/image/v2/...)."""

from django.urls import path

from cyclades.api.image_v2 import images, members, versions

urlpatterns = [
    path("", versions.versions),
    path("images", images.collection),
    path("images/<str:image_id>", images.item),
    path("images/<str:image_id>/file", images.data),
    path("images/<str:image_id>/import", images.import_image),
    path("images/<str:image_id>/tags/<str:value>", images.tag),
    path("images/<str:image_id>/members", members.collection),
    path("images/<str:image_id>/members/<str:member_id>", members.item),
]
