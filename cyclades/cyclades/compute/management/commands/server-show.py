from django.core.management.base import CommandError

from cyclades.backends.ganeti.jobs import instance_name
from cyclades.compute import states
from cyclades.compute.models import Server
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Show one server with its NICs, commissions and job history (the action log)."

    def add_arguments(self, parser):
        parser.add_argument("server_id", type=int)

    def handle(self, *args, **options):
        server = Server.objects.select_related("flavor").filter(pk=options["server_id"]).first()
        if server is None:
            raise CommandError(f"no server {options['server_id']}")
        data = {
            "id": server.id, "name": server.name, "owner": server.owner,
            "project": server.project, "status": states.api_status(server),
            "operstate": server.operstate, "task": server.task,
            "task_job_id": server.task_job_id, "flavor": server.flavor.public_id,
            "image": server.image_id, "backend": server.backend_id,
            "instance": instance_name(server.id), "backend_job_id": server.backend_job_id,
            "backend_opcode": server.backend_opcode,
            "backend_job_status": server.backend_job_status,
            "backend_time": server.backend_time, "build_progress": server.build_progress,
            "fault": server.fault, "deleted": server.deleted, "quota_held": server.quota_held,
            "nics": [{"index": n.index, "name": n.name, "network": n.network_id,
                      "mac": n.mac, "ipv4": n.ipv4, "firewall": n.firewall_profile}
                     for n in server.nics.all()],
            "commissions": [{"serial": c.serial, "action": c.action, "decision": c.decision,
                             "resolved": c.resolved} for c in server.commissions.all()],
            "jobs": [{"action": a.action, "job_id": a.job_id, "status": a.status,
                      "created": a.created, "finished": a.finished, "message": a.message}
                     for a in server.actions.all()],
        }
        if options["output"] == "json":
            self.emit(data, output="json")
            return
        history = data.pop("jobs")
        self.emit(data)
        self.stdout.write("\njob history:")
        self.emit(history, fields=("action", "job_id", "status", "created", "finished",
                                   "message"))
