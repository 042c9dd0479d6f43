from django.urls import path

from astakos.api.account import commissions, projects, quotas, resources, tokens, user_catalogs

urlpatterns = [
    path("/resources", resources.resources),
    path("/quotas", quotas.quotas),
    path("/service_quotas", quotas.service_quotas),
    path("/service_project_quotas", quotas.service_project_quotas),
    path("/commissions", commissions.commission_list),
    path("/commissions/action", commissions.resolve_many),
    path("/commissions/<int:serial>", commissions.commission_detail),
    path("/commissions/<int:serial>/action", commissions.commission_action),
    path("/tokens/renew", tokens.renew),
    path("/user_catalogs", user_catalogs.user_catalogs),
    path("/service/user_catalogs", user_catalogs.service_user_catalogs),
    path("/projects", projects.project_list),
    path("/projects/memberships", projects.membership_list),
    path("/projects/memberships/<int:membership_id>", projects.membership_detail),
    path("/projects/memberships/<int:membership_id>/action", projects.membership_action),
    path("/projects/applications/<int:app_id>", projects.application_detail),
    path("/projects/<str:project_id>", projects.project_detail),
    path("/projects/<str:project_id>/action", projects.project_action),
]
