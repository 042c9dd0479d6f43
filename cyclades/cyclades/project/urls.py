from django.urls import include, path

from cyclades.api.compute_v2 import versions as compute_versions
from snf_common.django.health import healthz

urlpatterns = [
    path("healthz", healthz),
    path("compute", compute_versions.root),
    path("compute/", compute_versions.root),
    path("compute/v2.1", compute_versions.v21),
    path("compute/v2.1/", include("cyclades.api.compute_v2.urls")),
]

handler404 = "snf_common.django.middleware.handler404"
handler500 = "snf_common.django.middleware.handler500"
handler400 = "snf_common.django.middleware.handler400"
handler403 = "snf_common.django.middleware.handler403"
