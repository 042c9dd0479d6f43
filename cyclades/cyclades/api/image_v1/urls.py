"""URL table of Plankton, the Glance v1 compatible API (/image/v1.0/..., also /image/v1/)."""

from django.urls import path

from cyclades.api.image_v1 import images

urlpatterns = [
    path("images", images.collection),
    path("images/", images.collection),
    path("images/detail", images.detail_list),
    path("images/<str:image_id>", images.item),
    path("images/<str:image_id>/members", images.member_list),
    path("images/<str:image_id>/members/<str:member_id>", images.member_item),
    path("shared-images/<str:member_id>", images.shared_images),
]
