"""The refresh in the standard network environment: HTTPS_PROXY / NO_PROXY, and a private CA given by
REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE, or SSL_CERT_FILE), end to end.

Nothing here uses the loopback test adapter: the refresh runs requests' own HTTPAdapter with its Retry
policy. The test sets up, on 127.0.0.1,

- a private CA and a certificate for sdmx.oecd.org and api.worldbank.org that it signs (openssl command),
- an HTTPS server (tests/fixtures/replay.py) with that certificate, serving the recorded MSTI answer the
  replay tests use (tests/fixtures/oecd/msti_shaped_codes.csv, its GERD % of GDP rows),
- a minimal HTTP CONNECT proxy that records the tunnels asked of it and opens them to that server,
- a stand-in for DNS and routing: a connection the client opens itself to sdmx.oecd.org:443 or
  api.worldbank.org:443 goes to the same server, to the proxy's port it goes to the proxy, and any other
  connection is refused. No test reaches the real network.

The host check still runs on the URL requested (never on the proxy's), so the URL in config/config.yaml
is the real one and the certificate must name the real host."""

from __future__ import annotations

import datetime as dt
import select
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest
import urllib3.util.connection
from conftest import tree_digest
from fixtures.replay import ReplayServer, Reply
from test_refresh import (
    TODAY,
    VINTAGE,
    assert_failed_cleanly,
    clear_network_environment,
    edit_config,
    expect_msti_sample,
    fast,
    msti_body,
)

from techgap.config import load_project
from techgap.refresh import refresh_sources

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a private CA")

HOSTS = ("sdmx.oecd.org", "api.worldbank.org")
MSTI_PATH = "/public/rest/data/OECD.STI.STP,DSD_MSTI@DF_MSTI,1.3/"

OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = techgap test private CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:sdmx.oecd.org, DNS:api.worldbank.org, DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


