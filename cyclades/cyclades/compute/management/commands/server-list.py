from cyclades.compute import states
from cyclades.compute.models import Server
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "List servers (all users)."
    FIELDS = ("id", "name", "owner", "status", "operstate", "task", "flavor", "backend",
              "job", "deleted")

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only this owner uuid.")
        parser.add_argument("--backend-id", type=int)
        parser.add_argument("--deleted", action="store_true", help="Include deleted servers.")

    def rows(self, **options):
        query = Server.objects.select_related("flavor")
        if not options["deleted"]:
            query = query.filter(deleted=False)
        if options["user"]:
            query = query.filter(owner=options["user"])
        if options["backend_id"]:
            query = query.filter(backend_id=options["backend_id"])
        return [{"id": s.id, "name": s.name, "owner": s.owner, "status": states.api_status(s),
                 "operstate": s.operstate, "task": s.task, "flavor": s.flavor.public_id,
                 "backend": s.backend_id, "job": s.backend_job_id, "deleted": s.deleted}
                for s in query]
