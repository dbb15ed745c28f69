"""The Salesforce adapter against the fake org: what an admin or a rep would notice."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from adapters.salesforce.adapter import SalesforceAdapter, build_salesforce_adapter
from connector.errors import BudgetExhausted, ConfigError, FatalCrmError, RetriableCrmError
from connector.http import CallMeter, make_client
from connector.ports import FollowUpTask, ScoreWrite
from tests.adapters.salesforce.support import (
    MAPPING_PATH,
    add_marketing_schema,
    make_adapter,
    org_mapping,
    session_settings,
)
from tests.fakes.salesforce import INSTANCE, FakeOrg, sf_datetime

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def org() -> Iterator[FakeOrg]:
    org = FakeOrg()
    add_marketing_schema(org)
    with org.mock():
        yield org


def add_leads(org: FakeOrg, count: int) -> list[str]:
    return [
        org.add("Lead", LastName=f"L{n}", Company="C", IsConverted=False, OwnerId="005A")
        for n in range(count)
    ]


def write(lead_id: str, score: int = 130) -> ScoreWrite:
    return ScoreWrite(lead_id, score, "高", "展示会来場 +10", NOW)


def task(lead_id: str, key: str = "") -> FollowUpTask:
    return FollowUpTask(
        key=key or f"leadscore:{lead_id}:2026-11-20",
        lead_id=lead_id,
        owner="005A",
        subject="【要フォロー】",
        description="130 (高): 展示会来場 +10",
        due_date=date(2026, 11, 22),
        priority="高",
    )


def test_reads_leads_in_pages_of_2000(org: FakeOrg) -> None:
    add_leads(org, 4500)
    meter = CallMeter()
    leads = list(make_adapter(meter=meter).read_leads())
    assert len(leads) == 4500
    assert meter.calls == 3


def test_converted_leads_are_not_scored(org: FakeOrg) -> None:
    kept = add_leads(org, 1)
    org.add("Lead", LastName="old", IsConverted=True)
    assert [lead.id for lead in make_adapter().read_leads()] == kept


def test_long_id_lists_are_split_to_fit_the_url_limit(org: FakeOrg) -> None:
    ids = add_leads(org, 4500)[:1200]
    meter = CallMeter()
    assert {lead.id for lead in make_adapter(meter=meter).read_leads(ids)} == set(ids)
    assert meter.calls == 1 + 3  # COUNT(): 3 pages for all, no fewer than 3 chunks
    assert 8000 < org.longest_url <= 12000


def test_most_of_the_leads_are_read_whole_and_filtered(org: FakeOrg) -> None:
    ids = add_leads(org, 3500)[:3000]
    meter = CallMeter()
    assert {lead.id for lead in make_adapter(meter=meter).read_leads(ids)} == set(ids)
    assert meter.calls == 1 + 2  # COUNT(), then 2 pages instead of 7 chunks


def test_scores_are_written_200_a_call_and_read_back(org: FakeOrg) -> None:
    ids = add_leads(org, 450)
    meter = CallMeter()
    adapter = make_adapter(session_settings(bulk_threshold=0), meter=meter)
    assert adapter.max_write_batch == 200
    assert adapter.write_scores([write(i) for i in ids]) == []
    assert meter.calls == 3
    stored = org.get(ids[0])
    assert (stored["LeadScore__c"], stored["LeadPriority__c"]) == (130, "高")
    assert stored["LeadScoreReasons__c"] == "展示会来場 +10"
    assert stored["LeadScoredAt__c"] == sf_datetime(NOW)
    current = next(adapter.read_leads([ids[0]])).current
    assert current is not None
    assert (current.score, current.priority) == (130, "高")


def test_a_rejected_record_is_reported_and_the_others_written(org: FakeOrg) -> None:
    ids = add_leads(org, 3)
    org.reject[ids[1]] = "Company is required"
    failures = make_adapter().write_scores([write(i) for i in ids])
    assert [(f.record_id, f.message) for f in failures] == [
        (ids[1], "FIELD_CUSTOM_VALIDATION_EXCEPTION: Company is required")
    ]
    assert org.get(ids[0])["LeadScore__c"] == 130
    assert "LeadScore__c" not in org.get(ids[1])


def test_large_writes_go_through_bulk_api(org: FakeOrg) -> None:
    ids = add_leads(org, 2500)
    org.reject[ids[7]] = "locked"
    meter = CallMeter()
    adapter = make_adapter(meter=meter)
    failures = adapter.write_scores([write(i, 90) for i in ids])
    assert [f.record_id for f in failures] == [ids[7]]
    assert "locked" in failures[0].message
    assert org.get(ids[0])["LeadScore__c"] == 90
    assert meter.calls == 5  # create job, upload, close, poll, failed results
    adapter.write_scores([ScoreWrite(i, 0, "低", "", NOW) for i in ids])
    assert org.get(ids[0])["LeadScoreReasons__c"] is None  # emptied, not left as it was


def test_a_running_bulk_job_is_polled_until_it_completes(org: FakeOrg) -> None:
    ids = add_leads(org, 2100)
    org.bulk.polls_in_progress = 2
    meter = CallMeter()
    adapter = make_adapter(session_settings(bulk_poll_seconds=0), meter=meter)
    assert adapter.write_scores([write(i) for i in ids]) == []
    assert meter.calls == 4 + 2  # no failed rows: failedResults is not fetched
    assert org.get(ids[-1])["LeadScore__c"] == 130


def test_a_clean_bulk_job_costs_four_calls(org: FakeOrg) -> None:
    ids = add_leads(org, 2100)
    meter = CallMeter()
    assert make_adapter(meter=meter).write_scores([write(i) for i in ids]) == []
    assert meter.calls == 4  # create, upload, close, poll: numberRecordsFailed = 0


@pytest.mark.parametrize("end", ["Failed", "Aborted"])
def test_a_bulk_job_that_stops_early_reports_only_what_it_did_not_write(
    org: FakeOrg, end: str
) -> None:
    ids = add_leads(org, 2100)
    org.reject[ids[3]] = "locked"
    org.bulk.end_state, org.bulk.processed_before_end = end, 1000
    failures = make_adapter().write_scores([write(i) for i in ids])
    failed = {f.record_id: f.message for f in failures}
    assert set(failed) == {ids[3], *ids[1000:]}  # the first 1,000 but one were written
    assert "locked" in failed[ids[3]]
    assert end in failed[ids[-1]]
    assert org.get(ids[0])["LeadScore__c"] == 130
    assert "LeadScore__c" not in org.get(ids[-1])


def test_tasks_are_created_for_the_owner_once(org: FakeOrg) -> None:
    (lead,) = add_leads(org, 1)
    adapter = make_adapter()
    outcome = adapter.create_tasks([task(lead)])
    (task_id,) = outcome.created.values()
    stored = org.get(task_id)
    assert stored["WhoId"] == lead
    assert stored["OwnerId"] == "005A"
    assert (stored["Priority"], stored["Status"]) == ("High", "Not Started")
    assert stored["ActivityDate"] == "2026-11-22"
    assert stored["Description"] == "130 (高): 展示会来場 +10"
    assert adapter.find_tasks([task(lead).key, "other"]) == {task(lead).key: task_id}
    again = adapter.create_tasks([task(lead)])
    assert not again.created
    assert again.failures[0].record_id == task(lead).key
    assert len(list(org.all("Task"))) == 1


def test_a_task_for_an_inactive_owner_is_an_owner_refusal(org: FakeOrg) -> None:
    (lead,) = add_leads(org, 1)
    org.add("User", "005A", IsActive=False)
    outcome = make_adapter().create_tasks([task(lead)])
    (failure,) = outcome.failures
    assert (failure.record_id, failure.owner_refused) == (task(lead).key, True)
    assert "INACTIVE_OWNER_OR_USER" in failure.message
    assert not list(org.all("Task"))


def test_a_task_for_a_queue_owned_lead_is_an_owner_refusal(org: FakeOrg) -> None:
    (lead,) = add_leads(org, 1)
    queued = dataclasses.replace(task(lead), owner="00G5g000004XyZ1EAK")
    (failure,) = make_adapter().create_tasks([queued]).failures
    assert (failure.record_id, failure.owner_refused) == (queued.key, True)
    assert "FIELD_INTEGRITY_EXCEPTION" in failure.message


def test_a_task_refused_for_another_reason_is_not_an_owner_refusal(org: FakeOrg) -> None:
    first, second = add_leads(org, 2)
    org.add("User", "005A", IsActive=True)
    adapter = make_adapter()
    adapter.create_tasks([task(first)])
    twin = dataclasses.replace(task(second), key=task(first).key)
    (failure,) = adapter.create_tasks([twin]).failures
    assert "DUPLICATE_VALUE" in failure.message
    assert not failure.owner_refused


def test_changed_lead_ids_follow_system_modstamp_and_activities(org: FakeOrg) -> None:
    old, touched, visited = add_leads(org, 3)
    org.now += timedelta(days=1)
    org.records["Lead"][touched]["SystemModstamp"] = sf_datetime(org.now)
    org.add("WebVisit__c", Lead__c=visited, VisitedAt__c=sf_datetime(org.now), Page__c="/p")
    adapter = make_adapter()
    adapter.create_tasks([task(old)])  # our own follow-up is not an activity of the lead
    assert adapter.changed_lead_ids(org.now) == {touched, visited}


def test_activity_kinds_times_and_properties(org: FakeOrg) -> None:
    (lead,) = add_leads(org, 1)
    fair = org.add("Campaign", Name="Expo", Type="Trade Show")
    ad = org.add("Campaign", Name="Banner", Type="Banner Ads")
    org.add(
        "CampaignMember",
        CampaignId=fair,
        LeadId=lead,
        HasResponded=True,
        FirstRespondedDate="2026-11-18",
        Status="Attended",
    )
    org.add(
        "CampaignMember",
        CampaignId=ad,
        LeadId=lead,
        HasResponded=True,
        FirstRespondedDate="2026-11-18",
    )
    org.add("CampaignMember", CampaignId=fair, LeadId=lead, HasResponded=False)
    org.add(
        "Task",
        WhoId=lead,
        TaskSubtype="Email",
        Status="Completed",
        CreatedDate="2026-11-19T01:00:00.000+0000",
    )
    org.add(
        "WebVisit__c",
        Lead__c=lead,
        VisitedAt__c="2026-11-19T02:00:00.000+0000",
        Page__c="/products/abc",
        Seconds__c=75,
    )
    found = sorted(
        make_adapter().read_activities([lead], NOW - timedelta(days=30)),
        key=lambda a: a.occurred_at,
    )
    assert [a.kind for a in found] == ["trade_show_visit", "email_click", "page_view"]
    assert found[0].occurred_at == datetime(2026, 11, 17, 15, 0, tzinfo=UTC)  # 18th, Tokyo
    assert found[0].properties == {"campaign": "Expo", "status": "Attended"}
    assert found[2].properties == {"page": "/products/abc", "duration_seconds": 75.0}


def test_expired_token_without_renewal_is_a_clear_error(org: FakeOrg) -> None:
    add_leads(org, 1)
    org.expire_sessions()
    with pytest.raises(FatalCrmError, match="LEADSCORE_SALESFORCE__ACCESS_TOKEN"):
        list(make_adapter().read_leads())


def test_expired_session_is_renewed_with_password_credentials(org: FakeOrg) -> None:
    add_leads(org, 2)
    settings = session_settings(username="sync@example.com", password="pw", security_token="sectok")
    org.expire_sessions()
    assert len(list(make_adapter(settings).read_leads())) == 2


def test_password_login(org: FakeOrg) -> None:
    add_leads(org, 1)
    settings = session_settings(
        instance_url=None,
        access_token=None,
        username="sync@example.com",
        password="pw",
        security_token="sectok",
    )
    assert len(list(make_adapter(settings).read_leads())) == 1


def test_a_password_may_be_any_text(org: FakeOrg) -> None:
    add_leads(org, 1)
    org.users["sync@example.com"] = ("東京&<タワー>", "sectok")  # sent in the SOAP body
    settings = session_settings(
        instance_url=None,
        access_token=None,
        username="sync@example.com",
        password="東京&<タワー>",
        security_token="sectok",
    )
    assert len(list(make_adapter(settings).read_leads())) == 1


def test_wrong_password_is_a_login_error(org: FakeOrg) -> None:
    settings = session_settings(
        instance_url=None,
        access_token=None,
        username="sync@example.com",
        password="nope",
        security_token="sectok",
    )
    with pytest.raises(FatalCrmError, match="login failed"):
        list(make_adapter(settings).read_leads())


def test_jwt_bearer_login(org: FakeOrg) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    add_leads(org, 1)
    settings = session_settings(
        instance_url=None,
        access_token=None,
        username="sync@example.com",
        consumer_key="3MVG9",
        private_key=pem,
    )
    assert len(list(make_adapter(settings).read_leads())) == 1


def test_stops_before_the_budget_reserve(org: FakeOrg) -> None:
    add_leads(org, 4100)
    org.api_max, org.api_used = 100, 79  # page 1 leaves 20 (= the 20% reserve), page 2 19
    adapter = make_adapter()
    with pytest.raises(BudgetExhausted, match="budget_reserve"):
        list(adapter.read_leads())
    assert org.api_used == 81  # two pages read, the third refused before it was sent


def test_request_limit_exceeded_stops_without_retrying(org: FakeOrg) -> None:
    add_leads(org, 1)
    org.api_max, org.api_used = 10, 10
    meter = CallMeter()
    with pytest.raises(BudgetExhausted, match="REQUEST_LIMIT_EXCEEDED"):
        list(make_adapter(meter=meter).read_leads())
    assert meter.calls == 1


def test_server_errors_and_timeouts_are_retried(org: FakeOrg) -> None:
    add_leads(org, 1)
    org.fail_next = [503, httpx.ReadTimeout("slow"), 500]
    meter = CallMeter()
    assert len(list(make_adapter(meter=meter).read_leads())) == 1
    assert meter.calls == 4


def test_an_outage_outliving_the_retries_is_retriable(org: FakeOrg) -> None:
    add_leads(org, 1)
    org.fail_next = [503] * 5
    with pytest.raises(RetriableCrmError):
        list(make_adapter().read_leads())


def test_a_timeout_outliving_the_retries_is_retriable(org: FakeOrg) -> None:
    add_leads(org, 1)
    org.fail_next = [httpx.ConnectTimeout("down")] * 5
    with pytest.raises(RetriableCrmError):
        list(make_adapter().read_leads())


def test_tasks_of_contacts_are_not_read_when_only_leads_are_scored(org: FakeOrg) -> None:
    (lead,) = add_leads(org, 1)
    contact = org.add("Contact", LastName="C")
    for who in (lead, contact):
        org.add(
            "Task",
            WhoId=who,
            TaskSubtype="Email",
            Status="Completed",
            CreatedDate="2026-11-19T01:00:00.000+0000",
        )
    found = list(make_adapter().read_activities(None, NOW - timedelta(days=30)))
    assert [(a.lead_id, a.kind) for a in found] == [(lead, "email_click")]


def test_the_built_adapter_meters_every_call(org: FakeOrg) -> None:
    add_leads(org, 2)
    meter = CallMeter()
    adapter = build_salesforce_adapter(
        session_settings(),
        MAPPING_PATH,
        on_problem=lambda p: None,
        timezone="Asia/Tokyo",
        meter=meter,
    )
    assert len(list(adapter.read_leads())) == 2
    adapter.close()
    assert meter.calls == 1
    assert adapter.budget.remaining == org.api_max - 1


def test_closing_the_adapter_closes_the_client_it_was_given(org: FakeOrg) -> None:
    client = make_client(base_url=INSTANCE)
    adapter = SalesforceAdapter(
        settings=session_settings(),
        mapping=org_mapping(),
        client=client,
        on_problem=lambda p: None,
        timezone="Asia/Tokyo",
    )
    adapter.close()
    assert client.is_closed


def test_a_failed_task_creation_is_not_repeated_blindly(org: FakeOrg) -> None:
    (lead,) = add_leads(org, 1)
    org.fail_next = [503]
    adapter = make_adapter()
    with pytest.raises(RetriableCrmError):
        adapter.create_tasks([task(lead)])
    assert org.calls("POST") == 1


def test_a_field_the_org_lacks_points_to_check(org: FakeOrg) -> None:
    (lead,) = add_leads(org, 1)
    del org.schema["Lead"]["LeadScoredAt__c"]
    with pytest.raises(FatalCrmError, match="leadscore check"):
        make_adapter().write_scores([write(lead)])
    del org.schema["Lead"]["LeadScore__c"]
    with pytest.raises(FatalCrmError, match="INVALID_FIELD.*leadscore check"):
        list(make_adapter().read_leads())


def test_an_unusable_private_key_is_a_config_error(org: FakeOrg) -> None:
    settings = session_settings(
        instance_url=None,
        access_token=None,
        username="sync@example.com",
        consumer_key="3MVG9",
        private_key="not a key",
    )
    with pytest.raises(ConfigError, match="RSA private key"):
        list(make_adapter(settings).read_leads())


def test_call_logs_carry_no_password_or_token(
    org: FakeOrg, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leadscore.http")
    add_leads(org, 1)
    settings = session_settings(username="sync@example.com", password="pw", security_token="sectok")
    org.expire_sessions()
    list(make_adapter(settings).read_leads())
    assert "POST /services/Soap/u/59.0 -> 200" in caplog.text
    assert "GET /services/data/v59.0/query/?q=SELECT" in caplog.text
    assert not any(secret in caplog.text for secret in ("sectok", "token-", "pwsectok"))


def test_contacts_are_scored_with_their_account(org: FakeOrg) -> None:
    account = org.add("Account", Name="山田精機", Industry="自動車", NumberOfEmployees=120)
    contact = org.add("Contact", LastName="山田", AccountId=account, Department="生産技術部")
    fair = org.add("Campaign", Name="Expo", Type="Trade Show")
    org.add(
        "CampaignMember",
        CampaignId=fair,
        ContactId=contact,
        HasResponded=True,
        FirstRespondedDate="2026-11-18",
    )
    adapter = make_adapter(session_settings(objects=["Contact"]))
    (lead,) = adapter.read_leads()
    assert lead.attributes["company"] == "山田精機"
    assert lead.attributes["employees"] == "120"
    assert lead.attributes["department"] == "生産技術部"
    (visit,) = adapter.read_activities([contact], NOW - timedelta(days=30))
    assert (visit.lead_id, visit.kind) == (contact, "trade_show_visit")
    assert adapter.write_scores([write(contact)]) == []
    assert org.get(contact)["LeadScore__c"] == 130
