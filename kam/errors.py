"""Errors the domain raises and the exit codes they map to (spec/cli.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # a bug: still no traceback unless --debug
    BAD_INPUT = 2  # bad usage or bad input
    STORE = 3  # the data store cannot be used


class KamError(Exception):
    """An error the user can act on; the CLI prints it as one line."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class BadInput(KamError):
    exit_code = ExitCode.BAD_INPUT


class NotFound(BadInput):
    """An unknown customer code or similar."""


class ConfigError(BadInput):
    """kam.yaml cannot be used; the message names file and line."""


class StoreError(KamError):
    """The database cannot be used; the message says what to do."""

    exit_code = ExitCode.STORE
