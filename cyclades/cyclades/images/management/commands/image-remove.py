"""cyclades-manage image-remove ID"""

from snf_common.django.commands import SnfCommand

from cyclades.images import registry

from ._lookup import ADMIN, image_by_id


class Command(SnfCommand):
    help = ("Deregister an image (its Pithos file stays; servers built from it keep running). "
            "Protected images must be unprotected first (image-modify --protected no).")

    def add_arguments(self, parser):
        parser.add_argument("image_id")

    def handle(self, *args, **options):
        image = image_by_id(options["image_id"])
        registry.delete_image(ADMIN, image)
        self.emit({"id": str(image.id), "name": image.name, "removed": True},
                  output=options["output"])
