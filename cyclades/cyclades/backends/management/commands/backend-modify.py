"""cyclades-manage backend-modify ID [--drained yes|no] [--offline yes|no] [--password ...]"""

from django.core.management.base import CommandError

from cyclades.backends.models import Backend
from snf_common.django.commands import SnfCommand

BOOLS = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}


def backend_by_ref(ref: str) -> Backend:
    backend = (Backend.objects.filter(pk=int(ref)).first() if ref.isdigit()
               else Backend.objects.filter(name=ref).first())
    if backend is None:
        raise CommandError(f"no backend {ref}")
    return backend


class Command(SnfCommand):
    help = "Change a backend's connection settings or its drained/offline flags."

    def add_arguments(self, parser):
        parser.add_argument("backend", help="id or name")
        parser.add_argument("--drained", choices=sorted(BOOLS))
        parser.add_argument("--offline", choices=sorted(BOOLS))
        parser.add_argument("--host")
        parser.add_argument("--port", type=int)
        parser.add_argument("--user")
        parser.add_argument("--password")
        parser.add_argument("--tls-verify")
        parser.add_argument("--hypervisor")
        parser.add_argument("--disk-templates")

    def handle(self, *args, **options):
        backend = backend_by_ref(options["backend"])
        for flag in ("drained", "offline"):
            if options[flag] is not None:
                setattr(backend, flag, BOOLS[options[flag]])
        for option, field in (("host", "host"), ("port", "port"), ("user", "username"),
                              ("password", "password"), ("tls_verify", "tls_verify"),
                              ("hypervisor", "hypervisor")):
            if options[option] is not None:
                setattr(backend, field, options[option])
        if options["disk_templates"] is not None:
            backend.disk_templates = [t.strip() for t in options["disk_templates"].split(",")
                                      if t.strip()]
        backend.save()
        self.emit(backend.as_row(), output=options["output"])
