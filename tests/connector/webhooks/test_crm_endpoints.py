"""The CRM's own pushes through the running receiver: HubSpot v3, Salesforce Outbound Messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hubspot.utils.signature import Signature
from pydantic import SecretStr

from adapters import hubspot, salesforce
from adapters.hubspot.settings import HubSpotSettings
from adapters.hubspot.webhooks import signature_v3
from adapters.salesforce.settings import SalesforceSettings
from connector.compose import crm_webhook, load_settings
from connector.config import CoreSettings
from connector.webhooks import create_app
from connector.webhooks.crm import CrmEndpoint
from tests.cli_support import copy_example
from tests.connector.webhooks.support import MemorySink, serving, settings

PUBLIC = "https://leadscore.example.com"
APP_SECRET = "app-client-secret"
ORG = "00D5g000004ABCD"
WORKFLOW_KEY = "a-workflow-key-of-32-characters!"


def _hubspot_endpoint() -> CrmEndpoint:
    section = HubSpotSettings(webhook_secret=SecretStr(APP_SECRET))
    assert hubspot.PLUGIN.webhook is not None
    return CrmEndpoint("hubspot", section, hubspot.PLUGIN.webhook)


def _salesforce_endpoint() -> CrmEndpoint:
    section = SalesforceSettings(
        instance_url="https://acme.my.salesforce.com",
        access_token=SecretStr("session"),
        organization_id=ORG,
    )
    assert salesforce.PLUGIN.webhook is not None
    return CrmEndpoint("salesforce", section, salesforce.PLUGIN.webhook)


def _configured(tmp_path: Path) -> CoreSettings:
    loaded = settings(tmp_path)
    webhooks = loaded.webhooks.model_copy(update={"public_url": PUBLIC})
    return loaded.model_copy(update={"webhooks": webhooks})


def _hubspot_push(
    base: str, events: list[dict[str, object]], secret: str = APP_SECRET
) -> httpx.Response:
    body = json.dumps(events).encode()
    stamp = str(int(datetime.now(UTC).timestamp() * 1000))
    # HubSpot signs the URL it called: the public one, not the proxy's inside address.
    signature = signature_v3(secret, "POST", f"{PUBLIC}/webhooks/hubspot", body, stamp)
    headers = {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": stamp}
    return httpx.post(f"{base}/webhooks/hubspot", content=body, headers=headers)


def test_a_signed_hubspot_push_is_queued_once(tmp_path: Path) -> None:
    sink = MemorySink()
    app = create_app(_configured(tmp_path), sink, lambda: True, crm=_hubspot_endpoint())
    event = {"eventId": 1, "subscriptionId": 2, "occurredAt": 3,
             "subscriptionType": "contact.propertyChange", "objectId": 501}  # fmt: skip
    with serving(app) as base:
        first = _hubspot_push(base, [event])
        again = _hubspot_push(base, [event])  # HubSpot retries: a duplicate, not a second row
        forged = _hubspot_push(base, [event], secret="not-the-secret")
    assert (first.status_code, first.json()) == (200, {"stored": 1, "duplicates": 0})
    assert again.json() == {"stored": 0, "duplicates": 1}
    assert forged.status_code == 401
    assert [(e.source, e.lead_id) for e in sink.events.values()] == [("hubspot", "501")]


def _outbound(org: str, lead_id: str) -> bytes:
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org}AAA</OrganizationId><Notification><Id>04l1</Id>"
        '<sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>{lead_id}</sf:Id></sObject></Notification></notifications>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


@pytest.mark.parametrize(("org", "status", "stored"), [(ORG, 200, 1), ("00D5g000009ZZZZ", 401, 0)])
def test_an_outbound_message_is_acked_only_from_the_configured_org(
    tmp_path: Path, org: str, status: int, stored: int
) -> None:
    sink = MemorySink()
    app = create_app(_configured(tmp_path), sink, lambda: True, crm=_salesforce_endpoint())
    with serving(app) as base:
        answer = httpx.post(f"{base}/webhooks/salesforce", content=_outbound(org, "00Q1"))
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/xml")
    assert (b"<Ack>true</Ack>" in answer.content) is (status == 200)
    assert len(sink.events) == stored


def test_an_outbound_message_the_store_cannot_keep_gets_a_fault_so_salesforce_retries(
    tmp_path: Path,
) -> None:
    sink = MemorySink(down=True)
    app = create_app(_configured(tmp_path), sink, lambda: True, crm=_salesforce_endpoint())
    with serving(app) as base:
        answer = httpx.post(f"{base}/webhooks/salesforce", content=_outbound(ORG, "00Q1"))
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "30"
    assert b"<soapenv:Fault>" in answer.content


@pytest.fixture
def hubspot_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CrmEndpoint:
    """The HubSpot endpoint as `leadscore serve` builds it: from the config and its mapping."""
    monkeypatch.setenv("LEADSCORE_HUBSPOT__ACCESS_TOKEN", "pat-na1-token")
    monkeypatch.setenv("LEADSCORE_HUBSPOT__WEBHOOK_SECRET", APP_SECRET)
    monkeypatch.setenv("LEADSCORE_HUBSPOT__WORKFLOW_SECRET", WORKFLOW_KEY)
    folder = tmp_path / "hubspot"
    folder.mkdir()
    path = copy_example(folder)
    text = path.read_text(encoding="utf-8").replace('adapter = "csv"', 'adapter = "hubspot"')
    path.write_text(text.replace("mappings/csv.toml", "mappings/hubspot.toml"), encoding="utf-8")
    hook = crm_webhook(load_settings(path))
    assert hook is not None
    return CrmEndpoint(hook.name, hook.section, hook.support)


def _workflow_push(
    base: str, contact: dict[str, object], headers: dict[str, str]
) -> httpx.Response:
    body = json.dumps(contact, ensure_ascii=False).encode()
    return httpx.post(f"{base}/webhooks/hubspot", content=body, headers=headers)


def _v2_signed(contact: dict[str, object]) -> dict[str, str]:
    """A workflow's request signature, computed by the SDK over the public URL HubSpot called."""
    body = json.dumps(contact, ensure_ascii=False)
    signature = Signature.get_signature(APP_SECRET, body, "v2", f"{PUBLIC}/webhooks/hubspot")
    return {"X-HubSpot-Signature": signature, "X-HubSpot-Signature-Version": "v2"}


