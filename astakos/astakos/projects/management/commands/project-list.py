from astakos.projects.models import Project
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List projects (base projects with --base)."
    FIELDS = ("id", "name", "state", "owner", "members", "pending_application")

    def add_arguments(self, parser):
        parser.add_argument("--base", action="store_true", help="Include base projects.")
        parser.add_argument("--pending", action="store_true",
                            help="Only projects with a pending application.")

    def rows(self, **options):
        query = Project.objects.select_related("owner")
        if not options.get("base"):
            query = query.filter(is_base=False)
        for p in query:
            pending = p.applications.filter(state="pending").values_list("id", flat=True).first()
            if options.get("pending") and pending is None:
                continue
            yield {"id": p.id, "name": p.name, "state": p.state,
                   "owner": p.owner.username if p.owner else "",
                   "members": p.memberships.filter(state__in=("accepted", "leave_requested"))
                   .count(), "pending_application": pending or ""}
