"""The one error tree of leadscore, grouped by what the caller should do.

    LeadscoreError
    ├── ConfigError            fix the config or mapping file, then rerun     (exit 2)
    ├── InputError             fix or supply the input file, then rerun       (exit 2)
    ├── StateError             the state store is unusable (corrupt, newer)   (exit 2)
    ├── CrmError               the CRM refused or failed
    │   ├── RetriableCrmError  429 / 5xx / timeouts, still failing after retries (exit 3)
    │   └── FatalCrmError      auth, permissions, malformed request: fix first  (exit 3)
    │       └── BudgetExhausted  the API allowance reserve was reached: stop now (exit 3)
    ├── RecordError            one record could not be read or written: report, go on
    └── WebhookRejected        a pushed request is not authentic or not well-formed (HTTP 4xx)

Vendor and httpx exceptions are translated into this tree in exactly one place per adapter;
the CLI maps it to exit codes in one table (`connector.cli.EXIT_CODES`).
"""

from __future__ import annotations


class LeadscoreError(Exception):
    """Base of every error leadscore raises on purpose."""


class ConfigError(LeadscoreError):
    """The configuration or a mapping file is invalid; the message says where and how to fix."""


class InputError(LeadscoreError):
    """An input file is missing or unusable as a whole (not a single bad row)."""


class StateError(LeadscoreError):
    """The state store cannot be used (corrupt, or written by a newer leadscore)."""


class CrmError(LeadscoreError):
    """The CRM refused or failed a call."""


class RetriableCrmError(CrmError):
    """A transient CRM failure (429, 5xx, timeout) that outlived the retries."""


class FatalCrmError(CrmError):
    """A CRM failure that retrying cannot fix (auth, permissions, a malformed request)."""


class BudgetExhausted(FatalCrmError):
    """The CRM's API allowance fell under the configured reserve; the run stops cleanly."""


class WebhookRejected(LeadscoreError):
    """A webhook request that must not be stored: forged, stale or malformed; `status` says."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class RecordError(LeadscoreError):
    """One record could not be read or written; the run reports it and goes on."""

    def __init__(self, record_id: str, message: str) -> None:
        super().__init__(f"{record_id}: {message}")
        self.record_id = record_id
        self.message = message
