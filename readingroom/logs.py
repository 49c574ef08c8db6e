"""Logs: one JSON object a line (or plain text, READINGROOM_LOG_FORMAT=text), each line of a request carrying
its request id.

The request id lives in a context variable that the web's request middleware (web/access.py) sets for the
length of a request; `RequestIdFilter`, on the handler, copies it onto every record logged meanwhile, whichever
logger made it (Django's `django.request` error with its traceback included). Settings.LOGGING is
`logging_config()`.

A JSON line holds time, level, logger, message, request_id, pid, the traceback when there is one, and the
fields a caller passes in `extra=` (the access log's method, path, status, duration_ms, route...).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re
import uuid
from typing import Any

LOG_FORMATS = ("json", "text")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("readingroom_request_id", default="")

# A request id a client or proxy sends is kept when it is a plain token: it goes into headers and log lines, so
# no spaces, quotes or control characters, and not longer than a UUID with a prefix or two.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")


def request_id_from(header: str | None) -> str:
    """The incoming X-Request-ID when it is a sane token, else a new one (32 hex digits)."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (empty outside a request). Attached to handlers, so that
    it sees records of every logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            # Django logs a 4xx answer after the middleware has finished, with the request attached.
            request = getattr(record, "request", None)
            record.request_id = request_id.get() or getattr(request, "request_id", "")
        return True


# What a LogRecord has of its own; everything else on it came from `extra=` and goes into the JSON line.
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "pid": os.getpid(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(log_format: str) -> dict[str, Any]:
    """Django's LOGGING for READINGROOM_LOG_FORMAT: warnings and errors of every logger, and the access log
    (logger `readingroom.access`, one line a request at INFO), to standard error."""
    if log_format not in LOG_FORMATS:
        raise ValueError(
            f"READINGROOM_LOG_FORMAT={log_format!r}: write one of {', '.join(LOG_FORMATS)} "
            "(json: one JSON object a line; text: plain lines)"
        )
    formatter = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"readingroom": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "readingroom",
            }
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {"readingroom.access": {"level": "INFO"}},
    }


def process_line(name: str, message: str, level: str = "INFO") -> str:
    """One line for a process that runs beside the server without Django's logging (the background worker and
    its supervisor): JSON like every other line when READINGROOM_LOG_FORMAT is json, else "time name: message"."""
    now = dt.datetime.now(dt.UTC)
    if os.environ.get("READINGROOM_LOG_FORMAT", "json").strip().lower() == "json":  # config.py's default
        return json.dumps(
            {
                "time": now.isoformat(timespec="milliseconds"),
                "level": level,
                "logger": name,
                "message": message,
                "request_id": "",
                "pid": os.getpid(),
            },
            ensure_ascii=False,
        )
    return f"{now.astimezone().isoformat(timespec='seconds')} {name}: {message}"
