"""The funders' report: a self-contained HTML file (and its PDF) built from any results folder."""

from simulator.report.build import ReportError, build_report, headline_facts, headline_summary, paired_facts

__all__ = ["ReportError", "build_report", "headline_facts", "headline_summary", "paired_facts"]
