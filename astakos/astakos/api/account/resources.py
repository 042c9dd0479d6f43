"""GET /account/v1.0/resources."""

from django.http import HttpRequest, JsonResponse

from astakos.quotas.models import Resource
from astakos.quotas.resources import describe
from snf_common.django.auth import api_view


@api_view(("GET",), auth=False)
def resources(request: HttpRequest) -> JsonResponse:
    return JsonResponse({r.name: describe(r) for r in Resource.objects.all()})
