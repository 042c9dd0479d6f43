"""image: Plankton images (Pithos files with image metadata)."""

from __future__ import annotations

import click

from kamaki.commands import parse_pairs, session, split_remote
from kamaki.output import output_option, print_done, print_item, print_list


def _image():
    return session().image()


@click.group()
def image() -> None:
    """OS images registered from Pithos files."""


@image.command("list")
@output_option
def image_list() -> None:
    """Images the user may use."""
    print_list(_image().list_images(), ["id", "name", "status", "size", "visibility"])


@image.command("info")
@click.argument("image_id")
@output_option
def image_info(image_id: str) -> None:
    """Every attribute of an image."""
    print_item(_image().get_image(image_id))


@image.command("register")
@click.argument("name")
@click.argument("path")
@click.option("-p", "--property", "properties", multiple=True, metavar="KEY=VALUE",
              help="OSFAMILY=linux, ROOT_PARTITION=1, USERS=root, ...")
@click.option("--public", is_flag=True)
@click.option("--disk-format", default="diskdump", show_default=True)
@output_option
def image_register(name: str, path: str, properties: tuple[str, ...], public: bool,
                   disk_format: str) -> None:
    """Register the uploaded file CONTAINER/OBJECT as image NAME."""
    container, obj = split_remote(path)
    account = session().user["id"]
    registered = _image().register(name, f"pithos://{account}/{container}/{obj}",
                                   properties=parse_pairs(properties), is_public=public,
                                   disk_format=disk_format)
    print_item(registered)


@image.command("unregister")
@click.argument("image_id")
@output_option
def image_unregister(image_id: str) -> None:
    """Forget an image (the Pithos file stays)."""
    _image().unregister(image_id)
    print_done(f"image {image_id} unregistered", id=image_id)


@image.command("modify")
@click.argument("image_id")
@click.option("--name")
@click.option("-p", "--property", "properties", multiple=True, metavar="KEY=VALUE")
@click.option("--delete-property", multiple=True, metavar="KEY")
@output_option
def image_modify(image_id: str, name: str | None, properties: tuple[str, ...],
                 delete_property: tuple[str, ...]) -> None:
    """Rename an image or change its properties."""
    changes: dict = {**parse_pairs(properties), **{k: None for k in delete_property}}
    if name:
        changes["name"] = name
    print_item(_image().update_image(image_id, changes))
