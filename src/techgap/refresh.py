"""Refresh: download a new vintage from a source's API into a new dated folder.

Nothing is written under data/raw/ until the payload has been downloaded in full (every page),
parsed, normalized like any other vintage and found to cover what the request asked for; then the
folder appears in one rename. A failure leaves every earlier vintage as it was and names the source
and the cause in one line; other sources still refresh.

The HTTP client is requests with urllib3's Retry (in the transport adapter): retries on timeouts,
refused connections, 429 and 5xx, honouring Retry-After, never on DNS or TLS errors; one deadline
bounds a source's whole download. Every URL is checked on the request as prepared, i.e. the URL the
client will send, for the first request and for every redirect.

The network environment is requests' own (Session.merge_environment_settings, for each URL sent, the
redirects the refresh follows by hand included): HTTPS_PROXY / ALL_PROXY and NO_PROXY choose a proxy or
none, REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE the CA certificates to trust; SSL_CERT_FILE, which requests
does not read, is the fallback when neither is set. A proxy is only a way to the host: the host check is
made on the URL requested, never on the proxy."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urljoin, urlsplit

import requests
import yaml
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, LocationValueError, NameResolutionError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util import Retry, parse_url

from techgap.config import Project, RefreshSettings, RefreshSource
from techgap.errors import FetchError, InputError
from techgap.io import sha256_file
from techgap.provenance import PROVENANCE_FILE, list_vintages, load_provenance

PAYLOAD_NAMES = {
    "oecd_sdmx": ("payload.csv", "sdmx-csv"),
    "worldbank": ("payload.json", "worldbank-json"),
    "comtrade": ("payload.json", "comtrade-json"),
}
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3
DEFAULT_HEADERS = {"Accept-Language": "en", "User-Agent": "techgap-refresh"}
STAGING_PATTERN = re.compile(r"^\.(\d{4}-\d{2}-\d{2})\.")
READ_CHUNK = 1 << 16
# Where the CA certificates to trust come from, first set wins: requests reads the first two itself
# (merge_environment_settings); SSL_CERT_FILE is OpenSSL's variable, which requests ignores.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
# A part of an SDMX REST flow reference that leaves it open (any agency, any version).
SDMX_OPEN = frozenset({"", "*", "all", "latest", "~"})
# How SDMX-CSV names a dataflow in each row: AGENCY:ID(VERSION), e.g. OECD.STI.STP:DSD_MSTI@DF_MSTI(1.3).
SDMX_CSV_DATAFLOW = re.compile(r"(?P<agency>[^:()\s]+):(?P<id>[^:()\s]+)\((?P<version>[^()\s]*)\)")

AdapterFactory = Callable[[Retry], HTTPAdapter]


@dataclass(frozen=True)
class RefreshResult:
    source_id: str
    status: Literal["new", "unchanged", "failed"]
    message: str  # one line: the summary the CLI prints
    vintage: str | None = None
    rows: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class DeadlineExceeded(Exception):
    """The source's download ran past refresh.deadline_seconds (or a server asked to wait past it)."""


class Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.end = clock() + seconds

    def remaining(self) -> float:
        return self.end - self.clock()

    def check(self) -> None:
        if self.remaining() <= 0:
            raise DeadlineExceeded(f"the download took longer than the {self.seconds:g} s deadline")


class PoliteRetry(Retry):
    """urllib3's Retry that gives up at once on DNS and TLS errors (retrying cannot help and only hides
    the cause), and never sleeps past the download's deadline: a Retry-After longer than the time left
    (OECD's hourly quota, say) ends the download with that wait named instead of burning the deadline."""

    deadline: Deadline | None = None

    def new(self, **kw: Any) -> PoliteRetry:
        retry = super().new(**kw)
        retry.deadline = self.deadline
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # noqa: ANN001, ANN201
        if isinstance(error, (NameResolutionError, Urllib3SSLError)):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response=None) -> None:  # noqa: ANN001
        asked = (
            self.get_retry_after(response)
            if (response is not None and self.respect_retry_after_header and response.status in self.RETRY_AFTER_STATUS_CODES)
            else None
        )
        wait = asked if asked is not None else self.get_backoff_time()
        if self.deadline is not None and wait > self.deadline.remaining():
            why = f"the server asks to retry after {wait:g} s" if asked is not None else f"the next retry is due in {wait:g} s"
            status = f"HTTP {response.status}: " if response is not None else ""
            raise DeadlineExceeded(f"{status}{why}, past the {self.deadline.seconds:g} s deadline; try again later")
        if wait > 0:
            time.sleep(wait)


