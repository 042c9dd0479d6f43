"""container and file: Pithos object storage, with block-level sync upload/download."""

from __future__ import annotations

import os
import sys
import time

import click

from kamaki.commands import parse_pairs, session, show_progress, split_remote
from kamaki.errors import CliError, ExitCode
from kamaki.output import output_option, print_done, print_item, print_list
from kamaki.progress import transfer_bars
from snf_common.clients import sync
from snf_common.clients.base import ClientError
from snf_common.clients.hashcache import HashCache


def _store():
    return session().object_store()


def _exists(store, container: str, obj: str) -> bool:
    try:
        store.get_object_info(container, obj)
    except ClientError as exc:
        if exc.status == 404:
            return False
        raise
    return True


# ---- container ------------------------------------------------------------
@click.group()
def container() -> None:
    """Containers of the user's storage account."""


@container.command("list")
@output_option
def container_list() -> None:
    """Containers with object count and bytes used."""
    print_list(_store().list_containers(), ["name", "count", "bytes", "last_modified"])


@container.command("info")
@click.argument("name")
@output_option
def container_info(name: str) -> None:
    """Headers of a container: block size and hash, policies, metadata."""
    print_item(_store().get_container_info(name))


@container.command("create")
@click.argument("name")
@click.option("--versioning", type=click.Choice(["auto", "none"]))
@click.option("--quota", type=int, help="Bytes (0 = unlimited).")
@click.option("--project", help="Project whose quota the container uses.")
@output_option
def container_create(name: str, versioning: str | None, quota: int | None,
                     project: str | None) -> None:
    """Create a container."""
    created = _store().create_container(name, versioning=versioning, quota=quota,
                                        project=project)
    if not created:
        raise CliError(f"container {name} already exists", ExitCode.CONFLICT)
    print_done(f"container {name} created", name=name)


@container.command("delete")
@click.argument("name")
@click.option("-r", "--recursive", is_flag=True, help="Delete the objects too.")
@output_option
def container_delete(name: str, recursive: bool) -> None:
    """Delete a container (it must be empty unless -r)."""
    _store().delete_container(name, delimiter="/" if recursive else None)
    print_done(f"container {name} deleted", name=name)


@container.command("metadata")
@click.argument("name")
@click.option("--set", "set_", multiple=True, metavar="KEY=VALUE")
@click.option("--delete", multiple=True, metavar="KEY")
@output_option
def container_metadata(name: str, set_: tuple[str, ...], delete: tuple[str, ...]) -> None:
    """Show, set or delete container metadata."""
    store = _store()
    changes = {**parse_pairs(set_), **{key: "" for key in delete}}
    if changes:
        store.set_container_meta(name, changes)
    prefix = "x-container-meta-"
    print_item({k[len(prefix):]: v for k, v in store.get_container_info(name).items()
                if k.startswith(prefix)})


# ---- file -----------------------------------------------------------------
@click.group()
def file() -> None:
    """Objects (files): upload and download by blocks, share, publish, versions."""


@file.command("list")
@click.argument("path", required=False)
@click.option("-d", "--delimiter", help="Group names by this delimiter (e.g. '/').")
@click.option("-n", "--limit", type=int, help="At most this many objects.")
@click.option("--marker", help="Start after this name.")
@click.option("--shared", is_flag=True, help="Only objects shared by me.")
@click.option("--public", is_flag=True, help="Only published objects.")
@output_option
def file_list(path: str | None, delimiter: str | None, limit: int | None,
              marker: str | None, shared: bool, public: bool) -> None:
    """Objects in CONTAINER[/PREFIX] (containers when no PATH is given)."""
    store = _store()
    if not path:
        print_list(store.list_containers(), ["name", "count", "bytes", "last_modified"])
        return
    container_name, prefix = split_remote(path, need_object=False)
    rows = store.list_objects(container_name, prefix=prefix or None, delimiter=delimiter,
                              limit=limit, marker=marker, shared=shared, public=public)
    for row in rows:
        if "subdir" in row:
            row["name"], row["content_type"] = row["subdir"], "(directory)"
    print_list(rows, ["name", "bytes", "content_type", "last_modified"])


@file.command("info")
@click.argument("path")
@click.option("--version", "version", help="A given version.")
@output_option
def file_info(path: str, version: str | None) -> None:
    """Headers of an object (hash, UUID, version, sharing, public URL, metadata)."""
    print_item(_store().get_object_info(*split_remote(path), version=version))


