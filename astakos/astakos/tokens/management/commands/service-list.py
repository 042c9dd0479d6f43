from astakos.tokens.models import Service
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List the catalog entries of imported components."
    FIELDS = ("component", "name", "type", "version", "url")

    def rows(self, **options):
        for s in Service.objects.select_related("component"):
            yield {"component": s.component.name, "name": s.name, "type": s.type,
                   "version": s.version, "url": s.url}
