"""pithos-manage account-usage [ACCOUNT...]: containers, objects and bytes per account."""

from __future__ import annotations

from pithos.objects import tree
from pithos.objects.models import ACCOUNT, Node
from snf_common.django.commands import ListCommand


class Command(ListCommand):
    help = "Show what each account stores (current versions; history is free)."
    FIELDS = ("account", "containers", "objects", "bytes")

    def add_arguments(self, parser) -> None:
        parser.add_argument("accounts", nargs="*", help="Account uuids (default: all).")

    def rows(self, **options):
        names = options["accounts"] or list(
            Node.objects.filter(depth=ACCOUNT).order_by("path").values_list("path", flat=True))
        for name in names:
            containers, objects, used = tree.account_usage(name)
            yield {"account": name, "containers": containers, "objects": objects, "bytes": used}