# ----------------------------------------------------------------------------- the local network


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A private CA (ca.pem) and a server certificate it signed (server.pem, server.key), made now."""
    folder = tmp_path_factory.mktemp("pki")
    config = folder / "openssl.cnf"
    config.write_text(OPENSSL_CONFIG, encoding="ascii")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2")
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    openssl("req", "-x509", "-config", str(config), "-extensions", "ca", *ec, "-keyout", str(ca_key), "-out", str(ca))
    csr, key, cert = folder / "server.csr", folder / "server.key", folder / "server.pem"
    openssl("req", "-new", "-config", str(config), "-subj", "/CN=sdmx.oecd.org", *ec[:5], "-keyout", str(key), "-out", str(csr))
    openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-set_serial", "2", "-days", "2",
        "-extfile", str(config), "-extensions", "server", "-out", str(cert),
    )  # fmt: skip
    return {"ca": ca, "cert": cert, "key": key}


class ConnectProxy:
    """A minimal HTTP CONNECT proxy: records each request line, opens the tunnels listed in ``upstream``
    ('host:port' -> the local address to connect to), refuses everything else with 403."""

    def __init__(self, upstream: dict[str, tuple[str, int]]) -> None:
        self.upstream = upstream
        self.requests: list[str] = []  # every request line received, e.g. 'CONNECT sdmx.oecd.org:443 HTTP/1.1'
        self.headers: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def tunnels(self) -> list[str]:
        return [line.split()[1] for line in self.requests if line.startswith("CONNECT ")]

    def __enter__(self) -> ConnectProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            self._tunnel(client)
        except OSError:  # the client or the server went away: what the test checks is what was asked
            pass

    def _tunnel(self, client: socket.socket) -> None:
        client.settimeout(10)
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            line, _, headers = head.partition(b"\r\n")
            self.requests.append(line.decode("latin-1"))
            self.headers.append(headers)
            method, target, _ = line.decode("latin-1").split(" ", 2)
            if method != "CONNECT" or target not in self.upstream:
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            with socket.create_connection(self.upstream[target], timeout=10) as server:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self._pipe(client, server)

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        while not self.stop.is_set():
            readable, _, _ = select.select(list(peers), [], [], 0.2)
            for sock in readable:
                try:
                    data = sock.recv(65536)
                    if data:
                        peers[sock].sendall(data)
                except OSError:  # a peer gave up (a TLS alert, say): the tunnel ends
                    data = b""
                if not data:
                    return


class Network:
    """What the client's own connections reach: the listed (host, port) go to a local address, the
    proxy's port on 127.0.0.1 is reached as is, anything else is refused (and recorded)."""

    def __init__(self, routes: dict[tuple[str, int], tuple[str, int]], local_ports: set[int]) -> None:
        self.routes = routes
        self.local_ports = local_ports
        self.direct: list[tuple[str, int]] = []  # the connections the client opened to a host, not to the proxy
        self.refused: list[tuple[str, int]] = []
        self.real = urllib3.util.connection.create_connection

    def create_connection(self, address, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        host, port = address
        if host == "127.0.0.1" and port in self.local_ports:
            return self.real(address, *args, **kwargs)
        if (host, port) in self.routes:
            self.direct.append((host, port))
            return self.real(self.routes[(host, port)], *args, **kwargs)
        self.refused.append((host, port))
        raise ConnectionRefusedError(111, f"Connection refused (no network in tests: {host}:{port})")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment without the machine's proxy and CA variables; the tests set their own."""
    clear_network_environment(monkeypatch)
    return monkeypatch


@pytest.fixture
def root(project_root: Path) -> Path:
    edit_config(project_root, fast)
    edit_config(project_root, expect_msti_sample)
    return project_root


@pytest.fixture
def net(pki: dict[str, Path], clean_env: pytest.MonkeyPatch) -> Iterator[tuple[ReplayServer, ConnectProxy, Network]]:
    """The HTTPS server, the proxy in front of it, and the client's routes to both."""
    with ReplayServer(tls_cert=(pki["cert"], pki["key"])) as server:
        local = ("127.0.0.1", server.port)
        with ConnectProxy({f"{host}:443": local for host in HOSTS}) as proxy:
            network = Network({(host, 443): local for host in HOSTS}, {proxy.port})
            clean_env.setattr(urllib3.util.connection, "create_connection", network.create_connection)
            yield server, proxy, network


def refresh(root: Path, today: dt.date = TODAY):  # noqa: ANN201
    """The production refresh: no test adapter, requests' HTTPAdapter and the project's Retry policy."""
    [result] = refresh_sources(load_project(root), ["oecd_msti"], today=today)
    return result


def assert_new_msti_vintage(root: Path, result) -> None:  # noqa: ANN001
    assert result.status == "new" and result.vintage == VINTAGE, result.message
    assert (root / "data/raw/oecd_msti" / VINTAGE / "payload.csv").read_bytes() == msti_body()


# ------------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_refresh_goes_through_the_https_proxy_and_trusts_the_private_ca(root: Path, net, pki, clean_env, variable: str) -> None:  # noqa: ANN001
    server, proxy, network = net
    server.route(MSTI_PATH, Reply(200, msti_body(), {"Content-Type": "application/vnd.sdmx.data+csv"}))
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    clean_env.setenv(variable, str(pki["ca"]))
    result = refresh(root)
    assert_new_msti_vintage(root, result)
    assert proxy.tunnels == ["sdmx.oecd.org:443"]  # the target host, not the proxy, is what the URL names
    assert network.direct == [] and network.refused == []  # every byte went through the proxy
    [seen] = server.seen
    assert seen.path.startswith(MSTI_PATH) and seen.query["startPeriod"] == ["2000"]


def test_no_proxy_covering_the_host_bypasses_the_proxy(root: Path, net, pki, clean_env) -> None:  # noqa: ANN001
    server, proxy, network = net
    server.route(MSTI_PATH, Reply(200, msti_body()))
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    clean_env.setenv("NO_PROXY", "localhost,.oecd.org")
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"]))
    result = refresh(root)
    assert_new_msti_vintage(root, result)
    assert proxy.requests == [] and network.direct == [("sdmx.oecd.org", 443)]


def test_each_redirect_gets_its_own_proxy_decision(root: Path, net, pki, clean_env) -> None:  # noqa: ANN001
    """A redirect the refresh follows by hand goes through the proxy too, unless NO_PROXY covers its host."""
    server, proxy, network = net
    server.route(MSTI_PATH, Reply(302, b"", {"Location": "https://api.worldbank.org/moved/msti.csv"}))
    server.route("/moved/", Reply(200, msti_body()))
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    clean_env.setenv("SSL_CERT_FILE", str(pki["ca"]))
    assert_new_msti_vintage(root, refresh(root))
    assert proxy.tunnels == ["sdmx.oecd.org:443", "api.worldbank.org:443"] and network.direct == []

    proxy.requests.clear()
    clean_env.setenv("NO_PROXY", "api.worldbank.org")
    result = refresh(root, TODAY + dt.timedelta(days=1))
    assert result.status == "unchanged", result.message  # the same answer, fetched the other way
    assert proxy.tunnels == ["sdmx.oecd.org:443"] and network.direct == [("api.worldbank.org", 443)]


def test_without_the_private_ca_tls_fails_in_one_line_naming_the_source(root: Path, net, clean_env) -> None:  # noqa: ANN001
    server, proxy, _ = net
    server.route(MSTI_PATH, Reply(200, msti_body()))
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    before = tree_digest(root / "data" / "raw")
    result = refresh(root)
    assert_failed_cleanly(root, result, before, "oecd_msti", "TLS error", "certificate verify failed")
    assert "certifi" in result.message  # which certificates were tried
    assert "REQUESTS_CA_BUNDLE" in result.message and "SSL_CERT_FILE" in result.message  # and what to set
    assert proxy.tunnels == ["sdmx.oecd.org:443"] and server.seen == []  # one attempt, no request sent in clear


def test_a_ca_bundle_of_other_roots_fails_naming_the_variable(root: Path, net, clean_env) -> None:  # noqa: ANN001
    server, proxy, _ = net
    server.route(MSTI_PATH, Reply(200, msti_body()))
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    clean_env.setenv("SSL_CERT_FILE", certifi.where())
    before = tree_digest(root / "data" / "raw")
    result = refresh(root)
    assert_failed_cleanly(root, result, before, "certificate verify failed", f"SSL_CERT_FILE={certifi.where()}")


def test_requests_ca_bundle_takes_precedence_over_ssl_cert_file(root: Path, net, pki, clean_env) -> None:  # noqa: ANN001
    server, proxy, _ = net
    server.route(MSTI_PATH, Reply(200, msti_body()))
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"]))
    clean_env.setenv("SSL_CERT_FILE", certifi.where())  # would fail: the private CA is not in it
    assert_new_msti_vintage(root, refresh(root))


def test_a_ca_bundle_that_does_not_exist_is_named(root: Path, net, clean_env, tmp_path: Path) -> None:  # noqa: ANN001
    server, proxy, _ = net
    missing = tmp_path / "no-such-ca.pem"
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(missing))
    before = tree_digest(root / "data" / "raw")
    result = refresh(root)
    assert_failed_cleanly(root, result, before, f"REQUESTS_CA_BUNDLE={missing}", "does not exist")
    assert proxy.requests == [] and server.seen == []


