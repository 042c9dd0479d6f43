from django.urls import include, path

from astakos.api.keystone_v3 import versions
from snf_common.django.health import healthz

urlpatterns = [
    path("healthz", healthz),
    path("identity", versions.all_versions),
    path("identity/", versions.all_versions),
    path("identity/v3", include("astakos.api.keystone_v3.urls")),
    path("identity/v2.0", include("astakos.api.keystone_v2.urls")),
    path("account/v1.0", include("astakos.api.account.urls")),
    path("ui/", include("astakos.ui.urls")),
]

handler404 = "snf_common.django.middleware.handler404"
handler500 = "snf_common.django.middleware.handler500"
handler400 = "snf_common.django.middleware.handler400"
handler403 = "snf_common.django.middleware.handler403"
