"""Refresh: download a new vintage from a source's API into a new dated folder.

Nothing is written under data/raw/ until the payload has been downloaded in full, parsed and
normalized like any other vintage; then the folder appears in one rename. A failure leaves every
earlier vintage as it was and names the source and the fault; other sources still refresh."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import yaml

from techgap.config import Project, RefreshSettings, RefreshSource
from techgap.errors import FetchError, InputError
from techgap.io import sha256_file
from techgap.provenance import PROVENANCE_FILE, list_vintages

PAYLOAD_NAMES = {"oecd_sdmx": ("payload.csv", "sdmx-csv"), "worldbank": ("payload.json", "worldbank-json")}
RETRY_STATUS = {429, 500, 502, 503, 504}


class Session(Protocol):
    def get(self, url: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class RefreshResult:
    source_id: str
    ok: bool
    message: str
    vintage: str | None = None


def check_url(url: str, settings: RefreshSettings) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValueError(f"only https URLs may be fetched, not {parts.scheme or 'no scheme'}: {url}")
    if parts.hostname not in settings.allowed_hosts:
        raise ValueError(f"host {parts.hostname!r} is not in refresh.allowed_hosts")


def download(session: Session, url: str, params: dict[str, str], headers: dict[str, str], settings: RefreshSettings,
             sleep: Callable[[float], None] = time.sleep) -> bytes:
    """GET with retries and exponential back-off on timeouts, refused connections and 5xx/429;
    redirects are followed only to allowed hosts; the body is capped at max_bytes."""
    import requests

    check_url(url, settings)
    attempt = 0
    while True:
        try:
            response = session.get(url, params=params, headers=headers, timeout=settings.timeout_seconds,
                                   allow_redirects=False, stream=True)
            hops = 0
            while response.status_code in (301, 302, 303, 307, 308):
                target = urljoin(url, response.headers.get("Location", ""))
                try:
                    check_url(target, settings)
                except ValueError as exc:
                    raise FetchError("", f"redirect refused: {exc}") from None
                hops += 1
                if hops > 3:
                    raise FetchError("", "too many redirects")
                url, params = target, {}
                response = session.get(url, headers=headers, timeout=settings.timeout_seconds,
                                       allow_redirects=False, stream=True)
            if response.status_code in RETRY_STATUS:
                raise _Retryable(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise FetchError("", f"HTTP {response.status_code} from {url}")
            return _read_capped(response, settings.max_bytes)
        except (requests.Timeout, requests.ConnectionError, _Retryable) as exc:
            attempt += 1
            if attempt > settings.retries:
                kind = "timeout" if isinstance(exc, requests.Timeout) else str(exc) or type(exc).__name__
                raise FetchError("", f"{kind} after {attempt} attempt(s): {url}") from None
            sleep(settings.backoff_seconds * 2 ** (attempt - 1))


class _Retryable(Exception):
    pass


def _read_capped(response: Any, max_bytes: int) -> bytes:
    expected = response.headers.get("Content-Length")
    if expected is not None and int(expected) > max_bytes:
        raise FetchError("", f"payload of {expected} bytes exceeds the {max_bytes}-byte limit")
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=1 << 16):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("", f"payload exceeds the {max_bytes}-byte limit")
        chunks.append(chunk)
    body = b"".join(chunks)
    if expected is not None and len(body) != int(expected):
        raise FetchError("", f"truncated body: {len(body)} of {expected} bytes")
    return body


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
        "request": {"params": dict(source.params), "headers": dict(source.headers)},
        "documents": [],
    }


def refresh_source(project: Project, source_id: str, session: Session, today: dt.date | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> RefreshResult:
    from techgap.normalize import normalize_snapshot

    settings = project.settings.refresh
    source = settings.sources[source_id]
    vintage = (today or dt.date.today()).isoformat()
    target = project.raw_dir / source_id / vintage
    try:
        if vintage in list_vintages(project.raw_dir, source_id):
            raise FetchError(source_id, f"vintage {vintage} already exists; raw vintages are never overwritten")
        try:
            body = download(session, source.url, source.params, source.headers, settings, sleep)
        except FetchError as exc:
            raise FetchError(source_id, str(exc).split(": ", 1)[-1]) from None
        except ValueError as exc:
            raise FetchError(source_id, str(exc)) from None
        payload_name, fmt = PAYLOAD_NAMES[source.client]
        (project.raw_dir / source_id).mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{vintage}.", dir=project.raw_dir / source_id))
        try:
            payload = staging / payload_name
            payload.write_bytes(body)
            provenance = provenance_for(source_id, source, payload, fmt, vintage)
            (staging / PROVENANCE_FILE).write_text(yaml.safe_dump(provenance, allow_unicode=True, sort_keys=False),
                                                   encoding="utf-8")
            snapshot = _open_staged(source_id, staging)
            try:
                frame = normalize_snapshot(project, snapshot)
            except InputError as exc:
                detail = str(exc).replace(str(staging), f"data/raw/{source_id}/{vintage} (discarded)")
                raise FetchError(source_id, f"the new payload does not validate: {detail}") from None
            staging.rename(target)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        return RefreshResult(source_id, True, f"{source_id}: new vintage {vintage} ({len(frame)} observations)", vintage)
    except FetchError as exc:
        return RefreshResult(source_id, False, str(exc))


def _open_staged(source_id: str, staging: Path):
    from techgap.provenance import Snapshot, load_provenance

    provenance = load_provenance(staging / PROVENANCE_FILE)
    return Snapshot(source_id=source_id, vintage=staging.name.split(".")[1], folder=staging, provenance=provenance)


def refresh_sources(project: Project, source_ids: list[str] | None = None, session: Session | None = None,
                    today: dt.date | None = None, sleep: Callable[[float], None] = time.sleep) -> list[RefreshResult]:
    if session is None:
        import requests

        session = requests.Session()
        session.headers["User-Agent"] = "techgap-refresh"
    wanted = source_ids or sorted(project.settings.refresh.sources)
    results = []
    for source_id in wanted:
        if source_id not in project.settings.refresh.sources:
            results.append(RefreshResult(source_id, False, f"refresh of '{source_id}' failed: no API configured"))
            continue
        results.append(refresh_source(project, source_id, session, today, sleep))
    return results
