"""The local-files "CRM" (`adapter = "csv"`): CSV/xlsx in, scores.csv and tasks.csv out."""

from __future__ import annotations

from adapters.files.settings import CsvSettings
from connector.ports import Adapter, AdapterContext, AdapterPlugin


def build(settings: CsvSettings, context: AdapterContext) -> Adapter:
    """The local-files adapter over `[csv]` and the optional column mapping."""
    from adapters.files.adapter import LocalFilesAdapter
    from adapters.files.mapping import load_csv_mapping

    return LocalFilesAdapter(
        leads_path=settings.leads,
        activities_path=settings.activities,
        output_dir=settings.output_dir,
        sheet=settings.sheet,
        mapping=load_csv_mapping(context.mapping),
        zone=context.zone,
        on_problem=context.on_problem,
    )


PLUGIN = AdapterPlugin(
    name="csv",
    settings=CsvSettings,
    build=build,
    missing_help="needs a [csv] section with leads and activities",
    needs_mapping=False,
)

__all__ = ["PLUGIN", "CsvSettings"]
