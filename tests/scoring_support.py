"""Shared pieces for scoring tests: the example rules and builders for leads and activities."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.model import Activity, Lead
from connector.scoring import RuleSet, Scorer

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def example_rules() -> RuleSet:
    """The scoring table of config.example.toml (the source article's)."""
    with (ROOT / "config.example.toml").open("rb") as handle:
        return RuleSet.model_validate(tomllib.load(handle)["scoring"])


def example_scorer() -> Scorer:
    """A scorer under the article's rules."""
    return Scorer(example_rules())


def days_ago(days: float) -> datetime:
    """An instant `days` before NOW."""
    return NOW - timedelta(days=days)


def visit(lead_id: str, days: float, number: int = 0) -> Activity:
    """A trade-show booth visit."""
    return Activity(f"{lead_id}-visit-{number}", lead_id, "trade_show_visit", days_ago(days))


def abc_view(lead_id: str, days: float, seconds: float, number: int = 0) -> Activity:
    """A view of a product ABC page."""
    properties = {"page": "/products/abc", "duration_seconds": seconds}
    return Activity(f"{lead_id}-view-{number}", lead_id, "page_view", days_ago(days), properties)


def abc_download(lead_id: str, days: float) -> Activity:
    """A material download from the product ABC e-mail."""
    properties = {"campaign": "product-abc", "channel": "email"}
    return Activity(f"{lead_id}-dl", lead_id, "download", days_ago(days), properties)


def evaluating(lead_id: str, days: float) -> Activity:
    """A product ABC survey answered 現在検討中."""
    properties = {"campaign": "product-abc-survey", "answer": "現在検討中"}
    return Activity(f"{lead_id}-survey", lead_id, "form_submit", days_ago(days), properties)


def lead(lead_id: str, industry: str = "", title: str = "") -> Lead:
    """A lead with an industry and a title."""
    return Lead(lead_id, {"industry": industry, "title": title})
