"""Connecting to a Dask scheduler: plain TCP on a trusted network, or Dask's own mutual
TLS, with the certificates of ``--cluster-tls`` or of Dask's configuration.

Every failure becomes a ClusterError that says what to check; nothing here is
imported unless a cluster is asked for.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import ClusterError

if TYPE_CHECKING:
    from distributed import Client
    from distributed.security import Security

CONNECT_TIMEOUT = "20s"


@dataclass(frozen=True)
class ClusterTls:
    """``--cluster-tls CA,CERT,KEY``: the PEM files a client shows a TLS cluster."""

    ca: Path
    cert: Path
    key: Path

    @classmethod
    def parse(cls, text: str | None) -> ClusterTls | None:
        if text is None:
            return None
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != 3 or not all(parts):
            raise ClusterError(f"--cluster-tls {text!r}: expected CA,CERT,KEY: the cluster's CA "
                               "certificate, this client's certificate and its key (PEM files)")
        paths = [Path(part).expanduser() for part in parts]
        for role, path in zip(("CA", "CERT", "KEY"), paths, strict=True):
            if not path.is_file():
                raise ClusterError(f"--cluster-tls: {role} {path}: "
                                   f"{'not a file' if path.exists() else 'no such file'}")
        return cls(*paths)


def connect(address: str, tls: ClusterTls | None) -> Client:
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--cluster needs Dask's distributed package: "
                           "pip install 'runexp[dask]'") from None
    security = _security(address, tls)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, security=security)
    except ssl.SSLError as error:  # raised while loading the files, before any handshake
        raise ClusterError(f"--cluster-tls: cannot use these certificates ({error}): CA and "
                           "CERT must be PEM certificates, KEY the PEM key of CERT") from None
    except (OSError, TimeoutError) as error:
        hint = ""
        if "SSL" in str(error) or "TLS" in str(error):
            hint = ("; the TLS handshake failed: is --cluster-tls's CA the one that signed the "
                    "cluster's certificates, and CERT a certificate it signed?")
        elif address.startswith("tcp://") and "reset" in str(error).lower():
            hint = "; if the scheduler uses TLS, connect with tls:// and --cluster-tls"
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {error}{hint}"
                           ) from None


def _security(address: str, tls: ClusterTls | None) -> Security | None:
    """Dask's security settings: --cluster-tls, else Dask's own configuration."""
    from distributed.security import Security

    if tls is not None:
        if not address.startswith("tls://"):
            raise ClusterError(f"--cluster-tls needs a tls:// scheduler address, not {address}")
        return Security(tls_ca_file=str(tls.ca), tls_client_cert=str(tls.cert),
                        tls_client_key=str(tls.key), require_encryption=True)
    if address.startswith("tls://") and Security().get_connection_args(
            "client")["ssl_context"] is None:
        raise ClusterError(f"{address} is a TLS cluster: give its certificates with "
                           "--cluster-tls CA,CERT,KEY (or in Dask's configuration, "
                           "distributed.comm.tls)")
    return None
