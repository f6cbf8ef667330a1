"""Everything derived from a run directory: statistics, summary.csv, verdicts, plots,
report.md and report.html, and the comparison of two runs."""
