"""Helpers for Salesforce tests: canonical data stored as the org would hold it, adapters on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr

from adapters.salesforce.adapter import SalesforceAdapter
from adapters.salesforce.mapping import ActivitySource, SalesforceMapping, load_salesforce_mapping
from adapters.salesforce.settings import SalesforceSettings
from connector.http import IDEMPOTENT_METHODS, CallMeter, make_client
from connector.model import Activity, Lead
from connector.ports import InputProblem
from tests.fakes.salesforce import INSTANCE, FakeOrg, sf_datetime
from tests.scoring_support import ROOT

ZONE = "Asia/Tokyo"
MAPPING_PATH = ROOT / "mappings" / "salesforce.toml"

#: Downloads and survey answers live in a custom object in the test org.
MARKETING_SOURCE = ActivitySource(
    name="marketing activities",
    object="MarketingActivity__c",
    lead_field={"Lead": "Lead__c"},
    occurred_at="OccurredAt__c",
    kind_field="Type__c",
    kinds={"Download": "download", "Survey": "form_submit"},
    properties={"campaign": "Campaign__c", "channel": "Channel__c", "answer": "Answer__c"},
)


def org_mapping() -> SalesforceMapping:
    """The shipped mapping plus the test org's marketing-activity object."""
    shipped = load_salesforce_mapping(MAPPING_PATH)
    return shipped.model_copy(update={"activities": [*shipped.activities, MARKETING_SOURCE]})


def add_marketing_schema(org: FakeOrg) -> None:
    """Declare MarketingActivity__c in the fake org."""
    text = {"type": "string"}
    org.schema["MarketingActivity__c"] = {
        "Id": {"type": "id", "updateable": False},
        "SystemModstamp": {"type": "datetime", "updateable": False},
        "Lead__c": {"type": "reference", "referenceTo": ["Lead"], "relationshipName": "Lead__r"},
        "OccurredAt__c": {"type": "datetime"},
        "Type__c": {"type": "picklist"},
        "Campaign__c": text,
        "Channel__c": text,
        "Answer__c": text,
    }


def seed(org: FakeOrg, leads: Sequence[Lead], activities: Sequence[Activity]) -> None:
    """Store canonical leads and activities as Lead, CampaignMember and custom records."""
    add_marketing_schema(org)
    for lead in leads:
        org.add("Lead", lead.id, **lead_fields(lead))
    for activity in activities:
        store_activity(org, activity)


def lead_fields(lead: Lead) -> dict[str, Any]:
    """A canonical lead's attributes as Lead fields."""
    names = {"email": "Email", "company": "Company", "industry": "Industry", "title": "Title"}
    fields: dict[str, Any] = {names[k]: v for k, v in lead.attributes.items() if k in names}
    fields["LastName"] = lead.attribute("name") or lead.id
    fields["IsConverted"] = False
    if lead.owner:
        fields["OwnerId"] = lead.owner
    if lead.attribute("employees"):
        fields["NumberOfEmployees"] = int(lead.attribute("employees"))
    return fields


def store_activity(org: FakeOrg, activity: Activity) -> None:
    """One canonical activity as the record the shipped mapping reads it from."""
    props, at = activity.properties, sf_datetime(activity.occurred_at)
    if activity.kind in ("trade_show_visit", "seminar_attended"):
        kind = "Trade Show" if activity.kind == "trade_show_visit" else "Seminar / Conference"
        campaign = org.add("Campaign", Name=str(props.get("campaign", "展示会")), Type=kind)
        day = activity.occurred_at.astimezone(_zone()).date().isoformat()
        org.add(
            "CampaignMember",
            CampaignId=campaign,
            LeadId=activity.lead_id,
            Status="Responded",
            HasResponded=True,
            FirstRespondedDate=day,
        )
    elif activity.kind == "page_view":
        org.add(
            "WebVisit__c",
            Lead__c=activity.lead_id,
            VisitedAt__c=at,
            Page__c=props.get("page"),
            Seconds__c=props.get("duration_seconds"),
        )
    elif activity.kind == "email_click":
        org.add(
            "Task",
            WhoId=activity.lead_id,
            TaskSubtype="Email",
            Status="Completed",
            Subject="Email: clicked",
            CreatedDate=at,
        )
    else:
        org.add(
            "MarketingActivity__c",
            Lead__c=activity.lead_id,
            OccurredAt__c=at,
            Type__c="Download" if activity.kind == "download" else "Survey",
            Campaign__c=props.get("campaign"),
            Channel__c=props.get("channel"),
            Answer__c=props.get("answer"),
        )


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(ZONE)


def session_settings(**overrides: Any) -> SalesforceSettings:
    """Settings for a ready session on the fake org."""
    values: dict[str, Any] = {"instance_url": INSTANCE, "access_token": SecretStr("token-0")}
    return SalesforceSettings(**(values | overrides))


def make_adapter(
    settings: SalesforceSettings | None = None,
    *,
    meter: CallMeter | None = None,
    problems: list[InputProblem] | None = None,
    mapping: SalesforceMapping | None = None,
) -> SalesforceAdapter:
    """An adapter on the fake org, its client as the builder makes it but never sleeping."""
    sink = problems.append if problems is not None else (lambda problem: None)
    meter = meter or CallMeter()
    return SalesforceAdapter(
        settings=settings or session_settings(),
        mapping=mapping or org_mapping(),
        client=make_client(
            base_url=INSTANCE,
            meter=meter,
            retry_methods=IDEMPOTENT_METHODS,
            sleep=lambda seconds: None,
        ),
        on_problem=sink,
        timezone=ZONE,
        meter=meter,
    )