def retry_policy(settings: RefreshSettings, deadline: Deadline) -> PoliteRetry:
    retry = PoliteRetry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUS,
        backoff_factor=settings.backoff_seconds,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    retry.deadline = deadline
    return retry


def build_session(retry: Retry, adapter: AdapterFactory | None = None) -> requests.Session:
    session = requests.Session()
    session.headers.update(DEFAULT_HEADERS)
    transport = (adapter or (lambda policy: HTTPAdapter(max_retries=policy)))(retry)
    session.mount("https://", transport)
    session.mount("http://", transport)
    return session


def check_url(url: str, settings: RefreshSettings) -> None:
    """The one host check, on the URL as the client will send it (a PreparedRequest's url, parsed the
    way urllib3 parses it to connect): https, no user info, no backslash, default port, and a host
    (IDNA-encoded, lower case) that is exactly one of refresh.allowed_hosts."""
    if "\\" in url:
        raise ValueError(f"backslash in URL refused: {url!r}")
    parts = parse_url(url)
    if parts.scheme != "https":
        raise ValueError(f"only https URLs may be fetched, not {parts.scheme or 'no scheme'}: {url!r}")
    if parts.auth is not None:
        raise ValueError(f"user info in URL refused (it can hide the real host {parts.host!r}): {url!r}")
    if parts.port not in (None, 443):
        raise ValueError(f"port {parts.port} refused; only the default https port: {url!r}")
    if parts.host not in settings.allowed_hosts:
        raise ValueError(f"host {parts.host!r} is not in refresh.allowed_hosts ({', '.join(settings.allowed_hosts)})")


def prepare(
    session: requests.Session, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str], settings: RefreshSettings
) -> requests.PreparedRequest:
    if "\\" in url:
        raise ValueError(f"backslash in URL refused: {url!r}")
    try:
        prepared = session.prepare_request(requests.Request("GET", url, params=dict(params or {}), headers=dict(headers)))
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, UnicodeError, ValueError) as exc:
        raise ValueError(f"not a valid URL: {url!r} ({exc})") from None
    check_url(prepared.url or "", settings)
    return prepared


def fetch(
    session: requests.Session,
    url: str,
    params: Mapping[str, str] | None,
    headers: Mapping[str, str],
    settings: RefreshSettings,
    deadline: Deadline,
) -> bytes:
    """One GET, redirects followed by hand so that each hop passes the host check; the body is read
    decoded, size-capped and checked against Content-Length on the wire."""
    for hop in range(MAX_REDIRECTS + 1):
        try:
            prepared = prepare(session, url, params, headers, settings)
        except ValueError as exc:  # the host check's refusal
            raise FetchError("", f"redirect refused: {exc}" if hop else str(exc)) from None
        response = _send(session, prepared, settings, deadline, network_settings(session, prepared.url or ""))
        if response.status_code in REDIRECT_STATUS:
            location = response.headers.get("Location", "")
            response.close()
            url, params = urljoin(prepared.url or "", location), None
            continue
        try:
            return _accept(response, prepared.url or "", settings, deadline)
        finally:
            response.close()
    raise FetchError("", f"too many redirects (more than {MAX_REDIRECTS})")


def network_settings(session: requests.Session, url: str) -> dict[str, Any]:
    """The proxies and CA certificates for one URL from the environment, as requests.get would use them:
    requests' merge_environment_settings (HTTPS_PROXY, ALL_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE,
    CURL_CA_BUNDLE), then SSL_CERT_FILE when no CA bundle variable is set. A bundle that does not exist
    is refused here, naming its variable."""
    merged = session.merge_environment_settings(url, {}, True, None, None)
    if merged["verify"] is True and session.trust_env and os.environ.get("SSL_CERT_FILE"):
        merged["verify"] = os.environ["SSL_CERT_FILE"]
    verify = merged["verify"]
    if isinstance(verify, str) and not os.path.exists(verify):
        raise FetchError("", f"the CA bundle {_ca_origin(verify)} does not exist")
    return merged


