"""What a CRM shows for a lead's score, read the same way whichever CRM it comes from."""

from __future__ import annotations

import pytest

from connector.model import CurrentResult


@pytest.mark.parametrize(
    ("score", "priority", "reasons", "expected"),
    [
        ("150", "高", "展示会来場 +10", CurrentResult(150, "高", "展示会来場 +10")),
        ("150.0", "高", None, CurrentResult(150, "高", "")),  # HubSpot numbers come back as text
        (149.6, "中", "", CurrentResult(150, "中", "")),
        (-20, "低", "x", CurrentResult(-20, "低", "x")),
        (None, "中", None, CurrentResult(None, "中", "")),  # a band typed by hand, no score
        ("", "", "", None),  # blank fields: never scored
        (None, None, None, None),
        ("abc", None, None, None),
        ("nan", None, None, None),
        (True, None, None, None),
    ],
)
def test_a_crm_value_reads_as_the_score_it_shows(
    score: object, priority: object, reasons: object, expected: CurrentResult | None
) -> None:
    assert CurrentResult.shown(score, priority, reasons) == expected
