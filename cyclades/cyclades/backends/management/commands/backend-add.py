"""cyclades-manage backend-add --name N --host H [--port P] [--user U --password PW] ..."""

from django.core.management.base import CommandError

from cyclades.backends.ganeti.rapi import RapiError
from cyclades.backends.models import Backend
from cyclades.backends.status import refresh
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Register a Ganeti cluster; reads its capacity and disk templates over RAPI."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--host", required=True)
        parser.add_argument("--port", type=int, default=5080)
        parser.add_argument("--user", default="")
        parser.add_argument("--password", default="")
        parser.add_argument("--tls-verify", default="true",
                            help="true, false, or the path of a CA bundle.")
        parser.add_argument("--hypervisor", default="")
        parser.add_argument("--disk-templates", default="",
                            help="Comma-separated; default: what the cluster enables.")
        parser.add_argument("--no-check", action="store_true",
                            help="Do not contact the cluster now.")
        parser.add_argument("--drained", action="store_true")

    def handle(self, *args, **options):
        if Backend.objects.filter(name=options["name"]).exists():
            raise CommandError(f"backend {options['name']} exists")
        backend = Backend(name=options["name"], host=options["host"], port=options["port"],
                          username=options["user"], password=options["password"],
                          tls_verify=options["tls_verify"], drained=options["drained"])
        if options["hypervisor"]:
            backend.hypervisor = options["hypervisor"]
        if options["disk_templates"]:
            backend.disk_templates = [t.strip() for t in options["disk_templates"].split(",")
                                      if t.strip()]
        if not options["no_check"]:
            try:
                refresh(backend, save=False)
            except RapiError as exc:
                raise CommandError(f"cannot reach the cluster: {exc} (use --no-check)")
            if options["disk_templates"]:
                backend.disk_templates = [t.strip() for t in
                                          options["disk_templates"].split(",") if t.strip()]
        backend.save()
        self.emit(backend.as_row(), output=options["output"])
