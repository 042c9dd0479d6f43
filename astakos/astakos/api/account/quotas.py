"""GET /account/v1.0/quotas, service_quotas and service_project_quotas."""

from django.http import HttpRequest, JsonResponse

from astakos.api.account.access import component_of, csv_param
from astakos.identity.models import User
from astakos.projects.access import member_projects
from astakos.quotas.holdings import USER_TAG
from astakos.quotas.models import Holding, Resource
from astakos.quotas.query import project_quotas, user_quotas
from snf_common.django.auth import api_view
from snf_common.faults import ItemNotFound


@api_view(("GET",))
def quotas(request: HttpRequest) -> JsonResponse:
    """The caller's quotas in every project they are an active member of."""
    user = User.objects.get(uuid=request.credentials.user_id)
    projects = [p.id for p in member_projects(user)]
    visible = Resource.objects.filter(api_visible=True).values_list("name", flat=True)
    result = user_quotas([user.uuid], resources=visible, projects=projects)[user.uuid]
    return JsonResponse(result)


@api_view(("GET",))
def service_quotas(request: HttpRequest) -> JsonResponse:
    component = component_of(request)
    resources = list(Resource.objects.filter(component=component).values_list("name", flat=True))
    users = csv_param(request, "user")
    if users is None:
        holders = Holding.objects.filter(holder__startswith=USER_TAG, resource__in=resources)
        users = sorted({h[len(USER_TAG):] for h in holders.values_list("holder", flat=True)})
    else:
        found = set(User.objects.filter(uuid__in=users).values_list("uuid", flat=True))
        missing = [u for u in users if u not in found]
        if missing:
            raise ItemNotFound(f"No such users: {', '.join(missing)}")
    return JsonResponse(user_quotas(users, resources=resources,
                                    projects=csv_param(request, "project")))


@api_view(("GET",))
def service_project_quotas(request: HttpRequest) -> JsonResponse:
    component = component_of(request)
    resources = list(Resource.objects.filter(component=component).values_list("name", flat=True))
    projects = csv_param(request, "project")
    if projects is None:
        from astakos.projects.models import Project

        projects = list(Project.objects.values_list("id", flat=True))
    return JsonResponse(project_quotas(projects, resources=resources))
