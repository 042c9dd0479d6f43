"""Exit codes: one per kind of failure, so scripts can tell them apart.

0 ok, 1 other error, 2 bad usage, 3 not authenticated / not allowed (401, 403),
4 not found (404), 5 conflict or precondition (409, 412), 6 over quota or limit (413),
7 service unreachable or failing (no answer, 5xx), 8 timed out (wait), 9 config problem.
"""

from __future__ import annotations

from enum import IntEnum

from snf_common.clients.base import ClientError


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    AUTH = 3
    NOT_FOUND = 4
    CONFLICT = 5
    OVER_LIMIT = 6
    UNAVAILABLE = 7
    TIMEOUT = 8
    CONFIG = 9


class CliError(Exception):
    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def exit_code_for(error: ClientError) -> ExitCode:
    status = error.status
    if status in (401, 403):
        return ExitCode.AUTH
    if status == 404:
        return ExitCode.NOT_FOUND
    if status in (409, 412):
        return ExitCode.CONFLICT
    if status == 413:
        return ExitCode.OVER_LIMIT
    if status == 408:
        return ExitCode.TIMEOUT
    if status == 0 or status >= 500:
        return ExitCode.UNAVAILABLE
    if status == 400:
        return ExitCode.USAGE
    return ExitCode.ERROR
