import json
import sys

from django.core.management.base import CommandError

from astakos.tokens.components import import_definition
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Register a component's endpoints and resources from its service-definition "
            "JSON (file or '-'); idempotent. Prints the component's service token.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON file, or - for stdin")

    def handle(self, *args, **options):
        try:
            if options["file"] == "-":
                data = json.load(sys.stdin)
            else:
                with open(options["file"]) as handle:
                    data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from None
        component, token = import_definition(data)
        if options["output"] == "json":
            self.emit({"component": component.name, "service_token": token,
                       "service_user": component.account.uuid}, output="json")
        else:
            self.stdout.write(token)
