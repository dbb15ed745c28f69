"""The pure scoring core: rules, a lead, its activities and `now` in; a result out.

No I/O, no clock, no CRM names: a test asserts that nothing here imports them.
"""

from connector.scoring.engine import Scorer, band_for
from connector.scoring.result import Contribution, ScoreResult, reasons_text
from connector.scoring.rules import Band, Condition, EngagementRule, FitRule, RuleSet
from connector.scoring.text import normalize_text, parse_number

__all__ = [
    "Band",
    "Condition",
    "Contribution",
    "EngagementRule",
    "FitRule",
    "RuleSet",
    "ScoreResult",
    "Scorer",
    "band_for",
    "normalize_text",
    "parse_number",
    "reasons_text",
]
