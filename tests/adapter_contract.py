"""The contract every adapter passes: subclass AdapterContract and provide `make_adapter`.

    class TestMyCrmContract(AdapterContract):
        @pytest.fixture
        def make_adapter(self, ...) -> MakeAdapter:
            def make(leads, activities): ...seed the (fake) CRM, return an Adapter...
            return make

The seeded data is canonical (below); each CRM's fake stores it the way that CRM would, and the
adapter must read it back as the same canonical leads and activities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from connector.model import Activity, Lead, breakdown_digest
from connector.ports import Adapter, FollowUpTask, ScoreWrite

MakeAdapter = Callable[[Sequence[Lead], Sequence[Activity]], Adapter]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

LEADS = (
    Lead(
        "L1",
        {
            "email": "yamada@maker.example.co.jp",
            "name": "山田 太郎",
            "company": "山田精機株式会社",
            "industry": "自動車",
            "title": "生産技術部 部長",
        },
        owner="owner-1",
    ),
    Lead(
        "L2",
        {
            "email": "suzuki@denki.example.co.jp",
            "name": "鈴木 花子",
            "company": "鈴木電機",
            "industry": "電機",
            "title": "課長",
        },
        owner="owner-2",
    ),
    Lead("L3", {"email": "tanaka@kagaku.example.com", "name": "田中 一郎", "company": "田中化学"}),
)

ACTIVITIES = (
    Activity("A1", "L1", "trade_show_visit", NOW - timedelta(days=29)),
    Activity(
        "A2",
        "L1",
        "page_view",
        NOW - timedelta(days=2),
        {"page": "/products/abc", "duration_seconds": 240.0},
    ),
    Activity(
        "A3",
        "L1",
        "download",
        NOW - timedelta(days=1),
        {"campaign": "product-abc", "channel": "email"},
    ),
    Activity(
        "A4",
        "L2",
        "form_submit",
        NOW - timedelta(days=3),
        {"campaign": "product-abc-survey", "answer": "現在検討中"},
    ),
    Activity("A5", "L2", "trade_show_visit", NOW - timedelta(days=45)),
)

#: A lead over the follow-up bar (the article's lead C and then some), for end-to-end runs.
HOT = Lead(
    "L9",
    {"name": "佐藤 次郎", "company": "佐藤自動車", "industry": "自動車", "email": "s@x.example"},
    owner="005OWNER",
)
HOT_ACTIVITIES = [
    Activity("H1", "L9", "trade_show_visit", NOW - timedelta(days=5)),
    *(
        Activity(
            f"H{n}",
            "L9",
            "page_view",
            NOW - timedelta(days=n),
            {"page": "/products/abc", "duration_seconds": 150.0},
        )
        for n in range(2, 5)
    ),
    Activity("H5", "L9", "form_submit", NOW - timedelta(days=1), {"answer": "現在検討中"}),
]


def _task(key: str, lead_id: str) -> FollowUpTask:
    return FollowUpTask(
        key=key,
        lead_id=lead_id,
        owner="owner-1",
        subject="【要フォロー】山田 太郎",
        description="150 (高): 展示会来場 +10",
        due_date=date(2026, 11, 22),
        priority="High",
    )


class AdapterContract:
    """Behaviour every adapter shares, whatever CRM is behind it."""

    @pytest.fixture
    def adapter(self, make_adapter: MakeAdapter) -> Adapter:
        return make_adapter(LEADS, ACTIVITIES)

    def test_reads_every_lead_with_its_attributes_and_owner(self, adapter: Adapter) -> None:
        leads = {lead.id: lead for lead in adapter.read_leads()}
        assert set(leads) == {"L1", "L2", "L3"}
        assert leads["L1"].attribute("industry") == "自動車"
        assert leads["L1"].attribute("title") == "生産技術部 部長"
        assert leads["L1"].attribute("email") == "yamada@maker.example.co.jp"
        assert leads["L1"].owner == "owner-1"

    def test_reads_leads_by_id(self, adapter: Adapter) -> None:
        assert {lead.id for lead in adapter.read_leads(["L2", "nope"])} == {"L2"}

    def test_reads_activities_after_the_given_instant(self, adapter: Adapter) -> None:
        found = list(adapter.read_activities(None, NOW - timedelta(days=30)))
        by_lead = {(a.lead_id, a.kind) for a in found}
        assert by_lead == {
            ("L1", "trade_show_visit"),
            ("L1", "page_view"),
            ("L1", "download"),
            ("L2", "form_submit"),
        }

    def test_activities_keep_time_and_properties(self, adapter: Adapter) -> None:
        found = list(adapter.read_activities(["L1"], NOW - timedelta(days=30)))
        page_view = next(a for a in found if a.kind == "page_view")
        assert page_view.occurred_at == NOW - timedelta(days=2)
        assert page_view.occurred_at.utcoffset() == timedelta(0)
        assert page_view.properties["page"] == "/products/abc"
        assert float(page_view.properties["duration_seconds"]) == 240.0
        download = next(a for a in found if a.kind == "download")
        assert download.properties["campaign"] == "product-abc"
        assert download.properties["channel"] == "email"

    def test_a_backtest_reads_nothing_after_its_as_of(self, adapter: Adapter) -> None:
        as_of = NOW - timedelta(days=2, hours=12)  # after A4 (3 days ago), before A2 and A3
        found = adapter.read_activities(None, NOW - timedelta(days=30), occurred_before=as_of)
        assert {(a.lead_id, a.kind) for a in found} == {
            ("L1", "trade_show_visit"),
            ("L2", "form_submit"),
        }

    def test_reads_activities_of_the_given_leads_only(self, adapter: Adapter) -> None:
        found = list(adapter.read_activities(["L2"], NOW - timedelta(days=30)))
        assert [(a.lead_id, a.kind) for a in found] == [("L2", "form_submit")]

    def test_written_scores_are_read_back_as_current_values(self, adapter: Adapter) -> None:
        writes = [
            ScoreWrite("L1", 150, "高", "展示会来場 +10", NOW),
            ScoreWrite("L2", 50, "低", "アンケート +50", NOW),
        ]
        assert adapter.write_scores(writes) == []
        leads = {lead.id: lead for lead in adapter.read_leads()}
        current = leads["L1"].current
        assert current is not None
        assert (current.score, current.priority, current.reasons) == (150, "高", "展示会来場 +10")
        assert leads["L3"].current is None or leads["L3"].current.score is None

    def test_the_optional_result_fields_are_read_back_where_the_destination_has_them(
        self, adapter: Adapter
    ) -> None:
        fields = adapter.result_fields()
        text = '{"v":1,"score":150,"band":"高","scored_at":"2026-11-20T09:00:00Z","rules":[]}'
        when = NOW + timedelta(days=3, hours=2)
        write = ScoreWrite("L1", 150, "高", "展示会来場 +10", NOW, text, next_change_at=when)
        assert adapter.write_scores([write]) == []
        current = {lead.id: lead for lead in adapter.read_leads()}["L1"].current
        assert current is not None
        assert current.breakdown == (breakdown_digest(text) if fields.breakdown_length else None)
        assert current.next_change_at == (when if fields.next_change_at else None)
        cleared = ScoreWrite("L1", 150, "高", "展示会来場 +10", NOW, text, next_change_at=None)
        assert adapter.write_scores([cleared]) == []
        current = {lead.id: lead for lead in adapter.read_leads()}["L1"].current
        assert current is not None
        assert current.next_change_at is None

    def test_the_destination_has_both_optional_fields(self, adapter: Adapter) -> None:
        fields = adapter.result_fields()
        assert fields.next_change_at
        assert fields.breakdown_length is not None
        assert fields.breakdown_length >= 32_767

    def test_created_tasks_are_found_by_key(self, adapter: Adapter) -> None:
        outcome = adapter.create_tasks([_task("leadscore:L1:2026-11-20", "L1")])
        assert list(outcome.created) == ["leadscore:L1:2026-11-20"]
        assert not outcome.failures
        found = adapter.find_tasks(["leadscore:L1:2026-11-20", "leadscore:L2:2026-11-20"])
        assert set(found) == {"leadscore:L1:2026-11-20"}

    def test_changed_lead_ids_since_long_ago_include_every_lead(self, adapter: Adapter) -> None:
        assert adapter.changed_lead_ids(NOW - timedelta(days=3650)) >= {"L1", "L2", "L3"}

    def test_the_vocabulary_names_the_mapped_attributes(self, adapter: Adapter) -> None:
        vocabulary = adapter.vocabulary()
        assert vocabulary.attributes is None or {"industry", "title"} <= vocabulary.attributes

    def test_population_is_the_lead_count_or_unknown(self, adapter: Adapter) -> None:
        assert adapter.population() in (None, 3)

    def test_batches_are_bounded(self, adapter: Adapter) -> None:
        assert adapter.max_write_batch >= 1
