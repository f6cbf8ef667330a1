"""The run directory: the row type, writers and readers of runs.csv and tasks.csv,
and the typed metadata."""
