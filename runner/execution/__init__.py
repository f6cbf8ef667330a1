"""Jobs -> rows: the pipeline, local and cluster execution, process isolation, the cell
worker, measurement and the embedded HTTP server.

Kept empty: the cell worker (``python -m runner.execution.worker``) imports this
package and must not pull in pydantic, pandas or an HTTP library.
"""
