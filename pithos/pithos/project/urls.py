from django.urls import include, path

from snf_common.django.health import healthz

urlpatterns = [
    path("healthz", healthz),
    path("", include("pithos.api.urls")),
]

handler404 = "snf_common.django.middleware.handler404"
handler500 = "snf_common.django.middleware.handler500"
handler400 = "snf_common.django.middleware.handler400"
handler403 = "snf_common.django.middleware.handler403"
