"""pithos-manage blocks-gc: remove blocks no version, volume or snapshot references
(safe during uploads)."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.core.management.base import CommandError

from pithos.objects import gc
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Delete unreferenced blocks. A block goes only when a previous run already "
            "found it unreferenced at least --grace seconds ago and no upload touched it "
            "since, so run it periodically (e.g. hourly).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--grace", type=float, default=None,
                            help="Seconds (default PITHOS_GC_GRACE_SECONDS).")
        parser.add_argument("--dry-run", action="store_true", help="Only report.")

    def handle(self, *args, **options) -> None:
        grace = settings.PITHOS_GC_GRACE_SECONDS if options["grace"] is None else options["grace"]
        try:
            report = gc.collect(grace_seconds=grace, dry_run=options["dry_run"])
        except gc.GcRefused as exc:
            raise CommandError(str(exc)) from None
        self.emit(asdict(report), output=options["output"])