def _ca_origin(verify: object) -> str:
    """Which certificates a TLS check used, for a message: 'REQUESTS_CA_BUNDLE=/path', or certifi's."""
    if isinstance(verify, str):
        variable = next((name for name in CA_BUNDLE_VARIABLES if os.environ.get(name) == verify), None)
        return f"{variable}={verify}" if variable else verify
    return "certifi's default CA bundle"


def _proxy_name(proxies: Mapping[str, str], url: str) -> str:
    """The proxy requests chose for ``url``, without user or password."""
    proxy = requests.utils.select_proxy(url, dict(proxies))
    if not proxy:
        return "the proxy"
    try:
        parts = parse_url(requests.utils.prepend_scheme_if_needed(proxy, "http"))
    except LocationValueError:
        return "the proxy"
    return f"proxy {parts.scheme}://{parts.host}" + (f":{parts.port}" if parts.port else "")


def _send(
    session: requests.Session,
    prepared: requests.PreparedRequest,
    settings: RefreshSettings,
    deadline: Deadline,
    network: Mapping[str, Any],
) -> requests.Response:
    deadline.check()
    read_timeout = max(0.001, min(settings.timeout_seconds, deadline.remaining()))
    url = prepared.url or ""
    try:
        return session.send(
            prepared,
            timeout=(settings.timeout_seconds, read_timeout),
            allow_redirects=False,
            stream=True,
            proxies=network["proxies"],
            verify=network["verify"],
            cert=network["cert"],
        )
    except DeadlineExceeded:
        raise
    except requests.exceptions.SSLError as exc:
        raise FetchError("", _tls_message(_reason(exc), network["verify"])) from None
    except requests.exceptions.ProxyError as exc:
        raise FetchError("", f"{_proxy_name(network['proxies'], url)} failed: {_reason(exc)}") from None
    except requests.exceptions.Timeout:
        raise FetchError("", f"timeout after {settings.retries + 1} attempt(s): {prepared.url}") from None
    except NameResolutionError as exc:
        raise FetchError("", f"DNS lookup failed for {exc.conn.host if exc.conn else 'the host'} (not retried)") from None
    except Urllib3SSLError as exc:
        raise FetchError("", _tls_message(_reason(exc), network["verify"])) from None
    except requests.exceptions.ConnectionError as exc:
        raise FetchError("", f"connection failed after {settings.retries + 1} attempt(s): {_reason(exc)}") from None
    except (requests.exceptions.InvalidProxyURL, requests.exceptions.InvalidSchema, LocationValueError) as exc:
        raise FetchError("", f"the proxy set in the environment cannot be used: {_reason(exc)}") from None


def _tls_message(reason: str, verify: object) -> str:
    text = f"TLS error (not retried): {reason}"
    if "certificate verify failed" in reason:
        text += (
            f" (checked against {_ca_origin(verify)}; behind a TLS-inspecting proxy or with a private CA, "
            "point REQUESTS_CA_BUNDLE or SSL_CERT_FILE at a bundle that holds its CA)"
        )
    return text


def _reason(exc: BaseException) -> str:
    """The innermost readable cause of a requests/urllib3 error, on one line."""
    text = str(exc)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "certificate verify failed",
        "Connection reset",
        "Remote end closed connection",
    ):
        if marker in text:
            return marker.lower()
    tunnel = re.search(r"Tunnel connection failed: [^'\")]*", text)
    if tunnel:
        return tunnel.group(0).strip()
    return " ".join(text.split())[:300]


def _accept(response: requests.Response, url: str, settings: RefreshSettings, deadline: Deadline) -> bytes:
    attempts = len(getattr(getattr(response.raw, "retries", None), "history", ()) or ()) + 1
    if response.status_code in RETRY_STATUS:
        asked = response.headers.get("Retry-After")
        hint = f"; the server asks to retry after {asked} s" if asked else ""
        raise FetchError("", f"HTTP {response.status_code} after {attempts} attempt(s){hint}: {url}")
    if response.status_code == 404 and "sdmx" in (parse_url(url).host or ""):
        raise FetchError(
            "",
            f"HTTP 404 from {url}: the pinned dataflow version may have been superseded; list the "
            "current versions at https://sdmx.oecd.org/public/rest/dataflow/<agency>/<dataflow>/all "
            "and update refresh.sources.<id>.url in config/config.yaml",
        )
    if response.status_code != 200:
        raise FetchError("", f"HTTP {response.status_code} from {url}")
    content_type = response.headers.get("Content-Type", "").lower()
    if content_type.startswith("text/html"):
        raise FetchError("", f"the server sent an HTML page (Content-Type {content_type}), not data: {url}")
    return read_body(response, settings.max_bytes, deadline)


