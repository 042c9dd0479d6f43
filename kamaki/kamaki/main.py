"""kamaki: the command-line client of Synnefo, on snf_common.clients.

Errors print one line on stderr and exit with a code per kind (see kamaki.errors).
"""

from __future__ import annotations

import logging
import sys

import click
from click.shell_completion import get_completion_class

from kamaki.commands.compute import flavor, server
from kamaki.commands.config import config_group
from kamaki.commands.image import image
from kamaki.commands.network import ip, network, port, subnet
from kamaki.commands.storage import container, file
from kamaki.commands.user import project, quota, user
from kamaki.commands.volume import snapshot, volume
from kamaki.errors import CliError, ExitCode, exit_code_for
from kamaki.output import FORMATS
from snf_common.clients.base import ClientError

PROG = "kamaki"
COMPLETE_VAR = "_KAMAKI_COMPLETE"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


for group in (config_group, user, quota, project, container, file, server, flavor, image,
              network, subnet, port, ip, volume, snapshot):
    cli.add_command(group)


def _fail(message: str, code: int) -> int:
    click.echo(f"Error: {message}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name=PROG, standalone_mode=False)
    except CliError as exc:
        return _fail(exc.message, exc.code)
    except ClientError as exc:
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
