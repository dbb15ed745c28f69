"""One sync run: select -> read -> score -> plan -> execute, and the report of what it did."""

from connector.sync.pipeline import Pipeline, RunReport, RunRequest, Scored

__all__ = ["Pipeline", "RunReport", "RunRequest", "Scored"]
