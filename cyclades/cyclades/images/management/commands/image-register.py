import json

from django.core.management.base import CommandError

from cyclades.images.models import SystemImage
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Register an image snf-image can deploy (location = snf-image img_id); users "
            "register Pithos files through the Image API instead.")

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--location", required=True,
                            help="What snf-image receives as img_id (e.g. pithos map, URL).")
        parser.add_argument("--format", default="diskdump",
                            choices=("diskdump", "extdump", "ntfsdump", "lvm", "raw"))
        parser.add_argument("--property", action="append", default=[],
                            help="KEY=VALUE, e.g. OSFAMILY=linux ROOT_PARTITION=1")
        parser.add_argument("--properties-json", default="")
        parser.add_argument("--private", action="store_true")
        parser.add_argument("--owner", default="")
        parser.add_argument("--min-disk", type=int, default=0)
        parser.add_argument("--min-ram", type=int, default=0)
        parser.add_argument("--id", dest="image_id", default=None)

    def handle(self, *args, **options):
        properties = {}
        if options["properties_json"]:
            properties.update(json.loads(options["properties_json"]))
        for item in options["property"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--property {item!r}: expected KEY=VALUE")
            properties[key] = value
        fields = dict(name=options["name"], location=options["location"],
                      format=options["format"], properties=properties,
                      visibility="private" if options["private"] else "public",
                      owner=options["owner"],
                      min_disk=options["min_disk"], min_ram=options["min_ram"])
        if options["image_id"]:
            fields["id"] = options["image_id"]
        image = SystemImage.objects.create(**fields)
        self.emit({"id": str(image.id), "name": image.name, "location": image.location,
                   "format": image.format, "properties": image.properties,
                   "public": image.public}, output=options["output"])