def read_body(response: requests.Response, max_bytes: int, deadline: Deadline) -> bytes:
    """The decoded body. Content-Length counts bytes on the wire (compressed if Content-Encoding says
    so), so it is compared with what was read from the socket, and the cap with what was decoded."""
    declared = response.headers.get("Content-Length")
    if declared is not None and not declared.strip().isdigit():
        raise FetchError("", f"invalid Content-Length header {declared!r}")
    wire_length = int(declared) if declared is not None else None
    if wire_length is not None and wire_length > max_bytes:
        raise FetchError("", f"payload of {wire_length} bytes exceeds the {max_bytes}-byte limit")
    raw = response.raw
    chunks, size = [], 0
    try:
        while True:
            deadline.check()
            chunk = raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError("", f"payload exceeds the {max_bytes}-byte limit (decoded)")
            chunks.append(chunk)
    except ProtocolError as exc:
        raise FetchError("", f"truncated body: the connection ended early ({_reason(exc)})") from None
    except DecodeError as exc:
        raise FetchError("", f"the body could not be decoded ({_reason(exc)})") from None
    except (ReadTimeoutError, OSError) as exc:
        raise FetchError("", f"the body stopped arriving (read timeout): {_reason(exc)}") from None
    on_wire = raw.tell()
    if wire_length is not None and on_wire != wire_length:
        raise FetchError("", f"truncated body: {on_wire} of {wire_length} bytes (Content-Length) arrived")
    return b"".join(chunks)


def download(session: requests.Session, source: RefreshSource, settings: RefreshSettings, deadline: Deadline) -> bytes:
    if source.client == "worldbank":
        return download_worldbank(session, source, settings, deadline)
    if source.client == "comtrade":
        return download_comtrade(session, source, settings, deadline)
    return fetch(session, source.url, source.params, source.headers, settings, deadline)


def download_comtrade(session: requests.Session, source: RefreshSource, settings: RefreshSettings, deadline: Deadline) -> bytes:
    """One request per period (the public preview API answers one period at a time), spaced by the
    source's pause; the payload is the list of the answers as the API sent them."""
    periods = [p.strip() for p in source.params.get("period", "").split(",") if p.strip()]
    if len(periods) <= 1:
        return fetch(session, source.url, source.params, source.headers, settings, deadline)
    bodies = []
    for number, period in enumerate(periods):
        if number and source.pause_seconds:
            if source.pause_seconds > deadline.remaining():
                raise DeadlineExceeded(f"the pause between requests would pass the {deadline.seconds:g} s deadline")
            time.sleep(source.pause_seconds)
        try:
            bodies.append(
                fetch(session, source.url, {**source.params, "period": period}, source.headers, settings, deadline).strip()
            )
        except FetchError as exc:
            raise FetchError("", f"period {period}: {_detail(exc)}") from None
    return b"[" + b",\n".join(bodies) + b"]\n"


def download_worldbank(session: requests.Session, source: RefreshSource, settings: RefreshSettings, deadline: Deadline) -> bytes:
    """Every page of a World Bank answer; the payload is the list of the pages as the API sent them
    (the parser checks that pages 1..N are all there and add up to the reported total)."""
    first = fetch(session, source.url, source.params, source.headers, settings, deadline)
    pages = _page_count(first)
    if pages > settings.max_pages:
        raise FetchError(
            "",
            f"the API splits the answer into {pages} pages, more than refresh.max_pages "
            f"({settings.max_pages}); raise per_page in the source's params",
        )
    if pages <= 1:
        return first
    bodies = [first.strip()]
    for page in range(2, pages + 1):
        try:
            bodies.append(
                fetch(session, source.url, {**source.params, "page": str(page)}, source.headers, settings, deadline).strip()
            )
        except FetchError as exc:
            raise FetchError("", f"page {page} of {pages}: {_detail(exc)}") from None
    return b"[" + b",\n".join(bodies) + b"]\n"


def _page_count(body: bytes) -> int:
    try:
        meta = json.loads(body)[0]
        return int(meta["pages"])
    except (ValueError, LookupError, TypeError):
        return 1  # an error message or a changed layout: the parser says which


def _detail(exc: FetchError) -> str:
    return str(exc).split(": ", 1)[-1] if str(exc).startswith("refresh of ''") else str(exc)


