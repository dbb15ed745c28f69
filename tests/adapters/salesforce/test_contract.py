"""The Salesforce adapter passes the adapter contract against the fake org."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from connector.model import Activity, Lead
from connector.ports import Adapter
from tests.adapter_contract import AdapterContract, MakeAdapter
from tests.adapters.salesforce.support import make_adapter, seed
from tests.fakes.salesforce import FakeOrg


class TestSalesforceContract(AdapterContract):
    @pytest.fixture
    def org(self) -> Iterator[FakeOrg]:
        org = FakeOrg()
        with org.mock():
            yield org

    @pytest.fixture
    def make_adapter(self, org: FakeOrg) -> MakeAdapter:
        def make(leads: Sequence[Lead], activities: Sequence[Activity]) -> Adapter:
            seed(org, leads, activities)
            return make_adapter()

        return make
