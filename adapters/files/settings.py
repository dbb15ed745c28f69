"""The `[csv]` config section: the input files of the local-files "CRM" and its output folder."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict


class CsvSettings(BaseModel):
    """The local-files "CRM": input files and where results are written."""

    model_config = ConfigDict(extra="forbid")

    leads: Path
    activities: Path
    output_dir: Path = Path("out")
    #: The worksheet to read in .xlsx inputs, by name; the first one when unset.
    sheet: str | None = None
