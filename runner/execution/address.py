"""A Dask scheduler's address, checked before anything else happens.

Dask itself turns ``tcp://127.0.0.1`` (no port) or ``localhost`` (no scheme) into a
ValueError deep in its connection code; here each mistake becomes one ClusterError
line that says what to write instead. Pure: no Dask, no network.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from runner.errors import ClusterError

if TYPE_CHECKING:
    from runner.config.experiment import Experiment

#: ``--cluster none``: run here, whatever the file's executor or a resumed run said.
NO_CLUSTER = "none"
#: The schemes runexp connects with: plain TCP on a trusted network, or Dask's TLS.
SCHEMES = ("tcp", "tls")
#: Dask's scheduler port unless told otherwise, for the examples the errors give.
DASK_PORT = 8786
_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[\w.-]+):\d+")
_HOST = re.compile(r"\[[0-9A-Fa-f:.]+\]|[\w.-]+")


def parse_address(text: str, given_as: str = "--cluster") -> str:
    """``text`` as Dask takes it, SCHEME://HOST:PORT, else a ClusterError naming the fix.

    ``given_as`` says where the address came from (an option, or the file's executor).
    ``inproc://`` addresses, which the experiment file allows for an in-process
    scheduler, pass unchanged.
    """
    where = f"{given_as} {text}"
    scheme, separator, rest = text.partition("://")
    if not separator:
        if _HOST_PORT.fullmatch(text):
            raise ClusterError(f"{where}: no scheme: write tcp://{text} (or tls://{text} for "
                               "a TLS cluster)")
        host = text if _HOST.fullmatch(text) else "10.0.0.5"
        raise ClusterError(f"{where}: not a scheduler address: expected tcp://HOST:PORT or "
                           f"tls://HOST:PORT, e.g. tcp://{host}:{DASK_PORT}")
    scheme = scheme.lower()
    if scheme == "inproc":
        return text
    if scheme not in SCHEMES:
        raise ClusterError(f"{where}: a scheduler address starts with tcp:// or tls://, "
                           f"not {scheme}://")
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise ClusterError(f"{where}: the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise ClusterError(f"{where}: no host: expected {scheme}://HOST:PORT, e.g. "
                           f"{scheme}://10.0.0.5:{DASK_PORT}")
    if port is None:
        raise ClusterError(f"{where}: no port: add the scheduler's, e.g. "
                           f"{scheme}://{rest.rstrip('/')}:{DASK_PORT} (Dask's default)")
    if port == 0:
        raise ClusterError(f"{where}: the port must be a number from 1 to 65535")
    if parts.username or parts.password or parts.path.strip("/") or parts.query or \
            parts.fragment:
        raise ClusterError(f"{where}: expected {scheme}://HOST:PORT and nothing more")
    return f"{scheme}://{parts.netloc}"


def cluster_address(given: str | None, experiment: Experiment) -> str | None:
    """--cluster, else the file's ``executor: {kind: dask}``, else None (run here, as
    ``--cluster none`` asks); a malformed address is a ClusterError."""
    if given is None and experiment.executor.kind == "dask":
        given, given_as = experiment.executor.address, "the file's executor.address"
    else:
        given_as = "--cluster"
    if given is None or given.lower() == NO_CLUSTER:
        return None
    return parse_address(given, given_as)
