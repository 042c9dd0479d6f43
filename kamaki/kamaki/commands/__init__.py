"""Command groups; each module defines one or more click groups on snf_common.clients."""

from __future__ import annotations

import click

from kamaki.config import Config
from kamaki.errors import CliError, ExitCode
from kamaki.session import Session


def state() -> dict:
    root = click.get_current_context().find_root()
    if root.obj is None:
        root.obj = {}
    return root.obj


_made: list[Session] = []


def session() -> Session:
    """The session of the chosen cloud, built once per run."""
    obj = state()
    if "session" not in obj:
        name, settings = Config().cloud(obj.get("cloud"))
        obj["session"] = Session(name, settings)
        _made.append(obj["session"])
    return obj["session"]


def sessions_made() -> list[Session]:
    return list(_made)


def show_progress() -> bool:
    return not state().get("no_progress", False)


def parse_pairs(pairs: tuple[str, ...], what: str = "KEY=VALUE") -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"expected {what}, got {pair!r}", ExitCode.USAGE)
        result[key] = value
    return result


def split_remote(path: str, *, need_object: bool = True) -> tuple[str, str]:
    """`container/dir/obj` (a leading `/` is allowed) -> (container, object)."""
    container, _, obj = path.lstrip("/").partition("/")
    if not container or (need_object and not obj):
        wanted = "CONTAINER/OBJECT" if need_object else "CONTAINER[/PREFIX]"
        raise CliError(f"expected {wanted}, got {path!r}", ExitCode.USAGE)
    return container, obj
