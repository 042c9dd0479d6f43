from django.urls import path

from astakos.api.keystone_v2 import tokens
from astakos.api.keystone_v3 import versions

urlpatterns = [
    path("", versions.v2_version),
    path("/", versions.v2_version),
    path("/tokens", tokens.create_token),
]