def provenance_for(source_id: str, source: RefreshSource, payload: Path, fmt: str, retrieved: str) -> dict[str, Any]:
    """The provenance of an API vintage: what was asked, from where, when, and the payload's hash."""
    return {
        "source_id": source_id,
        "title": source.title,
        "publisher": source.publisher,
        "url": source.url,
        "retrieved": retrieved,
        "licence": source.licence,
        "locator": source.locator,
        "method": "api",
        "format": fmt,
        "payload": payload.name,
        "sha256": sha256_file(payload),
        "indicator_map": dict(source.indicator_map),
        "request": {"params": dict(source.params), "headers": {**DEFAULT_HEADERS, **source.headers}},
        "documents": [],
    }


def check_coverage(source: RefreshSource, frame: Any) -> None:
    """Fail, naming them, when entities or years the request asks for are absent from the answer (no
    value at all), unless the source's expected_gaps lists them."""
    observed = frame[frame["value"].notna()]
    entities = set(observed["entity_code"].astype(str))
    years = set(observed["period"].astype(str).str[:4])
    gaps = set(source.expected_gaps)
    missing_entities = [e for e in source.expect_entities if e not in entities and e not in gaps]
    missing_years = [y for y in source.expect_years if y not in years and y not in gaps]
    if missing_entities or missing_years:
        parts = []
        if missing_entities:
            parts.append("entities " + ", ".join(missing_entities))
        if missing_years:
            parts.append("years " + ", ".join(missing_years))
        raise FetchError(
            "",
            f"requested but absent from the answer: {'; '.join(parts)} (list known holes of the API "
            "under expected_gaps of this source in config/config.yaml)",
        )


@dataclass(frozen=True)
class Dataflow:
    """The dataflow a request asks for; None where the request leaves a part open."""

    agency: str | None
    id: str
    version: str | None

    def __str__(self) -> str:
        return f"{self.agency or '(any agency)'}:{self.id}({self.version or 'any version'})"

    def admits(self, reference: str) -> bool:
        """Whether an answer's dataflow reference (SDMX-CSV notation) is this dataflow (ids compared
        without regard to case, as the OECD API resolves them)."""
        found = SDMX_CSV_DATAFLOW.fullmatch(reference)
        if found is None:
            return False
        wanted = (self.agency, self.id, self.version)
        return all(want is None or want.casefold() == got.casefold() for want, got in zip(wanted, found.groups(), strict=True))


def requested_dataflow(url: str) -> Dataflow | None:
    """The dataflow an SDMX REST data URL names: .../data/<agency>,<id>,<version>/<key> as the OECD
    writes it (or <agency>,<id>, or <id> alone), or .../data/dataflow/<agency>/<id>/<version>/... (SDMX 3.0
    REST). None if it names no single dataflow."""
    segments = [unquote(part) for part in urlsplit(url).path.split("/")]
    if "data" not in segments:
        return None
    rest = segments[segments.index("data") + 1 :]
    if len(rest) >= 3 and rest[0] == "dataflow":
        agency, flow, version = (rest[1:4] + [""])[:3]
    elif rest and len(parts := rest[0].split(",")) <= 3:
        agency, flow, version = {1: ["", *parts, ""], 2: [*parts, ""], 3: parts}[len(parts)]
    else:
        return None

    def given(value: str) -> str | None:
        value = value.strip()
        return None if value.lower() in SDMX_OPEN or "+" in value or "*" in value else value

    if given(flow) is None:
        return None
    return Dataflow(given(agency), flow.strip(), given(version))


def answer_dataflows(body: bytes) -> set[tuple[str, str]] | None:
    """The (structure kind, dataflow reference) pairs an SDMX-CSV answer names: STRUCTURE and STRUCTURE_ID
    (SDMX-CSV 2.0), or the DATAFLOW column (1.0); 'CODE: Label' cells are read by their code. None if the
    body has no such column (an error page, say: the parser then says what it is)."""
    try:
        reader = csv.reader(io.StringIO(body.decode("utf-8")))
        header = [name.split(":", 1)[0].strip().lstrip("\ufeff") for name in next(reader, [])]
    except (UnicodeDecodeError, csv.Error):
        return None
    column = next((header.index(name) for name in ("STRUCTURE_ID", "DATAFLOW") if name in header), None)
    if column is None:
        return None
    kind_column = header.index("STRUCTURE") if header[column] == "STRUCTURE_ID" and "STRUCTURE" in header else None
    found = set()
    try:
        for row in reader:
            if len(row) <= column:
                continue  # a blank or short line: the parser names it
            kind = row[kind_column].split(": ", 1)[0].strip() if kind_column is not None and len(row) > kind_column else ""
            found.add((kind.lower() or "dataflow", row[column].split(": ", 1)[0].strip()))
    except csv.Error:
        return None
    return found


