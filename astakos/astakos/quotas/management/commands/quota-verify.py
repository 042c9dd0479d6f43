from django.core.management.base import CommandError

from astakos.projects.quotas import sync_all
from astakos.quotas.verify import fix_project_totals, problems
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Check the quota holder: usages, pending amounts vs pending commissions, project "
            "totals vs members. --fix re-syncs limits and project totals (reconcile).")

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true")

    def handle(self, *args, **options):
        if options["fix"]:
            synced = sync_all()
            fixed = fix_project_totals()
            self.stdout.write(f"limits re-synced: {synced}; project totals fixed: {fixed}")
        found = problems()
        for line in found:
            self.stdout.write(line)
        if found:
            raise CommandError(f"{len(found)} problem(s)")
        self.stdout.write("quotas consistent")
