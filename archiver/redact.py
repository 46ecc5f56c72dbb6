"""The one secret-scrubbing rule: credentials never reach logs or stored files.

Applied to every URL we keep (request URLs, ``paging.next``, ``Link`` headers) and to every string of a
response body before it is written as evidence. Two layers: query parameters that carry credentials are
replaced by ``REDACTED`` whatever their value, and any known secret value is replaced wherever it appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["REDACTED", "SECRET_PARAMS", "scrub_json", "scrub_text", "scrub_url"]

REDACTED = "REDACTED"
# Query parameters that carry credentials on the platforms we read (Graph API, YouTube key, OAuth flows).
SECRET_PARAMS = frozenset({
    "access_token", "appsecret_proof", "client_secret", "key", "token", "refresh_token", "password",
    "api_key", "apikey", "code", "fb_exchange_token", "input_token", "oauth_token", "sig", "signature",
})


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every occurrence of a known secret value (at least 4 characters) in free text."""
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub_url(url: str, secrets: Iterable[str] = ()) -> str:
    """Replace credential query parameters (and any known secret) in a URL; other parts stay as given."""
    secrets = tuple(secrets)
    if not _may_name_a_secret_param(url):
        return scrub_text(url, secrets)
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return scrub_text(url, secrets)
    if any(name.lower() in SECRET_PARAMS for name, _ in pairs):
        query = urlencode([(n, REDACTED if n.lower() in SECRET_PARAMS else v) for n, v in pairs], safe=",(){}.")
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    return scrub_text(url, secrets)


def scrub_json(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of a JSON value with every URL scrubbed and every known secret replaced. Input is not mutated.

    Iterative, so hostile nesting depth cannot exhaust the stack.
    """
    secrets = tuple(secrets)

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            if "://" in item and item.lstrip()[:8].lower().startswith(("http://", "https://")):
                return scrub_url(item, secrets)
            return scrub_text(item, secrets)
        return item

    if not isinstance(value, dict | list):
        return clean(value)
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, dict | list):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child))
            else:
                child = clean(item)
            if isinstance(target, dict):
                target[scrub_text(str(key), secrets)] = child
            else:
                target.append(child)
    return root


def _may_name_a_secret_param(url: str) -> bool:
    """False only when the URL's query surely names no credential parameter: the common case (a picture or
    permalink URL in every comment), answered without ``parse_qsl``. A query with percent-escapes or "+" (whose
    decoded names could be anything) or an odd URL takes the full parse."""
    start = url.find("?")
    if start < 0:
        return False
    query = url[start + 1:].partition("#")[0]
    if "%" in query or "+" in query or "[" in url or "]" in url:
        return True
    return any(pair.partition("=")[0].lower() in SECRET_PARAMS for pair in query.split("&"))
