"""Salesforce Outbound Messages: accepted only from the configured org, read as leads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.webhooks import ACK, accepted, read_notifications, rejected
from connector.errors import WebhookRejected
from connector.ports import WebhookEvent, WebhookRequest

ORG_18 = "00D5g000004ABCDEAA"
SETTINGS = SalesforceSettings(
    instance_url="https://acme.my.salesforce.com",
    access_token=SecretStr("session"),
    organization_id=ORG_18[:15],
)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _notification(notification_id: str, kind: str, **fields: str) -> str:
    cells = "".join(f"<sf:{name}>{value}</sf:{name}>" for name, value in fields.items())
    return (
        f"<Notification><Id>{notification_id}</Id>"
        f'<sObject xsi:type="sf:{kind}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"{cells}</sObject></Notification>"
    )


def _message(*notifications: str, org: str = ORG_18) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org}</OrganizationId><ActionId>04k5g000000AAAAAA</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/59.0</EnterpriseUrl>"
        "<PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/59.0</PartnerUrl>"
        f"{''.join(notifications)}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _read(body: bytes, settings: SalesforceSettings = SETTINGS) -> list[WebhookEvent]:
    return read_notifications(settings, WebhookRequest("POST", "https://x/", {}, body, NOW))


def test_leads_contacts_campaign_members_and_tasks_name_their_lead() -> None:
    body = _message(
        _notification("04l1", "Lead", Id="00Q000000000001AAA"),
        _notification("04l2", "Contact", Id="003000000000002AAA"),
        _notification("04l3", "CampaignMember", Id="00v3", LeadId="00Q000000000003AAA"),
        _notification("04l4", "CampaignMember", Id="00v4", ContactId="003000000000004AAA"),
        _notification("04l5", "Task", Id="00T5", WhoId="00Q000000000005AAA"),
        _notification("04l6", "Opportunity", Id="0066"),
    )
    assert _read(body) == [
        WebhookEvent("04l1", "00Q000000000001AAA"),
        WebhookEvent("04l2", "003000000000002AAA"),
        WebhookEvent("04l3", "00Q000000000003AAA"),
        WebhookEvent("04l4", "003000000000004AAA"),
        WebhookEvent("04l5", "00Q000000000005AAA"),
    ]


@pytest.mark.parametrize("configured", [ORG_18, ORG_18[:15]])
def test_the_org_id_matches_in_either_form(configured: str) -> None:
    settings = SETTINGS.model_copy(update={"organization_id": configured})
    assert _read(_message(_notification("04l1", "Lead", Id="00Q1")), settings)


def test_a_message_from_another_org_is_refused() -> None:
    with pytest.raises(WebhookRejected, match="another org") as raised:
        _read(_message(_notification("04l1", "Lead", Id="00Q1"), org="00D5g000009ZZZZ"))
    assert raised.value.status == 401


def test_without_a_configured_org_nothing_is_accepted() -> None:
    unset = SETTINGS.model_copy(update={"organization_id": None})
    with pytest.raises(WebhookRejected, match="salesforce.organization_id"):
        _read(_message(), unset)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not xml", "not XML"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DTD or entities"),
        (b"<x/>", "not an Outbound Message"),
    ],
)
def test_malformed_or_dangerous_xml_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(WebhookRejected, match=reason) as raised:
        _read(body)
    assert raised.value.status == 400


def test_the_ack_is_the_exact_envelope_salesforce_waits_for() -> None:
    reply = accepted(3)
    assert (reply.status, reply.content_type) == (200, "text/xml; charset=utf-8")
    ack = fromstring(reply.body).find(
        "{http://schemas.xmlsoap.org/soap/envelope/}Body/"
        "{http://soap.sforce.com/2005/09/outbound}notificationsResponse/"
        "{http://soap.sforce.com/2005/09/outbound}Ack"
    )
    assert ack is not None
    assert ack.text == "true"
    assert reply.body == ACK.encode()


def test_a_refusal_is_a_soap_fault_so_salesforce_retries() -> None:
    reply = rejected(503, "the state store is down <retry>")
    assert reply.status == 503
    assert b"<faultstring>the state store is down &lt;retry&gt;</faultstring>" in reply.body
