from django.urls import include, path

from cyclades.api.compute_v2 import versions as compute_versions
from cyclades.api.network_v2 import views as network_views
from cyclades.api.image_v2 import versions as image_versions
from cyclades.api.volume_v3 import versions as volume_versions
from snf_common.django.health import healthz

urlpatterns = [
    path("healthz", healthz),
    path("compute", compute_versions.root),
    path("compute/", compute_versions.root),
    path("compute/v2.1", compute_versions.v21),
    path("compute/v2.1/", include("cyclades.api.compute_v2.urls")),
    path("network", network_views.versions),
    path("network/", network_views.versions),
    path("network/v2.0", network_views.v2),
    path("network/v2.0/", include("cyclades.api.network_v2.urls")),
    path("image", image_versions.root),
    path("image/", image_versions.root),
    path("image/versions", image_versions.versions),
    path("image/v2", image_versions.versions),
    path("image/v2/", include("cyclades.api.image_v2.urls")),
    path("image/v1.0/", include("cyclades.api.image_v1.urls")),
    path("image/v1/", include("cyclades.api.image_v1.urls")),
    path("volume", volume_versions.root),
    path("volume/", volume_versions.root),
    path("volume/v3", volume_versions.v3),
    path("volume/v3/", include("cyclades.api.volume_v3.urls")),
    path("volume/v2.0/", include("cyclades.api.volume_v3.urls_v2")),
    path("vmapi/v1.0/", include("cyclades.vmapi.urls")),
    path("ui/", include("cyclades.dashboard.urls")),
]

handler404 = "snf_common.django.middleware.handler404"
handler500 = "snf_common.django.middleware.handler500"
handler400 = "snf_common.django.middleware.handler400"
handler403 = "snf_common.django.middleware.handler403"
