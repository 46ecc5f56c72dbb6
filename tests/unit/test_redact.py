from hypothesis import example, given
from hypothesis import strategies as st

from archiver.redact import REDACTED, scrub_json, scrub_text, scrub_url


def test_scrub_url_replaces_credential_parameters_and_keeps_the_rest():
    url = "https://graph.facebook.com/v23.0/1_2/comments?access_token=EAAB123&limit=100&after=QVFI&appsecret_proof=ab"
    cleaned = scrub_url(url)
    assert "EAAB123" not in cleaned and "appsecret_proof=REDACTED" in cleaned
    assert "access_token=REDACTED" in cleaned and "limit=100" in cleaned and "after=QVFI" in cleaned


def test_scrub_json_cleans_pagination_urls_and_literal_secrets_without_mutating_input():
    body = {"paging": {"next": "https://x/y?access_token=SECRETTOKEN&after=1"},
            "data": [{"message": "my token is SECRETTOKEN"}], "SECRETTOKEN": 1}
    cleaned = scrub_json(body, ["SECRETTOKEN"])
    assert "SECRETTOKEN" not in repr(cleaned)
    assert cleaned["paging"]["next"].endswith(f"access_token={REDACTED}&after=1")
    assert body["data"][0]["message"] == "my token is SECRETTOKEN"


def test_scrub_json_survives_deep_nesting():
    value: dict = {}
    node = value
    for _ in range(20_000):
        node["x"] = {}
        node = node["x"]
    scrub_json(value, ["s3cret"])


def test_short_secrets_are_not_used_as_patterns():
    assert scrub_text("abc abc", ["abc"]) == "abc abc"


def _full_parse(url: str) -> str:
    """scrub_url as it was before its fast path: every URL through urlsplit and parse_qsl."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from archiver.redact import SECRET_PARAMS

    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return url
    if any(name.lower() in SECRET_PARAMS for name, _ in pairs):
        query = urlencode([(n, REDACTED if n.lower() in SECRET_PARAMS else v) for n, v in pairs], safe=",(){}.")
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    return url


_URL_PARTS = ["https://", "graph.facebook.com", "/v23.0/1_2/comments", "?", "&", "=", "#", "%", "%61", "+", ";",
              "access_token", "ACCESS_TOKEN", "acc%65ss_token", "after", "cursor", "key", "sig", "x", "[::1]", "/"]


@given(st.lists(st.sampled_from(_URL_PARTS) | st.text(max_size=4), max_size=14).map("".join))
@example("https://graph.facebook.com/v23.0/1_2/comments?limit=100&acc%65ss_token=EAAB")
@example("https://graph.facebook.com/v23.0/1_2/comments?after=QVFI&ACCESS_TOKEN=EAAB#top")
@example("https://graph.facebook.com/v23.0/1_2/comments?access_token#x")
@example("https://[::1/?access_token=EAAB")
@example("https://example.com/p?comment_id=1&reply_comment_id=2")
def test_the_fast_path_gives_what_the_full_parse_gives(url: str) -> None:
    assert scrub_url(url) == _full_parse(url)
