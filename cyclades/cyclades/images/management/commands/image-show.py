"""cyclades-manage image-show ID"""

from snf_common.django.commands import SnfCommand

from ._lookup import image_by_id, image_row


class Command(SnfCommand):
    help = "Show one image: metadata, its Pithos file and version, published map, members."

    def add_arguments(self, parser):
        parser.add_argument("image_id")

    def handle(self, *args, **options):
        self.emit(image_row(image_by_id(options["image_id"])), output=options["output"])