@file.command("mkdir")
@click.argument("path")
@output_option
def file_mkdir(path: str) -> None:
    """Create a directory marker object."""
    container_name, obj = split_remote(path)
    _store().mkdir(container_name, obj)
    print_done(f"directory {path} created", path=path)


def _hash_cache() -> HashCache | None:
    """Block hashes of local files between runs ($KAMAKI_HASH_CACHE=off disables)."""
    setting = os.environ.get("KAMAKI_HASH_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return HashCache(setting or os.path.join(cache_home, "kamaki", "hashes"))


@file.command("upload")
@click.argument("local", type=click.Path(exists=True, dir_okay=False))
@click.argument("path")
@click.option("--sync", "sync_", is_flag=True,
              help="Update an existing object, sending only blocks that changed.")
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing object.")
@click.option("--content-type", help="Default: guessed from the name.")
@click.option("--unchunked", is_flag=True, help="One plain PUT (Swift style), no hashmap.")
@click.option("--threads", type=click.IntRange(1, 64), default=sync.DEFAULT_WORKERS,
              show_default=True, help="Blocks in flight at once.")
@output_option
def file_upload(local: str, path: str, sync_: bool, force: bool, content_type: str | None,
                unchunked: bool, threads: int) -> None:
    """Upload LOCAL to CONTAINER/OBJECT (a trailing / keeps LOCAL's name)."""
    if path.endswith("/"):
        path += os.path.basename(local)
    container_name, obj = split_remote(path)
    store = _store()
    if not (sync_ or force) and _exists(store, container_name, obj):
        raise CliError(f"{path} exists: use --sync to update it or -f to overwrite",
                       ExitCode.CONFLICT)
    started = time.monotonic()
    if unchunked:
        with open(local, "rb") as stream:
            store.put_object(container_name, obj, stream,
                             content_type=content_type or sync.content_type_of(local))
        stats = sync.TransferStats(size=os.path.getsize(local))
        stats.bytes_transferred = stats.size
    else:
        with transfer_bars(show_progress()) as progress:
            stats = sync.upload_file(store, container_name, obj, local, content_type=content_type,
                                     workers=threads, progress=progress,
                                     skip_unchanged=sync_, hash_cache=_hash_cache())
    seconds = time.monotonic() - started
    print_done(f"uploaded {path}: {stats.size} bytes, {stats.blocks_transferred} of "
               f"{stats.blocks_total} blocks sent in {seconds:.1f}s",
               path=path, bytes=stats.size, blocks_total=stats.blocks_total,
               blocks_sent=stats.blocks_transferred, bytes_sent=stats.bytes_transferred,
               seconds=round(seconds, 3))


@file.command("download")
@click.argument("path")
@click.argument("local", required=False)
@click.option("--sync", "sync_", is_flag=True,
              help="Update an existing local file, fetching only blocks that differ.")
@click.option("--resume", is_flag=True, help="Finish an interrupted download (same as --sync).")
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing local file.")
@click.option("--version", "version", help="A given version.")
@click.option("--threads", type=click.IntRange(1, 64), default=sync.DEFAULT_WORKERS,
              show_default=True, help="Blocks in flight at once.")
@output_option
def file_download(path: str, local: str | None, sync_: bool, resume: bool, force: bool,
                  version: str | None, threads: int) -> None:
    """Download CONTAINER/OBJECT to LOCAL (default: the object's base name)."""
    container_name, obj = split_remote(path)
    local = local or os.path.basename(obj)
    if os.path.isdir(local):
        local = os.path.join(local, os.path.basename(obj))
    incremental = sync_ or resume
    if os.path.exists(local) and not (incremental or force):
        raise CliError(f"{local} exists: use --sync/--resume to update it or -f to "
                       "overwrite", ExitCode.CONFLICT)
    started = time.monotonic()
    with transfer_bars(show_progress()) as progress:
        stats = sync.download_file(_store(), container_name, obj, local, sync=incremental,
                                   version=version, workers=threads, progress=progress,
                                   hash_cache=_hash_cache())
    seconds = time.monotonic() - started
    print_done(f"downloaded {path} to {local}: {stats.size} bytes, "
               f"{stats.blocks_transferred} of {stats.blocks_total} blocks fetched in "
               f"{seconds:.1f}s", path=path, local=local, bytes=stats.size,
               blocks_total=stats.blocks_total, blocks_fetched=stats.blocks_transferred,
               bytes_fetched=stats.bytes_transferred, seconds=round(seconds, 3))


@file.command("cat")
@click.argument("path")
@click.option("--version", "version", help="A given version.")
def file_cat(path: str, version: str | None) -> None:
    """Write an object to standard output."""
    response = _store().open_object(*split_remote(path), version=version)
    out = sys.stdout.buffer
    for chunk in response.iter_content(1 << 20):
        out.write(chunk)
    out.flush()


@file.command("copy")
@click.argument("source")
@click.argument("destination")
@click.option("--source-version", help="Copy this version of the source.")
@output_option
def file_copy(source: str, destination: str, source_version: str | None) -> None:
    """Copy CONTAINER/OBJECT to CONTAINER/OBJECT (server-side; no data moves)."""
    _store().copy_object(*split_remote(source), *split_remote(destination),
                         source_version=source_version)
    print_done(f"copied {source} to {destination}", source=source, destination=destination)


@file.command("move")
@click.argument("source")
@click.argument("destination")
@output_option
def file_move(source: str, destination: str) -> None:
    """Move or rename an object (it keeps its UUID)."""
    _store().move_object(*split_remote(source), *split_remote(destination))
    print_done(f"moved {source} to {destination}", source=source, destination=destination)


@file.command("delete")
@click.argument("path")
@click.option("-r", "--recursive", is_flag=True, help="Everything under PATH/ too.")
@output_option
def file_delete(path: str, recursive: bool) -> None:
    """Delete an object."""
    _store().delete_object(*split_remote(path), delimiter="/" if recursive else None)
    print_done(f"deleted {path}", path=path)


@file.command("publish")
@click.argument("path")
@output_option
def file_publish(path: str) -> None:
    """Make an object readable by anyone; prints its public URL."""
    url = _store().publish(*split_remote(path))
    print_done(url, path=path, public_url=url)


@file.command("unpublish")
@click.argument("path")
@output_option
def file_unpublish(path: str) -> None:
    """Withdraw an object's public URL."""
    _store().unpublish(*split_remote(path))
    print_done(f"{path} is no longer public", path=path)


@file.group("sharing")
def file_sharing() -> None:
    """Read/write permissions of an object (users, `account:group`, `*`)."""


@file_sharing.command("set")
@click.argument("path")
@click.option("--read", multiple=True, help="May read (repeat or comma-separate).")
@click.option("--write", multiple=True, help="May write (repeat or comma-separate).")
@output_option
def sharing_set(path: str, read: tuple[str, ...], write: tuple[str, ...]) -> None:
    """Replace the permissions (none given: stop sharing)."""
    readers = [r for item in read for r in item.split(",") if r]
    writers = [w for item in write for w in item.split(",") if w]
    _store().set_sharing(*split_remote(path), read=readers, write=writers)
    print_done(f"sharing of {path} set", path=path, read=readers, write=writers)


@file_sharing.command("list")
@click.argument("path")
@output_option
def sharing_list(path: str) -> None:
    """Who may read or write an object."""
    sharing = _store().get_sharing(*split_remote(path))
    rows = [{"permission": kind, "who": who} for kind, members in sorted(sharing.items())
            for who in members]
    print_list(rows, ["permission", "who"])


@file.command("versions")
@click.argument("path")
@output_option
def file_versions(path: str) -> None:
    """Versions of an object, oldest first."""
    print_list(_store().list_versions(*split_remote(path)), ["version", "timestamp"])


@file.command("metadata")
@click.argument("path")
@click.option("--set", "set_", multiple=True, metavar="KEY=VALUE")
@click.option("--delete", multiple=True, metavar="KEY")
@output_option
def file_metadata(path: str, set_: tuple[str, ...], delete: tuple[str, ...]) -> None:
    """Show, set or delete object metadata."""
    store = _store()
    container_name, obj = split_remote(path)
    changes = {**parse_pairs(set_), **{key: "" for key in delete}}
    if changes:
        store.set_object_meta(container_name, obj, changes)
    print_item(store.get_object_meta(container_name, obj))
