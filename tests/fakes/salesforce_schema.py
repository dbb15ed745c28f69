"""The fake org's schema: the standard fields the mapping uses, and leadscore's custom fields."""

from __future__ import annotations

from typing import Any

Schema = dict[str, dict[str, dict[str, Any]]]

KEY_PREFIXES = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Campaign": "701",
    "CampaignMember": "00v",
    "Task": "00T",
    "Event": "00U",
    "User": "005",
    "PermissionSet": "0PS",
    "FieldPermissions": "01k",
    "PermissionSetAssignment": "0Pa",
    "CustomField": "00N",
}

_READ_ONLY = {"updateable": False}


def _text(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def _ref(to: str, relationship: str, **extra: Any) -> dict[str, Any]:
    return {"type": "reference", "referenceTo": [to], "relationshipName": relationship, **extra}


def _picklist(*values: str) -> dict[str, Any]:
    return {"type": "picklist", "picklistValues": [{"value": v, "active": True} for v in values]}


_STAMPS = {
    "Id": {"type": "id", **_READ_ONLY},
    "CreatedDate": {"type": "datetime", **_READ_ONLY},
    "SystemModstamp": {"type": "datetime", **_READ_ONLY},
    "LastModifiedDate": {"type": "datetime", **_READ_ONLY},
    "LastModifiedById": {"type": "reference", "referenceTo": ["User"], **_READ_ONLY},
    "IsDeleted": {"type": "boolean", **_READ_ONLY},
}

RESULT_FIELDS = {
    "LeadScore__c": {"type": "double"},
    "LeadPriority__c": _text(length=40),
    "LeadScoreReasons__c": _text(length=255),
    "LeadScoredAt__c": {"type": "datetime"},
    "LeadScoreBreakdown__c": {"type": "textarea", "length": 32_768},
    "LeadScoreNextChangeAt__c": {"type": "datetime"},
}

_PERSON = {
    **_STAMPS,
    "FirstName": _text(),
    "LastName": _text(),
    "Name": _text(**_READ_ONLY),
    "Email": {"type": "email"},
    "Title": _text(),
    "OwnerId": _ref("User", "Owner"),
}

DEFAULT_SCHEMA: Schema = {
    "Lead": {
        **_PERSON,
        "Company": _text(),
        "Industry": {"type": "picklist"},
        "NumberOfEmployees": {"type": "int"},
        "IsConverted": {"type": "boolean", **_READ_ONLY},
        **RESULT_FIELDS,
    },
    "Contact": {
        **_PERSON,
        "Department": _text(),
        "AccountId": _ref("Account", "Account"),
        **RESULT_FIELDS,
    },
    "Account": {
        **_STAMPS,
        "Name": _text(),
        "Industry": {"type": "picklist"},
        "NumberOfEmployees": {"type": "int"},
    },
    "Campaign": {**_STAMPS, "Name": _text(), "Type": {"type": "picklist"}},
    "CampaignMember": {
        **_STAMPS,
        "CampaignId": _ref("Campaign", "Campaign"),
        "LeadId": _ref("Lead", "Lead"),
        "ContactId": _ref("Contact", "Contact"),
        "Status": {"type": "picklist"},
        "HasResponded": {"type": "boolean", **_READ_ONLY},
        "FirstRespondedDate": {"type": "date", **_READ_ONLY},
    },
    "Task": {
        **_STAMPS,
        "WhoId": _ref("Lead", "Who"),
        "OwnerId": _ref("User", "Owner"),
        "Subject": {"type": "combobox"},
        "Description": {"type": "textarea"},
        "ActivityDate": {"type": "date"},
        "Priority": _picklist("High", "Normal", "Low"),
        "Status": _picklist("Not Started", "In Progress", "Completed", "Waiting", "Deferred"),
        "TaskSubtype": {"type": "picklist"},
        "LeadScoreTaskKey__c": _text(),
    },
    "WebVisit__c": {
        **_STAMPS,
        "Lead__c": _ref("Lead", "Lead__r"),
        "Contact__c": _ref("Contact", "Contact__r"),
        "VisitedAt__c": {"type": "datetime"},
        "Page__c": _text(),
        "Seconds__c": {"type": "double"},
    },
    "PermissionSet": {**_STAMPS, "Name": _text(), "Label": _text()},
    "FieldPermissions": {
        **_STAMPS,
        "ParentId": _ref("PermissionSet", "Parent"),
        "SobjectType": _text(),
        "Field": _text(),
        "PermissionsRead": {"type": "boolean"},
        "PermissionsEdit": {"type": "boolean"},
    },
    "PermissionSetAssignment": {
        **_STAMPS,
        "AssigneeId": _ref("User", "Assignee"),
        "PermissionSetId": _ref("PermissionSet", "PermissionSet"),
    },
    "CustomField": {**_STAMPS, "DeveloperName": _text(), "TableEnumOrId": _text()},
}
