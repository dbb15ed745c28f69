"""mappings/csv.toml: how file columns and values become canonical leads and activities."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from connector.model import CANONICAL_KINDS
from connector.validation import load_mapping


class _Mapped(BaseModel):
    # A typo in the mapping file must fail loudly, not silently map nothing.
    model_config = ConfigDict(extra="forbid")


class LeadColumns(_Mapped):
    """Header renames for the leads file."""

    columns: dict[str, str] = Field(default_factory=dict)


class ActivityColumns(_Mapped):
    """Header renames, kind aliases and numeric properties for the activities file."""

    columns: dict[str, str] = Field(default_factory=dict)
    kinds: dict[str, str] = Field(default_factory=dict)
    extra_kinds: list[str] = Field(default_factory=list)
    numeric_properties: list[str] = Field(default_factory=lambda: ["duration_seconds"])


class CsvMapping(_Mapped):
    """mappings/csv.toml: how file columns and values become canonical leads and activities."""

    leads: LeadColumns = LeadColumns()
    activities: ActivityColumns = ActivityColumns()

    def known_kinds(self) -> frozenset[str]:
        """Every kind an activity row may carry, after aliases."""
        return CANONICAL_KINDS | set(self.activities.extra_kinds)


def load_csv_mapping(path: Path | None) -> CsvMapping:
    """The CSV mapping at `path`, or the identity mapping when none is configured."""
    return CsvMapping() if path is None else load_mapping(path, CsvMapping)
