"""Writing to a HubSpot portal: result properties in batches, per-record failures, tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connector.errors import BudgetExhausted, FatalCrmError, RetriableCrmError
from connector.ports import FollowUpTask, ScoreWrite
from tests.adapters.hubspot.support import Recorder, adapter_on_fake, portal, recorder
from tests.fakes.hubspot import FakePortal

__all__ = ["portal", "recorder"]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def calls_to(portal: FakePortal, path: str) -> int:
    return sum(1 for _, called in portal.calls if called == path)


def score(lead_id: str, points: int = 150) -> ScoreWrite:
    return ScoreWrite(lead_id, points, "高", "展示会来場 +10、製品ABCページ 3回以上閲覧 +30", NOW)


def task(key: str, lead_id: str, owner: str | None = "77") -> FollowUpTask:
    subject, body = "【要フォロー】山田 太郎", "スコア 150: 展示会来場 +10"
    return FollowUpTask(key, lead_id, owner, subject, body, date(2026, 11, 22), "High")


def test_results_are_written_100_a_call_and_read_back(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(250)]
    adapter = adapter_on_fake(recorder)
    assert adapter.write_scores([score(i) for i in ids]) == []
    assert calls_to(portal, "/crm/v3/objects/contacts/batch/update") == 3
    stored = portal.objects["contacts"][ids[0]]
    assert stored["leadscore_score"] == "150"
    assert stored["leadscore_scored_at"] == "2026-11-20T09:00:00.000Z"
    current = next(iter(adapter.read_leads([ids[0]]))).current
    assert current is not None
    assert (current.score, current.priority) == (150, "高")
    assert current.reasons == "展示会来場 +10、製品ABCページ 3回以上閲覧 +30"


def test_a_refused_record_is_reported_and_the_others_are_written(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(5)]
    portal.refuse[ids[2]] = "Property values were not valid"
    failures = adapter_on_fake(recorder).write_scores([score(i) for i in [*ids, "424242"]])
    assert {(f.record_id, f.message) for f in failures} == {
        (ids[2], "Property values were not valid"),
        ("424242", "Object not found"),
    }
    assert [portal.objects["contacts"][i].get("leadscore_score") for i in ids] == [
        "150", "150", None, "150", "150",
    ]  # fmt: skip


def test_a_daily_429_while_writing_stops_the_run(portal: FakePortal, recorder: Recorder) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp"})
    portal.throttle = ["DAILY"]
    with pytest.raises(BudgetExhausted):
        adapter_on_fake(recorder).write_scores([score(contact)])
    assert "leadscore_score" not in portal.objects["contacts"][contact]


def test_tasks_go_to_the_contact_owner_associated_to_the_contact(
    portal: FakePortal, recorder: Recorder
) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp", "hubspot_owner_id": "77"})
    outcome = adapter_on_fake(recorder).create_tasks([task("ls:1", contact)])
    assert not outcome.failures
    task_id = outcome.created["ls:1"]
    stored = portal.objects["tasks"][task_id]
    assert stored["hubspot_owner_id"] == "77"
    assert stored["hs_task_subject"] == "【要フォロー】山田 太郎"
    assert stored["hs_task_body"] == "スコア 150: 展示会来場 +10"
    assert stored["hs_task_priority"] == "HIGH"
    assert stored["hs_timestamp"] == "2026-11-22T00:00:00.000Z"  # 09:00 in Tokyo
    assert portal.links[("contacts", "tasks")][contact] == {task_id}


def test_tasks_are_created_in_batches_with_the_association_type_looked_up_once(
    portal: FakePortal, recorder: Recorder
) -> None:
    contacts = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(150)]
    adapter = adapter_on_fake(recorder)
    outcome = adapter.create_tasks([task(f"ls:{c}", c) for c in contacts])
    assert len(outcome.created) == 150
    assert calls_to(portal, "/crm/v3/objects/tasks/batch/create") == 2
    assert calls_to(portal, "/crm/v4/associations/tasks/contacts/labels") == 1


def test_tasks_created_before_a_crash_are_found_by_key_on_retry(
    portal: FakePortal, recorder: Recorder
) -> None:
    contacts = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(3)]
    first_run = adapter_on_fake(recorder)
    created = first_run.create_tasks([task(f"ls:{c}", c) for c in contacts[:2]]).created
    retry = adapter_on_fake(recorder)  # a new process after the crash
    found = retry.find_tasks([f"ls:{c}" for c in contacts])
    assert found == created
    assert len(portal.objects["tasks"]) == 2


def test_a_task_without_owner_is_still_created(portal: FakePortal, recorder: Recorder) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp"})
    outcome = adapter_on_fake(recorder).create_tasks([task("ls:x", contact, owner=None)])
    assert "hubspot_owner_id" not in portal.objects["tasks"][outcome.created["ls:x"]]


def test_a_blank_reasons_text_reads_back_as_blank_not_as_never_scored(
    portal: FakePortal, recorder: Recorder
) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp"})
    adapter = adapter_on_fake(recorder)
    adapter.write_scores([ScoreWrite(contact, 0, "低", "", NOW)])
    (lead,) = adapter.read_leads([contact])
    assert lead.current is not None
    assert (lead.current.score, lead.current.priority, lead.current.reasons) == (0, "低", "")


def test_a_batch_refused_as_a_whole_is_split_to_find_the_record_at_fault(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(100)]
    portal.invalid = {ids[37]}
    failures = adapter_on_fake(recorder).write_scores([score(i) for i in ids])
    assert [(f.record_id, f.message) for f in failures] == [
        (ids[37], "HubSpot refused the request (400): Property values were not valid")
    ]
    written = [i for i in ids if portal.objects["contacts"][i].get("leadscore_score") == "150"]
    assert len(written) == 99
    assert calls_to(portal, "/crm/v3/objects/contacts/batch/update") <= 1 + 2 * 7


def test_writing_before_setup_stops_and_says_to_run_setup(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(100)]
    portal.strict_properties = True
    with pytest.raises(FatalCrmError, match="leadscore setup"):
        adapter_on_fake(recorder).write_scores([score(i) for i in ids])
    assert calls_to(portal, "/crm/v3/objects/contacts/batch/update") == 1


def test_a_server_error_on_a_write_is_retried_but_never_on_a_task_creation(
    portal: FakePortal, recorder: Recorder
) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp"})
    adapter = adapter_on_fake(recorder)
    portal.outages = [502]
    assert adapter.write_scores([score(contact)]) == []
    assert portal.objects["contacts"][contact]["leadscore_score"] == "150"
    adapter.create_tasks([task("ls:warm-up", contact)])  # looks the association type up
    portal.outages = [503]
    with pytest.raises(RetriableCrmError):
        adapter.create_tasks([task("ls:1", contact)])
    assert calls_to(portal, "/crm/v3/objects/tasks/batch/create") == 2  # no blind retry


def test_a_locked_portal_is_waited_out_and_the_batch_is_written_whole(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(100)]
    portal.locks = 3
    assert adapter_on_fake(recorder).write_scores([score(i) for i in ids]) == []
    assert all(portal.objects["contacts"][i].get("leadscore_score") == "150" for i in ids)
    assert calls_to(portal, "/crm/v3/objects/contacts/batch/update") == 4  # never split
    assert len(recorder.sleeps) == 3
    assert min(recorder.sleeps) >= 2.0  # HubSpot: locks last 2 seconds


def test_a_portal_that_stays_locked_fails_as_retriable_without_splitting(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(100)]
    portal.locks = 1_000
    with pytest.raises(RetriableCrmError, match="423"):
        adapter_on_fake(recorder).write_scores([score(i) for i in ids])
    assert calls_to(portal, "/crm/v3/objects/contacts/batch/update") == 7  # 1 + 6 retries


def _priority_dropdown(portal: FakePortal, *labels: str) -> None:
    options = [{"label": label, "value": label} for label in labels]
    portal.properties["contacts"]["leadscore_priority"] = {
        "name": "leadscore_priority", "type": "enumeration", "fieldType": "select",
        "options": options,
    }  # fmt: skip


def test_a_dropdown_without_the_band_labels_stops_the_run_naming_the_property(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(1_000)]
    _priority_dropdown(portal, "A", "B", "C")
    adapter = adapter_on_fake(recorder)
    with pytest.raises(FatalCrmError) as raised:
        adapter.write_scores([score(i) for i in ids])
    message = str(raised.value)
    assert "leadscore_priority" in message
    assert "leadscore check" in message
    assert calls_to(portal, "/crm/v3/objects/contacts/batch/update") <= 5


def test_the_same_refusal_in_every_quarter_of_a_batch_is_about_the_property(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(100)]
    portal.invalid = set(ids)  # HubSpot names no property, but every record fails alike
    with pytest.raises(FatalCrmError, match="leadscore check"):
        adapter_on_fake(recorder).write_scores([score(i) for i in ids])
    assert calls_to(portal, "/crm/v3/objects/contacts/batch/update") == 5


def test_isolating_refused_records_is_capped_per_run(
    portal: FakePortal, recorder: Recorder
) -> None:
    ids = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(3_000)]
    portal.invalid = set(ids[::50])  # two bad records in every batch of 100
    adapter = adapter_on_fake(recorder)
    failures = []
    for start in range(0, len(ids), 100):
        failures += adapter.write_scores([score(i) for i in ids[start : start + 100]])
    calls = calls_to(portal, "/crm/v3/objects/contacts/batch/update")
    assert calls <= 30 + 200  # one call a batch, and at most 200 isolation calls a run
    assert {f.record_id for f in failures} >= portal.invalid
    written = sum(1 for i in ids if portal.objects["contacts"][i].get("leadscore_score"))
    assert written >= 98 * 5  # isolation still wrote the good records of the first batches


def test_a_task_for_a_deactivated_owner_is_reported_as_an_owner_refusal(
    portal: FakePortal, recorder: Recorder
) -> None:
    contacts = [portal.add("contacts", {"email": f"c{n}@example.jp"}) for n in range(3)]
    portal.deactivated_owners = {"66"}
    tasks = [task("ls:0", contacts[0]), task("ls:1", contacts[1], owner="66"),
             task("ls:2", contacts[2])]  # fmt: skip
    outcome = adapter_on_fake(recorder).create_tasks(tasks)
    assert set(outcome.created) == {"ls:0", "ls:2"}
    (refused,) = outcome.failures
    assert (refused.record_id, refused.owner_refused) == ("ls:1", True)
    assert "66" in refused.message


def test_a_task_refused_for_another_reason_is_not_an_owner_refusal(
    portal: FakePortal, recorder: Recorder
) -> None:
    contact = portal.add("contacts", {"email": "a@example.jp"})
    portal.properties["tasks"]["hs_task_priority"] = {
        "name": "hs_task_priority", "options": [{"label": "Low", "value": "LOW"}],
    }  # fmt: skip
    (refused,) = adapter_on_fake(recorder).create_tasks([task("ls:1", contact)]).failures
    assert refused.record_id == "ls:1"
    assert not refused.owner_refused


def test_a_lost_create_response_and_an_immediate_rerun_do_not_duplicate_the_task(
    portal: FakePortal, recorder: Recorder
) -> None:
    portal.properties["tasks"]["leadscore_task_key"] = {
        "name": "leadscore_task_key",
        "type": "string",
        "hasUniqueValue": True,
    }  # fmt: skip (as `leadscore setup` creates it)
    portal.search_lag_seconds = 10  # a new task shows in search seconds later
    contact = portal.add("contacts", {"email": "a@example.jp"})
    first_run = adapter_on_fake(recorder)
    first_run.create_tasks([task("ls:warm-up", contact)])  # looks the association type up
    portal.lose_responses = 1
    with pytest.raises(RetriableCrmError):
        first_run.create_tasks([task("ls:1", contact)])  # created, but the answer was lost
    rerun = adapter_on_fake(recorder)  # at once: the index has not caught up
    found = rerun.find_tasks(["ls:1"])
    if "ls:1" not in found:
        rerun.create_tasks([task("ls:1", contact)])
    keys = [t["leadscore_task_key"] for t in portal.objects["tasks"].values()]
    assert keys.count("ls:1") == 1
