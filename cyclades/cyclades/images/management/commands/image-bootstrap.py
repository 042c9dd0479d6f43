"""cyclades-manage image-bootstrap: the quickstart's public system image (idempotent).

The token of the account that owns the system images is read from stdin (a token on
a command line is visible to every user of the host).
"""

import sys
import tempfile
from pathlib import Path

from django.core.management.base import CommandError

from cyclades.images.bootstrap import ensure_system_image
from cyclades.images.tinyimage import build_tiny_image
from snf_common.django.auth import get_validator
from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = ("Build a tiny ext4 image, upload it to Pithos as the token's user and register "
            "it as a public image (token on stdin); does nothing if it exists.")

    def add_arguments(self, parser):
        parser.add_argument("--name", default="Tiny Linux (ext4)")
        parser.add_argument("--file", default="",
                            help="Register this image file instead of building the tiny one.")

    def handle(self, *args, **options):
        token = sys.stdin.readline().strip()
        credentials = get_validator()(token) if token else None
        if credentials is None:
            raise CommandError("a valid token is required on stdin")
        with tempfile.TemporaryDirectory(prefix="snf-image-bootstrap-") as tmp:
            path = Path(options["file"]) if options["file"] else \
                build_tiny_image(Path(tmp) / "tiny-linux.diskdump")
            image, created = ensure_system_image(credentials, options["name"], path)
        self.emit({"id": str(image.id), "name": image.name, "created": created,
                   "location": image.pithos_location, "img_id": image.location,
                   "size": image.size, "visibility": image.visibility},
                  output=options["output"])
