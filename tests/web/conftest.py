"""The web app's tests run on a real archive: the demo municipality on all seven platforms (fake APIs),
captured by the real pipeline with a fixed clock, built once per session and copied for each test module
(the tests change it: decisions, holds, dispositions)."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archiver.clock import FixedClock
from archiver.config import Settings, load_settings, parse_settings
from archiver.demo import start_demo_sources
from archiver.pipeline import Services, run, services_for
from archiver.web.users import Users

NIGHT = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
LATER = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)     # the short rule below has run out
PASSWORD = "correct horse battery staple"
USERS = {"officer": "kari", "auditor": "revi", "operator": "ola", "public": "per"}
# a Norwegian or Danish national identity number as citizens write it: 11 digits (a space after the date), or a
# CPR number (10 digits, a dash or space after the date); only checksum-valid ones count (ids of posts are long
# digit runs too)
_CANDIDATE = re.compile(r"(?<!\d)(\d{6})[ -]?(\d{4,5})(?!\d)")


def national_ids_in(text: str) -> list[str]:
    from stdnum.dk import cpr
    from stdnum.no import fodselsnummer

    found = []
    for match in _CANDIDATE.finditer(text):
        number = match.group(1) + match.group(2)
        if (len(number) == 11 and fodselsnummer.is_valid(number)) or (len(number) == 10 and cpr.is_valid(number)):
            found.append(match.group(0))
    return found


@dataclasses.dataclass
class Site:
    root: Path
    settings: Settings
    services: Services


def _retention(settings: Settings, root: Path) -> Settings:
    """The demo configuration plus a short rule for Mastodon (disposition can be tried) and a long default."""
    raw = (root / "socialarkiv.toml").read_text(encoding="utf-8")
    raw += ('\n[[retention]]\nname = "kort"\naccounts = ["demo-mastodon"]\nyears = 0\n'
            'basis = "Bevaringsplan punkt 9 (test)"\n'
            '\n[[retention]]\nname = "dialog-10"\nyears = 10\nbasis = "Bevaringsplan punkt 4.2"\n')
    import tomllib
    return parse_settings(tomllib.loads(raw), base=root, source=root / "socialarkiv.toml")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-demo")
    with ExitStack() as running:
        config, tokens, _ = start_demo_sources(running, root)
        settings = _retention(load_settings(config), root)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in tokens.items():
                patch.setenv(name, value)
            services = services_for(settings, clock=FixedClock(NIGHT))
            report = run(services, datetime(2026, 1, 1, tzinfo=UTC), NIGHT, run_id="night-1")
    assert not report.problems, report.summary()
    users = Users(services.catalog.engine)
    for role, name in USERS.items():
        users.add(name, role, PASSWORD, "2026-11-21T01:00:00Z")
    services.catalog.close()
    return root


def site_at(template: Path, target: Path, when: datetime = NIGHT) -> Site:
    shutil.copytree(template, target, symlinks=True)
    text = (target / "socialarkiv.toml").read_text(encoding="utf-8").replace(str(template), str(target))
    (target / "socialarkiv.toml").write_text(text, encoding="utf-8")
    settings = _retention(load_settings(target / "socialarkiv.toml"), target)
    return Site(target, settings, services_for(settings, clock=FixedClock(when)))


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = site_at(demo_template, tmp_path_factory.mktemp("site") / "demo")
    yield made
    made.services.catalog.close()
