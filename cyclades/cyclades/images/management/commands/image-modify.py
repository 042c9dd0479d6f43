"""cyclades-manage image-modify ID [--visibility V] [--name N] [--protected yes|no]
[--property K=V ...] [--remove-property K ...]"""

from django.core.management.base import CommandError

from cyclades.images import registry
from cyclades.images.models import VISIBILITIES
from snf_common.django.commands import SnfCommand

from ._lookup import ADMIN, image_by_id, image_row


class Command(SnfCommand):
    help = ("Change an image as an administrator: make it public (system image) or private, "
            "rename, protect, set or remove properties.")

    def add_arguments(self, parser):
        parser.add_argument("image_id")
        parser.add_argument("--visibility", choices=VISIBILITIES)
        parser.add_argument("--name")
        parser.add_argument("--protected", choices=("yes", "no"))
        parser.add_argument("--property", action="append", default=[], help="KEY=VALUE")
        parser.add_argument("--remove-property", action="append", default=[])

    def handle(self, *args, **options):
        image = image_by_id(options["image_id"])
        attributes = {}
        if options["visibility"]:
            attributes["visibility"] = options["visibility"]
        if options["name"] is not None:
            attributes["name"] = options["name"]
        if options["protected"]:
            attributes["protected"] = options["protected"] == "yes"
        properties = {}
        for item in options["property"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--property {item!r}: expected KEY=VALUE")
            properties[key] = value
        if not (attributes or properties or options["remove_property"]):
            raise CommandError("nothing to change")
        image = registry.update_image(ADMIN, image, attributes, properties,
                                      options["remove_property"])
        self.emit(image_row(image), output=options["output"])
