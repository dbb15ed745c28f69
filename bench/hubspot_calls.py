"""Benchmark (not a test): HubSpot API calls and wall time for a full rescore; see main()."""

from __future__ import annotations


def main() -> int:
    """Placeholder until the benchmark lands."""
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
