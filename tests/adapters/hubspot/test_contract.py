"""The HubSpot adapter passes the adapter contract against the fake portal."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from connector.model import Activity, Lead
from connector.ports import Adapter
from tests.adapter_contract import AdapterContract, MakeAdapter
from tests.adapters.hubspot.support import Recorder, adapter_on_fake, portal, recorder, seed
from tests.fakes.hubspot import FakePortal

__all__ = ["portal", "recorder"]  # fixtures used through pytest's injection


class TestHubSpotContract(AdapterContract):
    @pytest.fixture
    def make_adapter(self, portal: FakePortal, recorder: Recorder) -> MakeAdapter:
        def make(leads: Sequence[Lead], activities: Sequence[Activity]) -> Adapter:
            seed(portal, leads, activities)
            return adapter_on_fake(recorder)

        return make
