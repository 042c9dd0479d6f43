from django.urls import path

from astakos.api.account import commissions, quotas, resources, user_catalogs

urlpatterns = [
    path("/resources", resources.resources),
    path("/quotas", quotas.quotas),
    path("/service_quotas", quotas.service_quotas),
    path("/service_project_quotas", quotas.service_project_quotas),
    path("/commissions", commissions.commission_list),
    path("/commissions/action", commissions.resolve_many),
    path("/commissions/<int:serial>", commissions.commission_detail),
    path("/commissions/<int:serial>/action", commissions.commission_action),
    path("/user_catalogs", user_catalogs.user_catalogs),
    path("/service/user_catalogs", user_catalogs.service_user_catalogs),
]