def test_a_redirect_off_the_allow_list_is_refused_while_a_proxy_is_set(root: Path, net, pki, clean_env) -> None:  # noqa: ANN001
    server, proxy, network = net
    server.route(MSTI_PATH, Reply(302, b"", {"Location": "https://evil.example/public/rest/data/x"}))
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"]))
    before = tree_digest(root / "data" / "raw")
    result = refresh(root)
    assert_failed_cleanly(root, result, before, "redirect refused", "'evil.example' is not in refresh.allowed_hosts")
    assert proxy.tunnels == ["sdmx.oecd.org:443"]  # the proxy never saw a CONNECT for evil.example
    assert len(server.seen) == 1 and network.refused == []


def test_a_proxy_that_refuses_the_tunnel_is_named_without_its_password(root: Path, net, pki, clean_env) -> None:  # noqa: ANN001
    server, proxy, _ = net
    proxy.upstream.clear()  # the proxy now answers 403 to every CONNECT
    clean_env.setenv("HTTPS_PROXY", f"http://analyst:s3cret@127.0.0.1:{proxy.port}")
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"]))
    before = tree_digest(root / "data" / "raw")
    result = refresh(root)
    assert_failed_cleanly(root, result, before, "proxy", f"127.0.0.1:{proxy.port}", "403")
    assert "s3cret" not in result.message
    assert proxy.tunnels[:1] == ["sdmx.oecd.org:443"] and server.seen == []
    assert b"Proxy-Authorization: Basic " in proxy.headers[0]  # requests sent the proxy's credentials to the proxy
