"""Connecting to a Dask scheduler: plain TCP on a trusted network, or Dask's own mutual
TLS, with the certificates of ``--cluster-tls`` or of Dask's configuration.

``check`` is the first contact, made before a run folder exists: a TCP connection
within seconds, the TLS handshake where the address is ``tls://``, then Dask's own
connection. Every failure becomes a ClusterError that says what to check; nothing
here is imported unless a cluster is asked for.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from runner.errors import ClusterError

if TYPE_CHECKING:
    from distributed import Client
    from distributed.security import Security

#: How long the first contact may take to open a connection (and, over TLS, to finish
#: the handshake). A TCP connection takes one round trip, and Linux resends a lost SYN
#: after 1 and 3 s: a live scheduler answers well within this, and one that is not
#: there costs 5 s, not Dask's whole connect timeout.
REACH_TIMEOUT_S = 5.0
#: Dask's connection once the scheduler has answered: its start-up exchanges several
#: messages, which a scheduler busy with a large graph may be slow to answer.
CONNECT_TIMEOUT = "20s"
#: Where Dask's scheduler serves its dashboard unless told otherwise (HTTP, not Dask).
DASHBOARD_PORT = 8787
#: OpenSSL's reasons where the peer answered a TLS hello in something else (plain TCP).
_PLAIN_ANSWER = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG",
                 "UNKNOWN_PROTOCOL")
#: OpenSSL's verify codes for a chain that does not reach the CA given (X509_V_ERR_*:
#: unable to get issuer, self-signed certificate or one in the chain, unable to get the
#: local issuer, unable to verify the first certificate).
_UNKNOWN_ISSUER = (2, 18, 19, 20, 21)
_INVALID_PURPOSE = 26  # X509_V_ERR_INVALID_PURPOSE: extendedKeyUsage does not allow it
_NOT_TLS = ("the TLS handshake failed: the scheduler does not speak TLS (it answered in "
            "plain TCP): start it with --protocol tls and its certificates, or, on a network "
            "you trust, connect with tcp://")


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


def check(address: str, tls: ClusterTls | None) -> None:
    """Connect to the scheduler at ``address`` (parsed) and hang up: a ClusterError,
    within seconds, where nothing listens, the TLS handshake fails or Dask cannot
    connect."""
    context = _client_context(address, tls)
    parts = urlsplit(address)
    if parts.scheme in ("tcp", "tls") and parts.hostname and parts.port:
        _reach(address, parts.hostname, parts.port, context)
    connect(address, tls).close()


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
        raise _unusable(error, tls) from None
    except (OSError, TimeoutError, ValueError) as error:  # ValueError: Dask's TLS over TCP
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: "
                           f"{_why(error, address)}") from None
    except (MemoryError, OverflowError):  # Dask read a non-Dask answer's start as a length
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: what answered "
                           "there does not speak Dask's protocol: is this the scheduler's "
                           f"port (its dashboard, on {DASHBOARD_PORT} by default, answers "
                           "HTTP)?") from None


def _reach(address: str, host: str, port: int, context: ssl.SSLContext | None) -> None:
    """Open a connection, do the TLS handshake where there is one, and read the first
    byte: a Dask scheduler speaks first, and under TLS 1.3 a client certificate the
    scheduler refuses is only told after the handshake."""
    try:
        with socket.create_connection((host, port), timeout=REACH_TIMEOUT_S) as raw:
            if context is not None:
                with context.wrap_socket(raw) as secured:
                    secured.recv(1)
        return
    except ssl.SSLError as error:
        why = _tls_failure(error)
    except socket.gaierror as error:
        why = f"unknown host {host} ({error.strerror})"
    except ConnectionRefusedError:
        why = (f"nothing listens there (connection refused): is the scheduler running, on "
               f"port {port}?")
    except TimeoutError:
        why = (f"no answer within {REACH_TIMEOUT_S:g} s: is the host up, and its port {port} "
               "open to this machine?")
    except OSError as error:
        why = error.strerror or str(error)
    raise ClusterError(f"cannot reach the Dask scheduler at {address}: {why}")


def _why(error: BaseException, address: str) -> str:
    """What went wrong, from the innermost cause that says something: Dask often raises
    an empty error, or one that names its comm, whose cause is the real one."""
    said = str(error) or type(error).__name__
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return _tls_failure(cause)
        if isinstance(cause, OSError) and cause.strerror:
            said = cause.strerror
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, ValueError) and address.startswith("tls://"):
        return _NOT_TLS  # Dask's own race: its TLS start met a plain scheduler's hello
    if address.startswith("tcp://") and "reset" in said.lower():
        said += "; if the scheduler uses TLS, connect with tls:// and --cluster-tls"
    return said


def _tls_failure(error: ssl.SSLError) -> str:
    """Why a handshake failed, and what to check, from OpenSSL's reason."""
    reason = str(error.reason or error)
    if reason in _PLAIN_ANSWER:
        return _NOT_TLS
    if isinstance(error, ssl.SSLCertVerificationError):
        why = f"the scheduler's certificate did not verify ({error.verify_message})"
        if error.verify_code in _UNKNOWN_ISSUER:
            why += ": give the CA that signed the cluster's certificates"
        elif error.verify_code == _INVALID_PURPOSE:
            why += ": it must allow serverAuth (extendedKeyUsage)"
    elif "ALERT" in reason or isinstance(error, ssl.SSLEOFError):
        said = reason.lower().replace("_", " ")
        why = (f"the scheduler refused runexp's certificate ({said}): CERT must be signed by "
               "the cluster's CA and allow clientAuth (extendedKeyUsage)")
    else:
        why = reason.lower()
    return f"the TLS handshake failed: {why}"


def _client_context(address: str, tls: ClusterTls | None) -> ssl.SSLContext | None:
    """The SSL context Dask's client will use for ``address`` (None: plain TCP)."""
    security = _security(address, tls)
    if not address.startswith("tls://"):
        return None
    from distributed.security import Security

    try:
        context = (security or Security()).get_connection_args("client")["ssl_context"]
    except ssl.SSLError as error:
        raise _unusable(error, tls) from None
    except OSError as error:
        raise ClusterError(f"cannot read the TLS files of Dask's configuration "
                           f"(distributed.comm.tls): {error}") from None
    assert isinstance(context, ssl.SSLContext)  # _security refused a tls:// without one
    return context


def _unusable(error: ssl.SSLError, tls: ClusterTls | None) -> ClusterError:
    given = "--cluster-tls" if tls is not None else "Dask's configuration (distributed.comm.tls)"
    return ClusterError(f"{given}: cannot use these certificates ({error}): CA and CERT "
                        "must be PEM certificates, KEY the PEM key of CERT")


def _security(address: str, tls: ClusterTls | None) -> Security | None:
    """Dask's security settings: --cluster-tls, else Dask's own configuration."""
    try:
        from distributed.security import Security
    except ImportError:
        raise ClusterError("--cluster needs Dask's distributed package: "
                           "pip install 'runexp[dask]'") from None

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


def check_cluster(address: str | None, tls: ClusterTls | None) -> None:
    """Connect to the scheduler at ``address`` once (TLS handshake included) and hang up,
    so that a cluster that cannot be used fails before a run folder is made or
    ``latest`` moves. Nothing for a run here (None)."""
    if address is not None:
        check(address, tls)