def check_dataflow(source_id: str, source: RefreshSource, body: bytes) -> bool:
    """Refuse an SDMX-CSV answer that names a dataflow other than the one the source's URL asks for.
    Returns whether the answer named its dataflow at all (an answer that does not is refused once the
    parser has had its say: an error page is better named by the parser)."""
    wanted = requested_dataflow(source.url)
    received = answer_dataflows(body)
    if wanted is None:  # refresh_source refuses such a URL before downloading
        return True
    if received is None:
        return False
    wrong = sorted(f"{kind} {ref}" for kind, ref in received if kind != "dataflow" or not wanted.admits(ref))
    if wrong:
        shown = ", ".join(wrong[:3]) + (f" and {len(wrong) - 3} more" if len(wrong) > 3 else "")
        raise FetchError(
            source_id, f"the answer is {shown}, not the requested dataflow {wanted} (refresh.sources.{source_id}.url)"
        )
    return True


def clear_stale_staging(folder: Path, older_than_seconds: float, now: float | None = None) -> list[str]:
    """Remove hidden staging folders (.<date>.*) an interrupted refresh left behind. A folder younger
    than one deadline may belong to a refresh still running: it is reported, not removed."""
    notes: list[str] = []
    if not folder.is_dir():
        return notes
    now = time.time() if now is None else now
    for entry in sorted(folder.iterdir()):
        if not STAGING_PATTERN.match(entry.name):
            continue
        age = now - entry.lstat().st_mtime
        if age < older_than_seconds:
            notes.append(f"staging folder {entry.name} is {age:.0f} s old: another refresh may be running; left alone")
            continue
        if entry.is_symlink() or not entry.is_dir():
            entry.unlink()
        else:
            shutil.rmtree(entry)
        notes.append(f"removed stale staging folder {entry.name} (left by an interrupted refresh)")
    return notes


def _newest_payload_hash(project: Project, source_id: str) -> tuple[str, str] | None:
    vintages = list_vintages(project.raw_dir, source_id)
    if not vintages:
        return None
    folder = project.raw_dir / source_id / vintages[-1]
    try:
        return vintages[-1], load_provenance(folder / PROVENANCE_FILE).sha256
    except InputError:
        return None


