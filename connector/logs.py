"""Logging: readable lines on a terminal, one JSON object per line in a container; no secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, SecretStr

ROOT_LOGGER = "leadscore"
_STANDARD_FIELDS = frozenset(vars(logging.makeLogRecord({})))


class JsonLines(logging.Formatter):
    """One JSON object per record, with any `extra=` fields as keys, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_FIELDS})
        return json.dumps(entry, ensure_ascii=False, default=str)


class Redactor(logging.Filter):
    """Replaces every known secret value in a record's message and fields with ***."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        if self.secrets:
            record.msg, record.args = self._clean(record.getMessage()), ()
            for key, value in list(vars(record).items()):
                if key not in _STANDARD_FIELDS and isinstance(value, str):
                    setattr(record, key, self._clean(value))
        return True

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


_REDACTOR = Redactor()

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s,;\"']+"),
    re.compile(r"(?i)((?:access_token|refresh_token|client_secret|password|assertion)=)[^&\s]+"),
    re.compile(r"(?i)(<(?:\w+:)?(?:sessionId|password)>)[^<]*"),
    re.compile(r"(?i)(\"?(?:sessionId|access_token|password)\"?\s*[:=]\s*\"?)[^\s\"&,]+"),
)


#: Every match of _SECRET_PATTERNS contains one of these (lower-cased, in ASCII text).
_CANDIDATES = ("bearer", "token", "secret", "password", "assertion", "sessionid")


def _may_hold_credentials(text: str) -> bool:
    """False only when no pattern can match: ASCII text that names none of the candidates."""
    # Outside ASCII, re's case-insensitive matching knows equivalents str.lower() does not
    # (U+0130 for "i", U+017F for "s"): such text always gets the full scan.
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(candidate in lowered for candidate in _CANDIDATES)


def scrub_credentials(text: str) -> str:
    """`text` with bearer tokens, session ids, passwords and access tokens replaced by ***."""
    # Four case-insensitive scans cost ~60 us a log line; most lines name no credential at all.
    if not _may_hold_credentials(text):
        return text
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1***", text)
    return text


def redacted(text: str) -> str:
    """`text` with every registered secret and every credential-looking value replaced by ***."""
    return scrub_credentials(_REDACTOR._clean(text))


class LogFormat(StrEnum):
    """How log lines look: for a person, or for a log collector."""

    text = "text"
    json = "json"


def configure_logging(*, verbose: bool = False, log_format: LogFormat | None = None) -> None:
    """Readable warnings (-v: info too) or JSON lines at info level (-v: debug too).

    Without a format: text on a terminal, JSON otherwise (a container, a cron job).
    """
    logger = logging.getLogger(ROOT_LOGGER)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    chosen = log_format or (LogFormat.text if sys.stderr.isatty() else LogFormat.json)
    if chosen is LogFormat.text:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.setLevel(logging.INFO if verbose else logging.WARNING)
    else:
        handler.setFormatter(JsonLines())
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    handler.addFilter(_REDACTOR)
    logger.addHandler(handler)
    logger.propagate = False


def hide_in_logs(values: Iterable[str]) -> None:
    """Never let these values (tokens, passwords) reach a log line."""
    _REDACTOR.secrets.update(value for value in values if len(value) >= 4)


def secret_values(model: BaseModel) -> list[str]:
    """The plain values of every SecretStr in a settings tree."""
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found += secret_values(value)
    return found