def test_a_workflow_webhook_is_queued_once_whether_signed_or_keyed(
    tmp_path: Path, hubspot_served: CrmEndpoint
) -> None:
    sink = MemorySink()
    app = create_app(_configured(tmp_path), sink, lambda: True, crm=hubspot_served)
    contact = {"vid": 601, "properties": {"lastname": {"value": "佐藤"}}}
    later = {"vid": 601, "properties": {"lastname": {"value": "佐藤"}, "lastmodifieddate": "2"}}
    with serving(app) as base:
        signed = _workflow_push(base, contact, _v2_signed(contact))
        retried = _workflow_push(base, contact, _v2_signed(contact))
        keyed = _workflow_push(base, later, {"X-Leadscore-Workflow-Key": WORKFLOW_KEY})
        forged = _workflow_push(base, {"vid": 602}, {"X-Leadscore-Workflow-Key": "guess" * 8})
        unsigned = _workflow_push(base, {"vid": 603}, {})
    assert (signed.status_code, signed.json()) == (200, {"stored": 1, "duplicates": 0})
    assert retried.json() == {"stored": 0, "duplicates": 1}
    assert keyed.json() == {"stored": 1, "duplicates": 0}  # a later enrollment, a new event
    assert (forged.status_code, unsigned.status_code) == (401, 401)
    assert [e.lead_id for e in sink.events.values()] == ["601", "601"]


def test_a_meeting_associated_with_a_contact_is_queued_and_a_call_is_not(
    tmp_path: Path, hubspot_served: CrmEndpoint
) -> None:
    sink = MemorySink()
    app = create_app(_configured(tmp_path), sink, lambda: True, crm=hubspot_served)

    def associated(number: int, engagement_type: str) -> dict[str, object]:
        return {"eventId": number, "subscriptionId": 9, "occurredAt": number,
                "subscriptionType": "object.associationChange", "fromObjectTypeId": "0-1",
                "fromObjectId": 700 + number, "toObjectTypeId": engagement_type,
                "toObjectId": 9000 + number, "associationRemoved": False}  # fmt: skip

    with serving(app) as base:
        # mappings/hubspot.toml reads meetings (0-47), not calls (0-48).
        answer = _hubspot_push(base, [associated(1, "0-47"), associated(2, "0-48")])
    assert (answer.status_code, answer.json()) == (200, {"stored": 1, "duplicates": 0})
    assert [e.lead_id for e in sink.events.values()] == ["701"]


def test_a_hubspot_push_the_store_cannot_keep_is_503_with_retry_after(tmp_path: Path) -> None:
    sink = MemorySink(down=True)
    app = create_app(_configured(tmp_path), sink, lambda: True, crm=_hubspot_endpoint())
    event = {"eventId": 1, "subscriptionId": 2, "occurredAt": 3,
             "subscriptionType": "contact.propertyChange", "objectId": 501}  # fmt: skip
    with serving(app) as base:
        answer = _hubspot_push(base, [event])
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "30"
