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
