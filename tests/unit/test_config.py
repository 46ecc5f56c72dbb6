from pathlib import Path

import pytest

from archiver.config import Secret, parse_settings, resolve_credential
from archiver.errors import ConfigError


def _settings(**account):
    return parse_settings({"archive": {"organisation": "X"}, "accounts": [{
        "key": "a", "platform": "facebook", "account_id": "1", "name": "A", "base_url": "https://graph.facebook.com",
        "api_version": "v23.0", "credential": "env:SA_TEST_TOKEN", **account}]}, base=Path("/tmp"))


def test_credentials_from_env_value_and_a_resolver(monkeypatch):
    monkeypatch.setenv("SA_TEST_TOKEN", "tok-env")
    assert resolve_credential(_settings().accounts[0]).reveal() == "tok-env"
    assert resolve_credential(_settings(credential="value:tok-v").accounts[0]).reveal() == "tok-v"
    account = _settings(credential="conn:fb_page").accounts[0]
    assert resolve_credential(account, {"conn": {"fb_page": "tok-c"}.get}).reveal() == "tok-c"
    with pytest.raises(ConfigError, match="only inside Airflow"):
        resolve_credential(account)


def test_secrets_never_print():
    secret = Secret("EAAsecret")
    assert "EAAsecret" not in repr(secret) + str(secret) + f"{secret}" + repr([secret])


@pytest.mark.parametrize(("change", "message"), [
    ({"platform": "myspace"}, "platform 'myspace'"),
    ({"key": "Bad Key"}, "must be lower-case"),
    ({"base_url": "ftp://x"}, "base_url must start"),
    ({"page_size": 500}, "page_size"),
    ({"colour": "red"}, "unknown key"),
])
def test_mistakes_are_named(change, message):
    with pytest.raises(ConfigError, match=message):
        _settings(**change)


def test_missing_env_credential_says_what_to_provide(monkeypatch):
    monkeypatch.delenv("SA_TEST_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="env:SA_TEST_TOKEN is empty or not set"):
        resolve_credential(_settings().accounts[0])


def _tables(**tables):
    return parse_settings({"archive": {"organisation": "X", **tables.pop("archive", {})}, "accounts": [{
        "key": "a", "platform": "facebook", "account_id": "1", "name": "A", "base_url": "https://graph.facebook.com",
        "api_version": "v23.0", "credential": "env:SA_TEST_TOKEN"}], **tables}, base=Path("/tmp"))


def test_history_webhook_and_screening_settings_have_defaults_and_are_read():
    default = _tables()
    assert (default.lookback_days, default.revisit_days, default.webhooks.host) == (30, 7, "127.0.0.1")
    assert default.catalog.startswith("sqlite:///") and default.screening.tilgangsrestriksjon == "13"
    chosen = _tables(archive={"lookback_days": 14, "catalog": "postgresql://db/x"},
                     webhooks={"port": 9000, "app_secret": "env:S"}, screening={"phones": ["69 10 80 00"]})
    assert (chosen.lookback_days, chosen.catalog, chosen.webhooks.port) == (14, "postgresql://db/x", 9000)
    assert chosen.screening.phones == ("69 10 80 00",)


@pytest.mark.parametrize(("tables", "message"), [
    ({"archive": {"lookback_days": -1}}, "lookback_days"),
    ({"webhooks": {"app_secret": "plaintext"}}, "credential reference"),
    ({"webhooks": {"path": "hooks"}}, "must start with '/'"),
    ({"webhooks": {"colour": 1}}, "unknown key"),
    ({"screening": {"min_confidence": 2}}, "min_confidence"),
    ({"screening": {"phones": "69 10 80 00"}}, "list of strings"),
    ({"screening": {"skjermingshjemmel": " "}}, "skjermingshjemmel"),
    ({"storage": {"kind": "s3", "bucket": "arkiv", "abandon_after_minutes": "an hour"}}, "abandon_after_minutes"),
    ({"storage": {"kind": "s3", "bucket": "arkiv", "abandon_after_minutes": -1}}, "abandon_after_minutes"),
])
def test_table_mistakes_are_named(tables, message):
    with pytest.raises(ConfigError, match=message):
        _tables(**tables)


def test_pdf_engine_is_one_of_the_two(tmp_path):
    raw = {"archive": {"organisation": "X", "pdf_engine": "weasyprint"},
           "accounts": [{"key": "a", "platform": "facebook", "account_id": "1", "name": "a",
                         "base_url": "http://127.0.0.1:9", "api_version": "v23.0", "credential": "none"}]}
    assert parse_settings(raw, base=tmp_path).pdf_engine == "weasyprint"
    raw["archive"]["pdf_engine"] = "chrome"
    with pytest.raises(ConfigError, match="pdf_engine must be"):
        parse_settings(raw, base=tmp_path)
