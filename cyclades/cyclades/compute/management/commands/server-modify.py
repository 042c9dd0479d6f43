from django.core.management.base import CommandError
from django.db import transaction

from cyclades.compute.models import OPERSTATES, Server
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Administrative changes to a server: rename, or force its recorded state "
            "(for a server stuck after an outage; quota is not changed, run "
            "reconcile-servers --fix afterwards).")

    def add_arguments(self, parser):
        parser.add_argument("server_id", type=int)
        parser.add_argument("--name")
        parser.add_argument("--operstate", choices=OPERSTATES)
        parser.add_argument("--clear-task", action="store_true")

    def handle(self, *args, **options):
        with transaction.atomic():
            server = Server.objects.select_for_update().filter(pk=options["server_id"]).first()
            if server is None:
                raise CommandError(f"no server {options['server_id']}")
            if options["name"]:
                server.name = options["name"]
            if options["operstate"]:
                server.operstate = options["operstate"]
            if options["clear_task"]:
                server.task, server.task_job_id = "", None
            server.save()
        self.emit({"id": server.id, "name": server.name, "operstate": server.operstate,
                   "task": server.task}, output=options["output"])
