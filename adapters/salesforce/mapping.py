"""mappings/salesforce.toml as validated data: fields to attributes, activity sources, results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from adapters.salesforce.settings import SalesforceObject
from connector.ports import Vocabulary
from connector.validation import load_mapping

#: A field API name, or a relationship path of up to five hops (`Campaign.Type`).
FieldName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){0,4}$")
]
ObjectName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
KindName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
MatchValue = str | bool | int | float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectMapping(_Strict):
    """How one lead-like object (Lead or Contact) becomes a canonical lead."""

    attributes: dict[str, FieldName] = Field(min_length=1)
    owner: FieldName = "OwnerId"
    modified: FieldName = "SystemModstamp"
    #: Only records whose fields equal these values are scored (e.g. IsConverted = false).
    match: dict[FieldName, MatchValue] = Field(default_factory=dict)


class WriteBack(_Strict):
    """The custom fields that receive the results, on every scored object.

    `breakdown` and `next_change_at` are optional (none by default): a mapping written before
    they existed keeps working and writes neither; naming them turns them on.
    """

    score: FieldName = "LeadScore__c"
    priority: FieldName = "LeadPriority__c"
    reasons: FieldName = "LeadScoreReasons__c"
    scored_at: FieldName = "LeadScoredAt__c"
    breakdown: FieldName | None = None
    next_change_at: FieldName | None = None

    def shown(self) -> list[str]:
        """The fields a lead read takes its current result from."""
        optional = [name for name in (self.breakdown, self.next_change_at) if name]
        return [self.score, self.priority, self.reasons, *optional]


class TaskMapping(_Strict):
    """How a follow-up becomes a Task: its picklist values and the field holding its key."""

    key_field: FieldName = "LeadScoreTaskKey__c"
    status: str = "Not Started"
    #: The configured follow-up priority -> the org's Task.Priority picklist value.
    priorities: dict[str, str] = Field(
        default_factory=lambda: {"High": "High", "Normal": "Normal", "Low": "Low"}
    )
    default_priority: str = "Normal"


class ActivitySource(_Strict):
    """One object whose records are activities of a lead (CampaignMember, Task, a custom one)."""

    name: str
    object: ObjectName
    #: The field pointing at the scored record, per scored object (WhoId for Task/Event).
    lead_field: dict[SalesforceObject, FieldName] = Field(min_length=1)
    occurred_at: FieldName | None = None
    occurred_on: FieldName | None = None
    kind: KindName | None = None
    kind_field: FieldName | None = None
    kinds: dict[str, KindName] = Field(default_factory=dict)
    match: dict[FieldName, MatchValue] = Field(default_factory=dict)
    properties: dict[str, FieldName] = Field(default_factory=dict)
    modified: FieldName = "SystemModstamp"

    @model_validator(mode="after")
    def _one_time_and_one_kind(self) -> Self:
        if (self.occurred_at is None) == (self.occurred_on is None):
            raise ValueError("give exactly one of occurred_at (a DateTime) or occurred_on (a Date)")
        if (self.kind is None) == (self.kind_field is None):
            raise ValueError("give exactly one of kind (fixed) or kind_field with kinds")
        if self.kind_field is not None and not self.kinds:
            raise ValueError("kind_field needs kinds: field value -> activity kind")
        return self

    @property
    def time_field(self) -> str:
        """The field that says when the activity happened."""
        return self.occurred_at or self.occurred_on or ""


class SalesforceMapping(_Strict):
    """The whole mapping: scored objects, activity sources, result fields, follow-up tasks."""

    objects: dict[SalesforceObject, ObjectMapping] = Field(min_length=1)
    write_back: WriteBack = WriteBack()
    tasks: TaskMapping = TaskMapping()
    activities: list[ActivitySource] = Field(default_factory=list)

    def vocabulary(self) -> Vocabulary:
        """The attributes of every scored object; each source's kinds with its properties."""
        attributes = {name for mapped in self.objects.values() for name in mapped.attributes}
        kinds: dict[str, frozenset[str]] = {}
        for source in self.activities:
            for kind in [source.kind] if source.kind else source.kinds.values():
                kinds[kind] = kinds.get(kind, frozenset()) | set(source.properties)
        return Vocabulary(attributes=frozenset(attributes), kinds=kinds)


def load_salesforce_mapping(path: Path) -> SalesforceMapping:
    """Read and validate mappings/salesforce.toml; ConfigError names the file and the key."""
    return load_mapping(path, SalesforceMapping)
