"""kamaki: the command-line client of Synnefo, on snf_common.clients.

Errors print one line on stderr and exit with a code per kind (see kamaki.errors).
"""

from __future__ import annotations

import importlib
import logging
import sys

import click
from click.shell_completion import get_completion_class

from kamaki.errors import CliError, ExitCode, exit_code_for
from kamaki.output import FORMATS
from snf_common.clients.base import ClientError

PROG = "kamaki"
COMPLETE_VAR = "_KAMAKI_COMPLETE"


# Command group -> (module, attribute). A run imports only the module of its group:
# kamaki starts for every command, and an unchanged `file upload --sync` is mostly start.
GROUPS = {
    "config": ("kamaki.commands.config", "config_group"),
    "user": ("kamaki.commands.user", "user"),
    "quota": ("kamaki.commands.user", "quota"),
    "project": ("kamaki.commands.user", "project"),
    "container": ("kamaki.commands.storage", "container"),
    "file": ("kamaki.commands.storage", "file"),
    "server": ("kamaki.commands.compute", "server"),
    "flavor": ("kamaki.commands.compute", "flavor"),
    "image": ("kamaki.commands.image", "image"),
    "network": ("kamaki.commands.network", "network"),
    "subnet": ("kamaki.commands.network", "subnet"),
    "port": ("kamaki.commands.network", "port"),
    "ip": ("kamaki.commands.network", "ip"),
    "volume": ("kamaki.commands.volume", "volume"),
    "snapshot": ("kamaki.commands.volume", "snapshot"),
}


class LazyGroup(click.Group):
    """A click group whose subgroups are imported when they are asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(GROUPS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in GROUPS and name not in self.commands:
            module, attribute = GROUPS[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--cloud", envvar="KAMAKI_CLOUD", help="Cloud from the config file.")
@click.option("-o", "--output", type=click.Choice(FORMATS), default="table",
              help="Output format (also accepted after the command).")
@click.option("-N", "--no-progress", is_flag=True, help="No progress bars.")
@click.option("-v", "--verbose", is_flag=True, help="Log HTTP requests on stderr.")
@click.version_option(package_name="synnefo", prog_name=PROG)
@click.pass_context
def cli(ctx: click.Context, cloud: str | None, output: str, no_progress: bool,
        verbose: bool) -> None:
    """Manage a Synnefo cloud: identity, files, servers, networks, images, volumes."""
    ctx.ensure_object(dict)
    ctx.obj.setdefault("output", output)
    ctx.obj.update(cloud=cloud, no_progress=no_progress)
    if verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script, e.g. `eval "$(kamaki completion bash)"`."""
    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, PROG, COMPLETE_VAR).source())


def _forget_cached_token() -> None:
    """A token refused somewhere must be checked with Astakos on the next run."""
    commands = sys.modules.get("kamaki.commands")
    if commands is not None:
        for session in commands.sessions_made():
            session.forget_cached()


def _fail(message: str, code: int) -> int:
    click.echo(f"Error: {message}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name=PROG, standalone_mode=False)
    except CliError as exc:
        return _fail(exc.message, exc.code)
    except ClientError as exc:
        if exc.status == 401:
            _forget_cached_token()
        status = f" ({exc.status})" if exc.status else ""
        message = " ".join(str(exc.message).split())
        return _fail(f"{message}{status}", exit_code_for(exc))
    except click.exceptions.Abort:
        return _fail("aborted", ExitCode.ERROR)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except OSError as exc:
        return _fail(str(exc), ExitCode.ERROR)
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
