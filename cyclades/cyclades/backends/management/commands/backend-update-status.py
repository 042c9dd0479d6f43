from django.core.management.base import CommandError

from cyclades.backends.ganeti.rapi import RapiError
from cyclades.backends.models import Backend
from cyclades.backends.status import refresh
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Refresh the capacity stats of one or all online backends over RAPI."

    def add_arguments(self, parser):
        parser.add_argument("backend", nargs="?", help="id or name (default: all online)")

    def handle(self, *args, **options):
        if options["backend"]:
            ref = options["backend"]
            backends = Backend.objects.filter(pk=int(ref)) if ref.isdigit() else \
                Backend.objects.filter(name=ref)
        else:
            backends = Backend.objects.filter(offline=False)
        rows, failed = [], []
        for backend in backends:
            try:
                rows.append(refresh(backend).as_row())
            except RapiError as exc:
                failed.append(f"{backend.name}: {exc}")
        self.emit(rows, fields=("id", "name", "mfree", "mtotal", "dfree", "dtotal",
                                "pinst_cnt", "ctotal", "updated"), output=options["output"])
        if failed:
            raise CommandError("; ".join(failed))
