"""The adapter contract, run against every plugin of the composition root and the memory fake.

A plugin added to `connector.compose.PLUGINS` without a way to seed its CRM here fails
`test_every_plugin_runs_the_contract`, so no adapter ships without passing the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connector.compose import PLUGINS
from connector.model import Activity, Lead
from connector.ports import Adapter
from tests.adapter_contract import NOW, AdapterContract, MakeAdapter
from tests.adapters.files.support import seed_files
from tests.adapters.hubspot import support as hubspot
from tests.adapters.salesforce import support as salesforce
from tests.fakes.hubspot import FakePortal
from tests.fakes.memory import MemoryAdapter, MemoryCrm
from tests.fakes.salesforce import FakeOrg

#: A CRM faked for the contract: given a scratch folder, yields a `make_adapter`.
CrmUnderTest = Callable[[Path], AbstractContextManager[MakeAdapter]]


@contextmanager
def _local_files(folder: Path) -> Iterator[MakeAdapter]:
    from adapters.files.adapter import LocalFilesAdapter
    from adapters.files.mapping import CsvMapping

    def make(leads: Sequence[Lead], activities: Sequence[Activity]) -> Adapter:
        seed_files(folder, leads, activities)
        return LocalFilesAdapter(
            leads_path=folder / "leads.csv",
            activities_path=folder / "activities.csv",
            output_dir=folder / "out",
            mapping=CsvMapping(),
            zone=ZoneInfo("Asia/Tokyo"),
            on_problem=lambda problem: None,
        )

    yield make


@contextmanager
def _salesforce(folder: Path) -> Iterator[MakeAdapter]:
    org = FakeOrg()

    def make(leads: Sequence[Lead], activities: Sequence[Activity]) -> Adapter:
        salesforce.seed(org, leads, activities)
        return salesforce.make_adapter()

    with org.mock():
        yield make


@contextmanager
def _hubspot(folder: Path) -> Iterator[MakeAdapter]:
    portal, recorder = FakePortal(), hubspot.Recorder()

    def make(leads: Sequence[Lead], activities: Sequence[Activity]) -> Adapter:
        hubspot.seed(portal, leads, activities)
        return hubspot.adapter_on_fake(recorder, mapping=hubspot.MAPPING_WITH_EVERY_RESULT)

    with hubspot.mounted(portal):
        yield make


@contextmanager
def _memory(folder: Path) -> Iterator[MakeAdapter]:
    def make(leads: Sequence[Lead], activities: Sequence[Activity]) -> Adapter:
        crm = MemoryCrm()
        for lead in leads:
            crm.add_lead(lead, NOW)
        for activity in activities:
            crm.add_activity(activity, NOW)
        return MemoryAdapter(crm)

    yield make


#: Every plugin by its `[crm] adapter` name, plus the in-memory fake the sync tests rely on.
CRMS: dict[str, CrmUnderTest] = {
    "csv": _local_files,
    "salesforce": _salesforce,
    "hubspot": _hubspot,
    "memory (fake)": _memory,
}


def test_every_plugin_runs_the_contract() -> None:
    assert set(PLUGINS) <= set(CRMS), f"no contract run for {sorted(set(PLUGINS) - set(CRMS))}"


class TestAdapterContract(AdapterContract):
    @pytest.fixture(params=sorted(CRMS))
    def make_adapter(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeAdapter]:
        with CRMS[request.param](tmp_path) as make:
            yield make
