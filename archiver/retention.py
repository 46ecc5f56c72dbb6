"""The retention schedule (bevaring og kassasjon): which lock a stored package gets, and when it may go.

Pure: rules from the configuration (``[[retention]]``) map an account and a classification to a period in
years or to permanent preservation, with the legal basis as text. The first matching rule wins; a package no
rule matches is preserved permanently (an archive never disposes of a record by omission).

A period is counted in whole years from the end of the year the package was created (the practice of
Norwegian and Danish disposal schedules: "kasseres etter 5 år" is five years after the year ends). Permanent
preservation is a COMPLIANCE lock of ``permanent_lock_years`` (100 by default) that the store may extend; it
is never listed for disposition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase

from .clock import format_ts, parse_ts

__all__ = ["PERMANENT_RULE", "Lock", "RetentionRule", "RetentionSchedule"]


@dataclass(frozen=True)
class RetentionRule:
    name: str
    accounts: tuple[str, ...] = ("*",)          # account keys; shell patterns
    classifications: tuple[str, ...] = ("*",)   # the account's classification; shell patterns
    years: int | None = None                    # None: permanent preservation
    basis: str = ""                             # the legal basis or disposal-schedule reference, as text

    def matches(self, account_key: str, classification: str) -> bool:
        return (any(fnmatchcase(account_key, p) for p in self.accounts)
                and any(fnmatchcase(classification, p) for p in self.classifications))

    @property
    def permanent(self) -> bool:
        return self.years is None


PERMANENT_RULE = RetentionRule("bevares", years=None,
                               basis="No retention rule matched: preserved permanently until a rule says otherwise")


@dataclass(frozen=True)
class Lock:
    """The write-once lock a package is stored under (S3 Object Lock COMPLIANCE, or the filesystem's record)."""

    retain_until: str          # ISO 8601 UTC
    rule: str
    basis: str
    permanent: bool
    mode: str = "COMPLIANCE"
    legal_hold: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"mode": self.mode, "retain_until": self.retain_until, "rule": self.rule, "basis": self.basis,
                "permanent": self.permanent, "legal_hold": self.legal_hold}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Lock:
        return cls(retain_until=str(data["retain_until"]), rule=str(data["rule"]), basis=str(data["basis"]),
                   permanent=bool(data["permanent"]), mode=str(data.get("mode", "COMPLIANCE")),
                   legal_hold=bool(data.get("legal_hold", False)))


@dataclass(frozen=True)
class RetentionSchedule:
    rules: tuple[RetentionRule, ...] = ()
    permanent_lock_years: int = 100

    def rule_for(self, account_key: str, classification: str) -> RetentionRule:
        for rule in self.rules:
            if rule.matches(account_key, classification):
                return rule
        return PERMANENT_RULE

    def lock_for(self, account_key: str, classification: str, created: str, *, legal_hold: bool = False) -> Lock:
        rule = self.rule_for(account_key, classification)
        years = self.permanent_lock_years if rule.years is None else rule.years
        year = parse_ts(created).astimezone(UTC).year
        until = datetime(year + 1 + years, 1, 1, tzinfo=UTC)
        return Lock(retain_until=format_ts(until), rule=rule.name, basis=rule.basis, permanent=rule.permanent,
                    legal_hold=legal_hold)
