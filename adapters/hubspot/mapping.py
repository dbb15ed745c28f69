"""mappings/hubspot.toml as validated data: contact properties, activity sources, results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connector.ports import Vocabulary
from connector.validation import load_mapping


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: The most characters a HubSpot text property holds (single- or multi-line).
TEXT_PROPERTY_LIMIT = 65_536


class ResultProperties(_Strict):
    """Contact properties that receive the result, and the group they live in.

    `breakdown` and `next_change_at` are optional (none by default): a mapping written before
    they existed keeps working and writes neither; naming them turns them on.
    """

    group: str = "leadscore"
    group_label: str = "Lead score"
    score: str = "leadscore_score"
    priority: str = "leadscore_priority"
    reasons: str = "leadscore_reasons"
    scored_at: str = "leadscore_scored_at"
    task_key: str = "leadscore_task_key"
    breakdown: str | None = None
    next_change_at: str | None = None

    def shown(self) -> list[str]:
        """The contact properties a lead read takes its current result from."""
        optional = [name for name in (self.breakdown, self.next_change_at) if name]
        return [self.score, self.priority, self.reasons, *optional]

    def written(self) -> set[str]:
        """Every contact property leadscore writes."""
        return {*self.shown(), self.scored_at}


class EngagementSource(_Strict):
    """Engagement objects (calls, emails, meetings, notes) associated with the contact."""

    source: Literal["engagement"]
    object: Literal["calls", "emails", "meetings", "notes"]
    kind: str
    timestamp: str = "hs_timestamp"
    #: Only records whose property equals the value count (e.g. a completed meeting).
    where: dict[str, str] = Field(default_factory=dict)
    #: Canonical activity property -> engagement property.
    properties: dict[str, str] = Field(default_factory=dict)


class PageViewSource(_Strict):
    """Web page views from the events API (`e_visited_page`); Enterprise portals only."""

    source: Literal["page_views"]
    kind: str = "page_view"
    event_type: str = "e_visited_page"
    page: str = "hs_url"
    duration_seconds: str | None = None


class FormSource(_Strict):
    """Submissions of one form, matched to contacts by their email."""

    source: Literal["form"]
    form_id: str
    kind: str = "form_submit"
    #: The activity's `campaign`, the same for every submission of this form.
    campaign: str = ""
    #: Canonical activity property -> form field (e.g. answer = "survey_status").
    fields: dict[str, str] = Field(default_factory=dict)
    email_field: str = "email"


class ContactPropertySource(_Strict):
    """Events derived from a contact property: its current date value, or its value history."""

    source: Literal["contact_property"]
    property: str
    kind: str
    #: "timestamp": the property holds the event's date; "history": every change is an event
    #: at the change's time, its value going into `value_as` (how badge imports usually land).
    mode: Literal["timestamp", "history"] = "timestamp"
    value_as: str | None = None


ActivitySource = Annotated[
    EngagementSource | PageViewSource | FormSource | ContactPropertySource,
    Field(discriminator="source"),
]


#: Canonical attribute -> contact property, or properties joined with a space.
AttributeMap = dict[str, str | list[str]]


class HubSpotMapping(_Strict):
    """How HubSpot contacts and records become canonical leads and activities."""

    #: Canonical attribute -> contact property, or properties joined with a space.
    attributes: AttributeMap
    owner: str = "hubspot_owner_id"
    results: ResultProperties = ResultProperties()
    activities: list[ActivitySource] = Field(default_factory=list)

    @field_validator("attributes")
    @classmethod
    def _no_misfiled_keys(cls, attributes: AttributeMap) -> AttributeMap:
        """Keys TOML filed under [attributes] because they came after its header are errors.

        `attributes` is a free table, so a misplaced `owner = ...` would silently become an
        attribute and the owner setting would keep its default.
        """
        for name in attributes:
            problem = _misfiled(name)
            if problem:
                raise ValueError(problem)
        return attributes

    def contact_properties(self) -> list[str]:
        """Every contact property a lead read needs."""
        names = {self.owner, "lastmodifieddate", *self.results.shown()}
        for value in self.attributes.values():
            names.update([value] if isinstance(value, str) else value)
        return sorted(names)

    def vocabulary(self) -> Vocabulary:
        """The mapped attributes; each source's kind with the properties it gives."""
        kinds: dict[str, frozenset[str]] = {}
        for source in self.activities:
            kinds[source.kind] = kinds.get(source.kind, frozenset()) | _properties_of(source)
        return Vocabulary(attributes=frozenset(self.attributes), kinds=kinds)


#: Names that are keys of the mapping itself or of [results], never canonical attributes.
_TOP_LEVEL_KEYS = frozenset({"owner", "results", "activities", "attributes"})
_RESULT_KEYS = frozenset(ResultProperties.model_fields)


def _misfiled(name: str) -> str | None:
    """Why `name` cannot be an attribute and where its line belongs; None when it can be."""
    if name in _TOP_LEVEL_KEYS:
        return (
            f"attributes.{name} is the mapping's own `{name}` key, filed under [attributes]"
            " because it comes after that header: move the line above [attributes]"
        )
    if name in _RESULT_KEYS:
        return (
            f"attributes.{name} is a [results] key, filed under [attributes]: move the line"
            " under the [results] header"
        )
    return None


def _properties_of(source: ActivitySource) -> frozenset[str]:
    """The canonical properties activities from `source` carry."""
    if isinstance(source, EngagementSource):
        return frozenset(source.properties)
    if isinstance(source, PageViewSource):
        return frozenset({"page", *(["duration_seconds"] if source.duration_seconds else [])})
    if isinstance(source, FormSource):
        return frozenset({"campaign", *source.fields})
    return frozenset([source.value_as] if source.value_as else [])


def load_hubspot_mapping(path: Path) -> HubSpotMapping:
    """Read and validate a HubSpot mapping file; errors name the file and the key."""
    return load_mapping(path, HubSpotMapping)
