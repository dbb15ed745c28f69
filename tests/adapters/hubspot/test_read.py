"""Reading a HubSpot portal: every contact exactly once, past the 10k cap, within the limits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from adapters.hubspot.adapter import build_hubspot_adapter
from adapters.hubspot.settings import HubSpotSettings
from connector.errors import BudgetExhausted, FatalCrmError, RetriableCrmError
from connector.ports import ScoreWrite
from tests.adapters.hubspot.support import Recorder, adapter_on_fake, portal, recorder
from tests.fakes.hubspot import BASE_URL, FakePortal, iso

__all__ = ["portal", "recorder"]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def add_contacts(portal: FakePortal, count: int) -> list[str]:
    """`count` contacts, all modified at the portal's `now` (as after a bulk import)."""
    return [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(count)]


def searches(portal: FakePortal) -> int:
    return sum(1 for method, path in portal.calls if path.endswith("/search"))


def test_a_portal_of_25000_contacts_is_read_completely_and_exactly_once(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = add_contacts(portal, 25_000)
    seen = Counter(lead.id for lead in adapter_on_fake(recorder).read_leads())
    assert set(seen) == set(ids)
    assert max(seen.values()) == 1
    assert searches(portal) == 125  # 200 a page, and no query past the 10k cap


def test_search_stays_within_five_requests_a_second(portal: FakePortal, recorder: Recorder) -> None:
    add_contacts(portal, 2_400)  # 12 pages
    list(adapter_on_fake(recorder).read_leads())
    assert recorder.now >= 2.0  # 12 searches at 5/s need at least two seconds


def test_more_than_10000_contacts_on_one_timestamp_do_not_loop(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = add_contacts(portal, 12_000)
    changed = adapter_on_fake(recorder, events_api=False).changed_lead_ids(NOW)
    assert set(ids) <= changed
    assert searches(portal) <= 61 + 2


def test_changed_lead_ids_leave_out_contacts_modified_before(
    portal: FakePortal, recorder: Recorder
) -> None:
    old = portal.add("contacts", {"email": "old@example.jp"})
    portal.now = NOW + timedelta(hours=1)
    new = portal.add("contacts", {"email": "new@example.jp"})
    changed = adapter_on_fake(recorder).changed_lead_ids(NOW + timedelta(minutes=30))
    assert new in changed
    assert old not in changed


def test_leads_by_id_are_batch_read_100_at_a_time(portal: FakePortal, recorder: Recorder) -> None:
    ids = add_contacts(portal, 250)
    leads = list(adapter_on_fake(recorder).read_leads([*ids, "999"]))
    assert {lead.id for lead in leads} == set(ids)
    assert [path for _, path in portal.calls].count("/crm/v3/objects/contacts/batch/read") == 3


def test_attributes_owner_and_current_result_come_from_contact_properties(
    portal: FakePortal, recorder: Recorder
) -> None:
    contact = portal.add(
        "contacts",
        {"lastname": "山田", "firstname": "太郎", "jobtitle": "部長", "hubspot_owner_id": "77",
         "numberofemployees": "1200", "leadscore_score": "130", "leadscore_priority": "高"},
    )  # fmt: skip
    (lead,) = adapter_on_fake(recorder).read_leads([contact])
    assert lead.attribute("name") == "山田 太郎"
    assert lead.attribute("employees") == "1200"
    assert lead.owner == "77"
    assert lead.current is not None
    assert (lead.current.score, lead.current.priority) == (130, "高")
    assert lead.modified_at == NOW


def test_a_ten_secondly_429_backs_off_and_the_read_completes(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = add_contacts(portal, 10)
    portal.throttle = ["TEN_SECONDLY_ROLLING", "TEN_SECONDLY_ROLLING"]
    assert {lead.id for lead in adapter_on_fake(recorder).read_leads()} == set(ids)
    assert len(recorder.sleeps) >= 2


def test_a_ten_secondly_429_waits_as_long_as_retry_after_says(
    portal: FakePortal, recorder: Recorder
) -> None:
    add_contacts(portal, 1)
    portal.throttle, portal.retry_after = ["TEN_SECONDLY_ROLLING"], "3"
    assert len(list(adapter_on_fake(recorder).read_leads())) == 1
    assert 3.0 in recorder.sleeps


def test_a_daily_429_stops_the_run_at_once(portal: FakePortal, recorder: Recorder) -> None:
    add_contacts(portal, 10)
    portal.throttle = ["DAILY", "DAILY", "DAILY"]
    with pytest.raises(BudgetExhausted, match="daily"):
        list(adapter_on_fake(recorder).read_leads())
    assert len(portal.calls) == 1
    assert recorder.sleeps == []


def test_ten_secondly_429s_that_never_stop_fail_as_retriable(
    portal: FakePortal, recorder: Recorder
) -> None:
    add_contacts(portal, 1)
    portal.throttle = ["TEN_SECONDLY_ROLLING"] * 50
    with pytest.raises(RetriableCrmError):
        list(adapter_on_fake(recorder).read_leads())


def test_a_bad_token_is_fatal_and_says_which_setting(
    recorder: Recorder, portal: FakePortal
) -> None:
    adapter = adapter_on_fake(recorder, token="wrong")
    with pytest.raises(FatalCrmError, match="LEADSCORE_HUBSPOT__ACCESS_TOKEN"):
        list(adapter.read_leads())


def test_every_request_goes_through_the_injected_client_and_apis_are_built_once(
    portal: FakePortal, recorder: Recorder
) -> None:
    sent: list[str] = []
    client = httpx.Client(
        base_url=BASE_URL, event_hooks={"request": [lambda r: sent.append(r.url.path)]}
    )
    ids = add_contacts(portal, 450)
    adapter = adapter_on_fake(recorder, client=client)
    list(adapter.read_leads())
    list(adapter.read_leads(ids))
    assert len(sent) == len(portal.calls) == 3 + 5
    assert adapter.calls.sdk.search is adapter.calls.sdk.search
    assert len(adapter.calls.sdk._cache) == 7  # one ApiClient per API, none per call


def test_meetings_count_as_seminars_only_when_completed(
    portal: FakePortal, recorder: Recorder
) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp"})
    other = portal.add("contacts", {"email": "b@example.jp"})
    for outcome, title in (("COMPLETED", "ABC seminar"), ("NO_SHOW", "XYZ seminar")):
        properties = {"hs_timestamp": iso(NOW - timedelta(days=3))}
        properties |= {"hs_meeting_outcome": outcome, "hs_meeting_title": title}
        meeting = portal.add("meetings", properties)
        portal.associate("meetings", meeting, "contacts", contact)
    adapter = adapter_on_fake(recorder, events_api=False)
    for lead_ids in (None, [contact, other]):
        found = [a for a in adapter.read_activities(lead_ids, NOW - timedelta(days=30))
                 if a.kind == "seminar_attended"]  # fmt: skip
        assert [(a.lead_id, a.properties["campaign"]) for a in found] == [(contact, "ABC seminar")]
        assert found[0].occurred_at == NOW - timedelta(days=3)


def test_each_trade_show_badge_import_is_one_visit(portal: FakePortal, recorder: Recorder) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp"})
    portal.set_history(contact, "leadscore_trade_show", [
        (NOW - timedelta(days=60), "IT Week Spring"),
        (NOW - timedelta(days=10), "Factory Expo"),
        (NOW - timedelta(days=2), "Smart Manufacturing Week"),
    ])  # fmt: skip
    found = list(
        adapter_on_fake(recorder, events_api=False).read_activities(None, NOW - timedelta(days=30))
    )
    visits = sorted((a.occurred_at, a.properties["campaign"]) for a in found)
    assert visits == [
        (NOW - timedelta(days=10), "Factory Expo"),
        (NOW - timedelta(days=2), "Smart Manufacturing Week"),
    ]


def test_page_views_are_not_read_unless_the_events_api_is_enabled(
    portal: FakePortal, recorder: Recorder
) -> None:
    portal.add("contacts", {"email": "a@example.jp"}, record_id="5")
    event = {"id": "e1", "eventType": "e_visited_page", "objectType": "CONTACT", "objectId": "5"}
    portal.events.append(event | {"occurredAt": iso(NOW), "properties": {"hs_url": "/p"}})
    after = NOW - timedelta(days=1)
    assert not list(adapter_on_fake(recorder, events_api=False).read_activities(None, after))
    assert not any(path.startswith("/events") for _, path in portal.calls)
    (view,) = adapter_on_fake(recorder).read_activities(["5"], after)
    assert (view.kind, view.lead_id, view.properties["page"]) == ("page_view", "5", "/p")


def test_form_submissions_without_a_contact_are_skipped(
    portal: FakePortal, recorder: Recorder
) -> None:
    portal.add("contacts", {"email": "known@example.jp"})
    answer = {"name": "survey_status", "value": "現在検討中"}
    for email in ("KNOWN@example.jp", "stranger@example.jp", ""):
        values = [{"name": "email", "value": email}, answer]
        portal.forms["survey-abc"].append(
            {"submittedAt": int(NOW.timestamp() * 1000), "values": values}
        )
    found = list(adapter_on_fake(recorder).read_activities(None, NOW - timedelta(days=1)))
    assert [(a.kind, a.properties["answer"]) for a in found] == [("form_submit", "現在検討中")]
    assert [problem.message for problem in recorder.problems] == ["the submission has no email"]


def test_the_fake_refuses_after_paging_past_10000_results(portal: FakePortal) -> None:
    add_contacts(portal, 10_100)
    client = httpx.Client(base_url=BASE_URL, headers={"Authorization": "Bearer test-token"})
    request = {"limit": 200, "after": "9900", "filterGroups": []}
    assert client.post("/crm/v3/objects/contacts/search", json=request).status_code == 400


def test_page_views_of_many_leads_are_paged_once_not_asked_per_contact(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = add_contacts(portal, 300)
    for n, contact in enumerate(ids[:50]):
        event = {"id": f"e{n}", "eventType": "e_visited_page", "objectType": "CONTACT"}
        portal.events.append(event | {"objectId": contact, "occurredAt": iso(NOW)})
    adapter = adapter_on_fake(recorder)
    found = list(adapter.read_activities(ids[25:], NOW - timedelta(days=1)))
    assert sorted(a.lead_id for a in found if a.kind == "page_view") == sorted(ids[25:50])
    assert sum(1 for _, path in portal.calls if path.startswith("/events")) == 1


def test_api_calls_count_every_request_and_the_cursor_lags_the_search_index(
    portal: FakePortal, recorder: Recorder
) -> None:
    add_contacts(portal, 450)
    portal.throttle = ["TEN_SECONDLY_ROLLING"]
    adapter = adapter_on_fake(recorder)
    list(adapter.read_leads())
    assert adapter.api_calls == len(portal.calls) == 4  # three pages and one retry
    assert adapter.cursor_lag == timedelta(minutes=2)


def test_the_built_adapter_leaves_429s_to_the_adapter_and_meters_every_call(
    portal: FakePortal, tmp_path: Path
) -> None:
    add_contacts(portal, 10)
    mapping = tmp_path / "hubspot.toml"
    mapping.write_text('[attributes]\nemail = "email"\n', encoding="utf-8")
    settings = HubSpotSettings(access_token=SecretStr("test-token"))
    adapter = build_hubspot_adapter(
        settings, mapping, on_problem=lambda problem: None, timezone="Asia/Tokyo"
    )
    portal.throttle = ["DAILY"]
    with pytest.raises(BudgetExhausted):
        list(adapter.read_leads())
    assert adapter.api_calls == len(portal.calls) == 1  # a DAILY 429 is not retried at all
    assert len(list(adapter.read_leads())) == 10
    adapter.close()


def test_on_the_shared_transport_a_ten_secondly_429_and_a_5xx_on_a_get_are_both_survived(
    portal: FakePortal, tmp_path: Path
) -> None:
    portal.add("contacts", {"email": "a@example.jp"}, record_id="5")
    event = {"id": "e1", "eventType": "e_visited_page", "objectType": "CONTACT", "objectId": "5"}
    portal.events.append(event | {"occurredAt": iso(NOW), "properties": {"hs_url": "/p"}})
    mapping = tmp_path / "hubspot.toml"
    mapping.write_text(
        '[attributes]\nemail = "email"\n[[activities]]\nsource = "page_views"\n', encoding="utf-8"
    )
    settings = HubSpotSettings(access_token=SecretStr("test-token"), events_api=True)
    adapter = build_hubspot_adapter(
        settings, mapping, on_problem=lambda problem: None, timezone="Asia/Tokyo"
    )
    portal.throttle, portal.retry_after = ["TEN_SECONDLY_ROLLING"], "0"
    portal.outages = [502]  # after the 429: the events GET, retried by the transport
    assert [a.lead_id for a in adapter.read_activities(["5"], NOW - timedelta(days=1))] == ["5"]
    assert adapter.api_calls == 3


def test_contacts_found_changed_are_not_read_a_second_time(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = add_contacts(portal, 250)
    adapter = adapter_on_fake(recorder, events_api=False)
    changed = adapter.changed_lead_ids(NOW)
    leads = {lead.id: lead for lead in adapter.read_leads(changed)}
    assert set(leads) == set(ids)
    assert leads[ids[0]].attribute("email") == "c0@example.jp"
    assert not [path for _, path in portal.calls if path.endswith("/batch/read")]
    list(adapter.read_leads(ids[:5]))  # the rows were used once: now a real read
    assert [path for _, path in portal.calls].count("/crm/v3/objects/contacts/batch/read") == 1


def test_rows_found_changed_long_ago_are_read_again(portal: FakePortal, recorder: Recorder) -> None:
    ids = add_contacts(portal, 3)
    adapter = adapter_on_fake(recorder, events_api=False)
    adapter.changed_lead_ids(NOW)
    recorder.sleep(600)
    assert len(list(adapter.read_leads(ids))) == 3
    assert [path for _, path in portal.calls].count("/crm/v3/objects/contacts/batch/read") == 1


def test_our_own_result_writes_are_not_taken_for_changes_on_the_next_run(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = add_contacts(portal, 600)
    adapter = adapter_on_fake(recorder, events_api=False)
    portal.now = NOW + timedelta(minutes=5)  # the run writes its results
    writes = [ScoreWrite(i, 10, "低", "展示会来場 +10", NOW) for i in ids]
    for start in range(0, len(writes), 100):
        assert adapter.write_scores(writes[start : start + 100]) == []
    portal.now = NOW + timedelta(minutes=6)  # then a rep edits one of the written contacts
    edited = portal.objects["contacts"][ids[7]]
    edited.update({"jobtitle": "部長", "lastmodifieddate": iso(portal.now)})
    before = searches(portal)
    assert adapter.changed_lead_ids(NOW + timedelta(minutes=1)) == {ids[7]}
    assert searches(portal) - before <= 3  # not 3 pages of our own 600 writes


def test_backtest_reads_stop_at_occurred_before(portal: FakePortal, recorder: Recorder) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp"})
    for days, event_id in ((-5, "past"), (10, "future")):
        at = iso(NOW + timedelta(days=days))
        portal.events.append({"id": event_id, "eventType": "e_visited_page",
                              "objectType": "CONTACT", "objectId": contact, "occurredAt": at,
                              "properties": {"hs_url": "https://example.jp/abc"}})  # fmt: skip
        meeting = portal.add(
            "meetings", {"hs_timestamp": at, "hs_meeting_outcome": "COMPLETED",
                         "hs_meeting_title": event_id},
        )  # fmt: skip
        portal.associate("meetings", meeting, "contacts", contact)
    adapter = adapter_on_fake(recorder)
    after = NOW - timedelta(days=30)
    found = list(adapter.read_activities(None, after, occurred_before=NOW))
    assert sorted(a.kind for a in found) == ["page_view", "seminar_attended"]
    assert all(a.occurred_at <= NOW for a in found)
    assert [a.id for a in adapter.read_activities([contact], after, occurred_before=NOW)
            if a.kind == "page_view"] == ["event:past"]  # fmt: skip


def test_a_fresh_process_knows_our_own_writes_from_the_memory_the_last_run_left(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = add_contacts(portal, 600)
    first = adapter_on_fake(recorder, events_api=False)
    portal.now = NOW + timedelta(minutes=5)
    writes = [ScoreWrite(i, 10, "低", "展示会来場 +10", NOW) for i in ids]
    for start in range(0, len(writes), 100):
        assert first.write_scores(writes[start : start + 100]) == []
    memory = first.memory()
    second = adapter_on_fake(recorder, events_api=False)  # the next cron run: a new process
    second.recall(memory)
    portal.now = NOW + timedelta(minutes=6)
    before = searches(portal)
    assert second.changed_lead_ids(NOW + timedelta(minutes=1)) == set()
    assert searches(portal) - before <= 3
    fresh = adapter_on_fake(recorder, events_api=False)  # without the memory: all 600 again
    assert len(fresh.changed_lead_ids(NOW + timedelta(minutes=1))) == 600
