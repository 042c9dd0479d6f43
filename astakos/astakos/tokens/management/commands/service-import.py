import json
import sys

from django.core.management.base import CommandError

from astakos.tokens.components import import_definition, validate_definition
from snf_common.django.commands import SnfCommand


def parse_definitions(text: str, source: str) -> list:
    """Every definition in `text`: one JSON document, a JSON list of them, or several
    documents one after the other (e.g. `pithos-manage ...; cyclades-manage ...` piped in)."""
    decoder = json.JSONDecoder()
    found, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        try:
            document, position = decoder.raw_decode(text, position)
        except ValueError as exc:
            raise CommandError(f"cannot read {source}: {exc}") from None
        found.extend(document if isinstance(document, list) else [document])
    if not found:
        raise CommandError(f"cannot read {source}: no definition in it")
    return found


class Command(SnfCommand):
    help = ("Register components' endpoints and resources from their service-definition "
            "JSON (files, or '-' for stdin holding one or more documents); idempotent. "
            "Prints each component's service token (-o json: one object for one "
            "definition, a list for several).")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="file", help="JSON file, or - for stdin")

    def handle(self, *args, **options):
        definitions = []
        for name in options["files"]:
            try:
                if name == "-":
                    text = sys.stdin.read()
                else:
                    with open(name) as handle:
                        text = handle.read()
            except OSError as exc:
                raise CommandError(f"cannot read {name}: {exc}") from None
            definitions.extend(parse_definitions(text, name))
        for data in definitions:  # all checked first: a bad document imports nothing
            validate_definition(data)
        results = []
        for data in definitions:
            component, token = import_definition(data)
            results.append({"component": component.name, "service_token": token,
                            "service_user": component.account.uuid})
        if options["output"] == "json":
            self.emit(results[0] if len(results) == 1 else results, output="json")
        else:
            for result in results:
                self.stdout.write(result["service_token"] if len(results) == 1
                                  else f"{result['component']} {result['service_token']}")
