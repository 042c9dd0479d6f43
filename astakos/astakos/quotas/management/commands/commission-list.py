from astakos.quotas.models import Commission
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List pending commissions."
    FIELDS = ("serial", "clientkey", "name", "issue_time", "provisions")

    def add_arguments(self, parser):
        parser.add_argument("--component", help="Only this component's (clientkey).")

    def rows(self, **options):
        query = Commission.objects.order_by("serial")
        if options.get("component"):
            query = query.filter(clientkey=options["component"])
        for c in query:
            yield {"serial": c.serial, "clientkey": c.clientkey, "name": c.name,
                   "issue_time": c.issue_time.isoformat(),
                   "provisions": c.provisions.count()}
