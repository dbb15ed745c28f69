"""Synthetic leads and activities at benchmark scale, deterministic for a given seed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from connector.model import Activity, Lead

AS_OF = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
INDUSTRIES = ("自動車", "自動車部品", "電機・電子", "産業機械", "化学", "食品", "Automotive")
TITLES = ("担当", "主任", "係長", "課長", "部長代理", "部長", "本部長", "執行役員", "Director")
PAGES = ("/products/abc", "/products/abc/spec", "/products/xyz", "/company", "/news/2026")
ANSWERS = ("情報収集中", "現在検討中", "導入予定なし", "予算化済み")


def leads(count: int, seed: int = 1) -> Iterator[Lead]:
    """`count` leads with realistic attribute mixes."""
    rng = random.Random(seed)
    for number in range(count):
        attributes = {
            "name": f"リード {number}",
            "company": f"株式会社サンプル{number % 5000}",
            "industry": rng.choice(INDUSTRIES),
            "title": rng.choice(TITLES),
            "employees": str(rng.randrange(10, 5000)),
        }
        yield Lead(f"L{number:07d}", attributes, owner=f"rep{number % 12}@example.com")


def activities(lead_count: int, count: int, seed: int = 2) -> Iterator[Activity]:
    """`count` activities spread over `lead_count` leads and the 60 days before AS_OF."""
    rng = random.Random(seed)
    for number in range(count):
        lead_id = f"L{rng.randrange(lead_count):07d}"
        at = AS_OF - timedelta(seconds=rng.randrange(60 * 24 * 3600))
        kind, properties = _kind_and_properties(rng)
        yield Activity(f"A{number:08d}", lead_id, kind, at, properties)


def _kind_and_properties(rng: random.Random) -> tuple[str, dict[str, str | float]]:
    roll = rng.random()
    if roll < 0.70:
        return "page_view", {
            "page": rng.choice(PAGES),
            "duration_seconds": float(rng.randrange(5, 600)),
        }
    if roll < 0.80:
        return "email_click", {"campaign": "newsletter-2026-11"}
    if roll < 0.88:
        channel = rng.choice(("email", "web"))
        return "download", {"campaign": rng.choice(("product-abc", "catalog")), "channel": channel}
    if roll < 0.95:
        return "trade_show_visit", {"campaign": "mono-techno-2026"}
    return "form_submit", {"campaign": "product-abc-survey", "answer": rng.choice(ANSWERS)}
