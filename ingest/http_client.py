"""A small JSON page fetcher for provider APIs: timeouts, bounded retries with exponential backoff and
jitter that honour `Retry-After` on 429/5xx, and clear errors that never contain the API key."""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ApiError(RuntimeError):
    """A page could not be fetched or read. The message names the URL (without secrets) and the problem."""


@dataclass
class JsonApiClient:
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    secret_headers: Sequence[str] = ("authorization", "x-api-key")
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = lambda message: None

    def _redact(self, text: str) -> str:
        for name, value in self.headers.items():
            if name.lower() in self.secret_headers and value:
                text = text.replace(value, "***")
                token = value.split(" ", 1)[-1]
                if token:
                    text = text.replace(token, "***")
        return text

    def get(self, path: str, params: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """GET a JSON object; numbers with a fraction come back as Decimal (money never passes through float)."""
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            url += "?" + urllib.parse.urlencode(list(params))
        for attempt in range(1, self.max_attempts + 1):
            request = urllib.request.Request(url, headers=dict(self.headers))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    body = response.read()
            except urllib.error.HTTPError as error:
                if error.code not in RETRY_STATUSES or attempt == self.max_attempts:
                    raise ApiError(self._redact(f"GET {url}: HTTP {error.code} {error.reason}")) from None
                wait = self._retry_after(error.headers.get("Retry-After")) or self._backoff(attempt)
                self.log(self._redact(f"GET {url}: HTTP {error.code}, retry {attempt} in {wait:.1f} s"))
                self.sleep(wait)
                continue
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                if attempt == self.max_attempts:
                    raise ApiError(self._redact(f"GET {url}: {error}")) from None
                wait = self._backoff(attempt)
                self.log(self._redact(f"GET {url}: {error}, retry {attempt} in {wait:.1f} s"))
                self.sleep(wait)
                continue
            try:
                page = json.loads(body, parse_float=Decimal)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise ApiError(self._redact(f"GET {url}: truncated or malformed JSON page ({error})")) from None
            if not isinstance(page, dict):
                raise ApiError(self._redact(f"GET {url}: expected a JSON object, got {type(page).__name__}"))
            return page
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        return min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)

    @staticmethod
    def _retry_after(value: str | None) -> float | None:
        try:
            return max(0.0, float(value)) if value else None
        except ValueError:
            return None  # an HTTP date: fall back to our own backoff
