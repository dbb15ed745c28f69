"""Salesforce Outbound Messages: a SOAP `notifications` request, read as leads to rescore.

Outbound Messages carry no signature: the request is accepted only from the configured org
(`OrganizationId`, in its 15- or 18-character form), parsed with entities and DTDs refused,
and acknowledged with the exact `Ack` envelope only once the events are stored; anything else
gets a SOAP fault, which makes Salesforce retry (for up to 24 hours).
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element  # noqa: S405 - only the type; parsing is defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from adapters.salesforce.settings import SalesforceSettings
from connector.errors import WebhookRejected
from connector.ports import WebhookEvent, WebhookReply, WebhookRequest

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: One request carries at most 100 notifications.
MAX_NOTIFICATIONS = 100
#: Where the lead is on each kind of record an Outbound Message may carry.
_LEAD_FIELDS = {
    "Lead": ("Id",),
    "Contact": ("Id",),
    "CampaignMember": ("LeadId", "ContactId"),
    "Task": ("WhoId",),
    "Event": ("WhoId",),
}
ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>'
    f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body></soapenv:Envelope>"
)


def read_notifications(settings: SalesforceSettings, request: WebhookRequest) -> list[WebhookEvent]:
    """The leads an Outbound Message from the configured org names; WebhookRejected if not."""
    if settings.organization_id is None:
        raise WebhookRejected(401, "set salesforce.organization_id to accept Outbound Messages")
    notifications = _notifications(request.body)
    _check_org(settings.organization_id, _text(notifications, f"{{{OUTBOUND}}}OrganizationId"))
    found = notifications.findall(f"{{{OUTBOUND}}}Notification")
    if len(found) > MAX_NOTIFICATIONS:
        raise WebhookRejected(413, f"more than {MAX_NOTIFICATIONS} notifications")
    return [event for notification in found for event in _events(notification)]


def accepted(stored: int) -> WebhookReply:
    """The acknowledgement Salesforce waits for; without it the message is sent again."""
    return WebhookReply(200, "text/xml; charset=utf-8", ACK.encode())


def rejected(status: int, reason: str) -> WebhookReply:
    """A SOAP fault: Salesforce keeps the message and retries it."""
    fault = (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}">'
        "<soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode>"
        f"<faultstring>{_escaped(reason)}</faultstring></soapenv:Fault></soapenv:Body>"
        "</soapenv:Envelope>"
    )
    return WebhookReply(status, "text/xml; charset=utf-8", fault.encode())


def _notifications(body: bytes) -> Element:
    try:
        envelope = fromstring(body, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException:
        raise WebhookRejected(400, "XML with a DTD or entities is refused") from None
    except ParseError:
        raise WebhookRejected(400, "the body is not XML") from None
    found = envelope.find(f"{{{SOAP}}}Body/{{{OUTBOUND}}}notifications")
    if found is None:
        raise WebhookRejected(400, "not an Outbound Message (no soapenv:Body/notifications)")
    return found


def _check_org(configured: str, sent: str | None) -> None:
    # The 18-character id is the 15-character one plus a case checksum.
    if sent is None or sent[:15] != configured[:15]:
        raise WebhookRejected(401, "the Outbound Message comes from another org")


def _events(notification: Element) -> Iterator[WebhookEvent]:
    notification_id = _text(notification, f"{{{OUTBOUND}}}Id")
    record = notification.find(f"{{{OUTBOUND}}}sObject")
    if notification_id is None or record is None:
        raise WebhookRejected(400, "a Notification without Id or sObject")
    kind = (record.get(f"{{{XSI}}}type") or "").removeprefix("sf:")
    for field in _LEAD_FIELDS.get(kind, ()):
        lead_id = _text(record, f"{{{SOBJECT}}}{field}")
        if lead_id:
            yield WebhookEvent(notification_id, lead_id)
            return


def _text(element: Element, path: str) -> str | None:
    found = element.find(path)
    return None if found is None or found.text is None else found.text.strip()


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
