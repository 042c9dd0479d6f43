"""Structured logging to stderr, with a filter that keeps secrets out of every line."""

from __future__ import annotations

import logging
import re
import sys

_REDACTIONS = [
    # header-ish: X-Auth-Token: abc / X-Subject-Token=abc / token abc
    (re.compile(r"(?i)(x-(?:auth|subject|storage)-token['\"]?\s*[:=]\s*['\"]?)([^\s'\",}]+)"),
     r"\1***"),
    # JSON-ish: "password": "secret", 'token': 'abc', "id": inside token objects is not matched
    (re.compile(r"(?i)(['\"](?:password|passwd|secret|token|auth_token|service_token|"
                r"credentials)['\"]\s*:\s*['\"])([^'\"]*)(['\"])"), r"\1***\3"),
    # key=value pairs in URLs or command lines
    (re.compile(r"(?i)\b(password|passwd|token|secret)=([^&\s]+)"), r"\1=***"),
    # user:password@ in URLs (amqp://guest:guest@host)
    (re.compile(r"(://[^:/@\s]+:)([^@/\s]+)(@)"), r"\1***\3"),
    # credentials carried in URL paths, as the access log writes them: Keystone v2.0
    # token ids, snf-image's one-time config_url, Pithos public links, the UI's
    # email-verification and password-reset codes
    (re.compile(r"(/identity/v2\.0/tokens/|/vmapi/v1\.0/server-params/|/ui/verify/"
                r"|/ui/password/reset/)([^/\s?#\"']+)"), r"\1***"),
    # /public/<token> at the start of a path (not an object named public/...)
    (re.compile(r"((?:^|[\s\"'=]|//[^/\s\"']+)/public/)([^/\s?#\"']+)"), r"\1***"),
]


def redact(text: str) -> str:
    """Return text with every token, password and URL credential replaced by ***."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message; applied on the handler, so it sees all loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the formatted traceback too (exc_text is computed while formatting)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def logging_config(level: str = "INFO") -> dict:
    """A dictConfig for Django's LOGGING: one stderr handler, redacted."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "snf_common.logging.RedactingFilter"}},
        "formatters": {"plain": {"()": "snf_common.logging.RedactingFormatter",
                                 "format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": sys.stderr,
                                "filters": ["redact"], "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {"django.request": {"level": "ERROR", "propagate": True},
                    "django.server": {"level": "WARNING", "propagate": True}},
    }


def setup_logging(level: str = "INFO") -> None:
    """For processes that are not Django (hooks, daemons, the CLI's --debug)."""
    import logging.config

    logging.config.dictConfig(logging_config(level))
