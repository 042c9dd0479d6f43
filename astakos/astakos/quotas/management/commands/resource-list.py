from astakos.quotas.models import Resource
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List resources with their default limits."
    FIELDS = ("name", "component", "unit", "default_limit", "project_default", "ui_visible",
              "api_visible")

    def rows(self, **options):
        for r in Resource.objects.all():
            yield {f: getattr(r, f) for f in self.FIELDS}
