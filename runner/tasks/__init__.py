"""The runtime side of workloads: picklable tasks that models execute.

Nothing here imports pydantic or the experiment schema, so the cell worker
subprocess that runs a task starts in tens of milliseconds.
"""
