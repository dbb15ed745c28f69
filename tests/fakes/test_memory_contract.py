"""The in-memory CRM used by sync tests honours the same contract as the real adapters."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from connector.model import Activity, Lead
from connector.ports import Adapter
from tests.adapter_contract import NOW, AdapterContract, MakeAdapter
from tests.fakes.memory import MemoryAdapter, MemoryCrm


class TestMemoryContract(AdapterContract):
    @pytest.fixture
    def make_adapter(self) -> MakeAdapter:
        def make(leads: Sequence[Lead], activities: Sequence[Activity]) -> Adapter:
            crm = MemoryCrm()
            for lead in leads:
                crm.add_lead(lead, NOW)
            for activity in activities:
                crm.add_activity(activity, NOW)
            return MemoryAdapter(crm)

        return make
