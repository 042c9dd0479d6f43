from django.urls import path

from astakos.api.keystone_v3 import auth_tokens, resources, users, versions

urlpatterns = [
    path("", versions.v3_version),
    path("/", versions.v3_version),
    path("/auth/tokens", auth_tokens.auth_tokens),
    path("/auth/catalog", resources.auth_catalog),
    path("/auth/projects", resources.auth_projects),
    path("/users/<str:user_id>/projects", resources.user_projects),
    path("/users/<str:user_id>/password", users.user_password),
    path("/domains/<str:domain_id>", resources.domain),
]
