"""The port: the Adapter protocol every CRM adapter implements, and the records that cross it.

The core (sync, cli, compose) talks to a CRM only through these names; an adapter package
implements them and registers itself with an `AdapterPlugin` in its `__init__.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from connector.errors import ConfigError
from connector.model import Activity, Lead


@dataclass(frozen=True, slots=True)
class ScoreWrite:
    """The values to write onto one lead's result fields."""

    lead_id: str
    score: int
    priority: str
    reasons: str
    scored_at: datetime
    #: The breakdown JSON (docs/breakdown.md), already bounded to the field's length; None
    #: when the destination has no breakdown field (`ResultFields.breakdown_length`).
    breakdown: str | None = None
    #: When the score next changes by itself; None clears the field (it never will).
    next_change_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResultFields:
    """The optional result fields a destination has: a mapping without them writes neither."""

    #: The longest breakdown text the field takes (characters); None: no breakdown field.
    breakdown_length: int | None = None
    #: Whether the destination has a next-change field.
    next_change_at: bool = False


#: A destination with neither optional field (a mapping from before they existed).
BASIC_RESULT_FIELDS = ResultFields()


@dataclass(frozen=True, slots=True)
class FollowUpTask:
    """A follow-up task for a lead's owner; `key` makes creating it idempotent."""

    key: str
    lead_id: str
    owner: str | None
    subject: str
    description: str
    due_date: date
    priority: str


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """One record the CRM would not take; the others went through."""

    record_id: str
    message: str
    #: The task was refused because of its owner (inactive user, a queue, a deactivated
    #: owner): a fallback owner may take it, and the lead's score is written regardless.
    owner_refused: bool = False


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What a batch of task creations did: CRM ids of the created tasks, and failures."""

    created: Mapping[str, str] = field(default_factory=dict)
    failures: Sequence[RecordFailure] = ()


@dataclass(frozen=True, slots=True)
class InputProblem:
    """An input record that was skipped, and where it came from (file and line, or record id)."""

    source: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}, {self.location}: {self.message}"


ProblemSink = Callable[[InputProblem], None]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The names the mapping can produce, to catch a typo in a rule before it never fires.

    `attributes` is None when any name may be an attribute; `kinds` maps each activity kind
    the mapping produces (beyond the canonical ones) to the properties it gives that kind.
    """

    attributes: frozenset[str] | None
    kinds: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A pushed request as received; `url` is the public one the CRM called, as it signed it."""

    method: str
    url: str
    #: Header names lower-cased.
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A change a CRM pushed: which lead to rescore (or forget), under the sender's own id."""

    event_id: str
    lead_id: str
    action: Literal["rescore", "forget"] = "rescore"


@dataclass(frozen=True, slots=True)
class WebhookReply:
    """What the receiver answers: most CRMs want JSON, Salesforce a SOAP envelope."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One line of `leadscore check` / `setup`: what was checked, whether it is fine, the fix."""

    subject: str
    ok: bool
    detail: str


class Adapter(Protocol):
    """Reads leads and activities from a CRM and writes results back; knows nothing of rules."""

    #: The largest number of records one write call may carry.
    max_write_batch: int

    #: Whether `read_leads` and `read_activities` may run at the same time (in two threads).
    concurrent_reads: bool

    @property
    def cursor_lag(self) -> timedelta:
        """How far behind the clock the next run's cursor starts (CRM search/index lag)."""
        ...

    @property
    def api_calls(self) -> int:
        """CRM API calls made so far through this adapter."""
        ...

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Leads with the given ids (all leads when None), with their current result values."""
        ...

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Ids of leads whose record or activities changed at or after `since`."""
        ...

    def read_activities(
        self,
        lead_ids: Collection[str] | None,
        occurred_after: datetime,
        *,
        occurred_before: datetime | None = None,
    ) -> Iterator[Activity]:
        """Activities of the given leads (all when None) after `occurred_after`.

        A backtest passes `occurred_before` (its `--as-of`): what happened later did not exist
        then. A run at the present passes None, keeping activities dated in the future.
        """
        ...

    def result_fields(self) -> ResultFields:
        """Which optional result fields the destination has (the breakdown's actual length)."""
        ...

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write one batch (at most `max_write_batch`) of results; return per-record failures."""
        ...

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """The CRM ids of already-created tasks among `keys`, by key."""
        ...

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Create one batch (at most `max_write_batch`) of follow-up tasks."""
        ...

    def memory(self) -> str | None:
        """What the adapter wants back at its next run (its own write stamps, say), as text."""
        ...

    def recall(self, memory: str) -> None:
        """Take back what `memory` returned at the end of the last successful run."""
        ...

    def population(self) -> int | None:
        """How many leads the source holds now, where that costs nothing; None elsewhere."""
        ...

    def vocabulary(self) -> Vocabulary:
        """The attributes, kinds and properties the mapping produces."""
        ...

    def check(self) -> list[CheckItem]:
        """What is fine and what is not for leadscore in this CRM (`leadscore check`)."""
        ...

    def setup(self, *, dry_run: bool) -> list[CheckItem]:
        """Create what the CRM lacks (fields, permissions, folders), idempotently."""
        ...

    def close(self) -> None:
        """Flush and release whatever the adapter holds (files, connections)."""
        ...


S = TypeVar("S", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class AdapterContext:
    """What every adapter is built from besides its own config section."""

    mapping: Path | None
    zone: ZoneInfo
    on_problem: ProblemSink

    def mapping_path(self) -> Path:
        """The mapping file, for adapters that cannot run without one."""
        if self.mapping is None:
            raise ConfigError("this adapter needs crm.mapping to name its mapping file")
        return self.mapping


def _always_ready(section: Any) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class AdapterPlugin(Generic[S]):
    """One CRM as the composition root sees it: its name, config section and how to build it.

    `name` is both the `[crm] adapter` value and the config section holding `settings`.
    `build` imports the vendor SDK, so naming a plugin costs nothing until it is used.
    """

    name: str
    settings: type[S]
    build: Callable[[S, AdapterContext], Adapter]
    #: What the user must add when the section is absent or not `ready` (one sentence).
    missing_help: str
    #: Whether the run needs `crm.mapping` to name a mapping file.
    needs_mapping: bool = True
    #: Whether a present section is complete (e.g. a token came from the environment).
    ready: Callable[[S], bool] = _always_ready
    #: How the receiver serves the CRM's own pushes; None when the CRM has none (the
    #: generic, signed endpoint still serves it).
    webhook: WebhookSupport[S] | None = None


@dataclass(frozen=True, slots=True)
class WebhookSupport(Generic[S]):
    """A CRM's pushes: verify and read a request, and answer in the CRM's own terms."""

    #: The leads a request names; raises WebhookRejected for a forged or malformed one.
    read: Callable[[S, WebhookRequest], list[WebhookEvent]]
    #: The answer once the events are stored (None: 200 with a JSON count).
    accepted: Callable[[int], WebhookReply] | None = None
    #: The answer to a rejected request, or when the events could not be stored (None: JSON).
    rejected: Callable[[int, str], WebhookReply] | None = None
    #: Builds, once at startup, a reader that also knows the run's context (what the mapping
    #: reads, say); the receiver then uses it in place of `read`. None: `read` as it is.
    bind: Callable[[S, AdapterContext], Callable[[WebhookRequest], list[WebhookEvent]]] | None = (
        None
    )
