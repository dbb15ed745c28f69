"""The breakdown both CRM cards' tests read is exactly what the demo sync writes.

`crm-apps/fixtures/breakdown-demo.json` holds the demo's richest lead as `scores.csv` has it;
the HubSpot and Salesforce card suites parse that file. Regenerate it after a change to the
builder or the example rules: `.venv/bin/python -m tests.connector.sync.test_breakdown_fixture`.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from connector.cli import main
from tests.cli_support import AS_OF, copy_example, read_csv
from tests.scoring_support import ROOT

FIXTURE = ROOT / "crm-apps" / "fixtures" / "breakdown-demo.json"


def demo_lead(folder: Path) -> dict[str, Any]:
    """The demo lead with the most rules behind its score, as the sync wrote it."""
    config = copy_example(folder)
    assert main(["sync", "--config", str(config), "--as-of", AS_OF, "--full"]) == 0
    rows = read_csv(folder / "out" / "scores.csv")
    richest = max(
        rows, key=lambda row: (len(json.loads(row["breakdown"])["rules"]), row["lead_id"])
    )
    fields = ("lead_id", "score", "priority", "next_change_at", "breakdown")
    return {name: richest[name] for name in fields} | {"as_of": AS_OF}


def test_the_cards_fixture_is_what_the_demo_sync_writes(tmp_path: Path) -> None:
    written = demo_lead(tmp_path)
    shipped = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert shipped == written, f"the sync writes another breakdown now: regenerate ({__doc__})"
    assert len(json.loads(written["breakdown"])["rules"]) >= 3  # enough to exercise a card


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        text = json.dumps(demo_lead(Path(folder)), ensure_ascii=False, indent=2)
    FIXTURE.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(ROOT)}")