def refresh_source(
    project: Project,
    source_id: str,
    adapter: AdapterFactory | None = None,
    today: dt.date | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RefreshResult:
    """One source: download, validate, and either add a vintage, report it unchanged, or fail in one line."""
    settings = project.settings.refresh
    source = settings.sources[source_id]
    vintage = (today or dt.date.today()).isoformat()
    source_dir = project.raw_dir / source_id
    notes = clear_stale_staging(source_dir, 2 * settings.deadline_seconds)
    suffix = "".join(f"; {note}" for note in notes)
    try:
        if vintage in list_vintages(project.raw_dir, source_id):
            raise FetchError(source_id, f"vintage {vintage} already exists; raw vintages are never overwritten")
        if source.client == "oecd_sdmx" and requested_dataflow(source.url) is None:
            raise FetchError(
                source_id,
                f"refresh.sources.{source_id}.url names no dataflow to check the answer against "
                "(expected .../data/<agency>,<dataflow>,<version>/<key>)",
            )
        deadline = Deadline(settings.deadline_seconds, clock)
        session = build_session(retry_policy(settings, deadline), adapter)
        try:
            body = download(session, source, settings, deadline)
        except DeadlineExceeded as exc:
            raise FetchError(source_id, str(exc)) from None
        except FetchError as exc:
            raise FetchError(source_id, _detail(exc)) from None
        finally:
            session.close()
        newest = _newest_payload_hash(project, source_id)
        if newest is not None and newest[1] == hashlib.sha256(body).hexdigest():
            return RefreshResult(
                source_id,
                "unchanged",
                f"{source_id}: unchanged (the API sent the payload of vintage {newest[0]}); no new vintage{suffix}",
                newest[0],
            )
        rows = _stage_and_commit(project, source_id, source, body, vintage)
        return RefreshResult(source_id, "new", f"{source_id}: new vintage {vintage} ({rows} rows){suffix}", vintage, rows)
    except FetchError as exc:
        return RefreshResult(source_id, "failed", " ".join(f"{exc}{suffix}".split()))  # one line, whatever the cause


def _stage_and_commit(project: Project, source_id: str, source: RefreshSource, body: bytes, vintage: str) -> int:
    """Write the payload and its provenance into a hidden staging folder, validate it like any vintage,
    and rename it into place; on any failure the staging folder is removed and nothing else changed."""
    from techgap.normalize import normalize_snapshot

    payload_name, fmt = PAYLOAD_NAMES[source.client]
    names_dataflow = check_dataflow(source_id, source, body) if source.client == "oecd_sdmx" else True
    source_dir = project.raw_dir / source_id
    created = _missing_folders(source_dir)  # the first refresh of a source makes data/raw/<source>/
    source_dir.mkdir(parents=True, exist_ok=True)
    committed = False
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{vintage}.", dir=source_dir))
    except BaseException:
        _remove_empty(created)
        raise
    try:
        payload = staging / payload_name
        payload.write_bytes(body)
        provenance = provenance_for(source_id, source, payload, fmt, vintage)
        (staging / PROVENANCE_FILE).write_text(yaml.safe_dump(provenance, allow_unicode=True, sort_keys=False), encoding="utf-8")
        snapshot = _open_staged(source_id, staging, vintage)
        try:
            frame = normalize_snapshot(project, snapshot)
        except InputError as exc:
            detail = str(exc).replace(str(staging), f"data/raw/{source_id}/{vintage} (discarded)")
            raise FetchError(source_id, f"the new payload does not validate: {detail}") from None
        except Exception as exc:  # noqa: BLE001 - any parser fault is this source's failure, not the run's
            raise FetchError(
                source_id, f"the new payload could not be read: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
            ) from None
        if not names_dataflow:
            raise FetchError(
                source_id,
                f"the answer names no dataflow (no STRUCTURE_ID or DATAFLOW column), so it cannot be checked "
                f"against the requested {requested_dataflow(source.url)}",
            )
        try:
            check_coverage(source, frame)
        except FetchError as exc:
            raise FetchError(source_id, _detail(exc)) from None
        staging.chmod(0o755)  # mkdtemp makes it 0700; a vintage is as readable as the rest of data/raw
        staging.rename(source_dir / vintage)
        committed = True
        from techgap.provenance import record_checksum

        record_checksum(project.raw_dir, source_id, vintage)  # the history the drift report checks vintages against
        return len(frame)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
        if not committed:
            _remove_empty(created)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders a failed refresh created (deepest first), each only if it is empty: a folder
    that holds anything, another refresh's staging folder say, stays, and so do its parents."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _open_staged(source_id: str, staging: Path, vintage: str):  # noqa: ANN202
    from techgap.provenance import Snapshot

    provenance = load_provenance(staging / PROVENANCE_FILE)
    return Snapshot(source_id=source_id, vintage=vintage, folder=staging, provenance=provenance)


def cli_sources(root: str | Path) -> list[tuple[str, str, str]]:
    """(id, client, title) of every source `techgap refresh` can refresh: config/config.yaml's refresh.sources, in
    the file's order (for `techgap refresh --help`). Read on its own, so the help lists them even while another
    part of the project does not validate."""
    from techgap.config import load_yaml

    data = load_yaml(Path(root) / "config" / "config.yaml") or {}
    sources = ((data.get("refresh") or {}) if isinstance(data, dict) else {}).get("sources") or {}
    return [
        (str(key), str(body.get("client", "?")), str(body.get("title", "")))
        for key, body in sources.items()
        if isinstance(body, dict)
    ]


def refresh_sources(
    project: Project,
    source_ids: list[str] | None = None,
    adapter: AdapterFactory | None = None,
    today: dt.date | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[RefreshResult]:
    wanted = source_ids or sorted(project.settings.refresh.sources)
    results = []
    for source_id in wanted:
        if source_id not in project.settings.refresh.sources:
            results.append(RefreshResult(source_id, "failed", f"refresh of '{source_id}' failed: no API configured"))
            continue
        results.append(refresh_source(project, source_id, adapter, today, clock))
    return results
