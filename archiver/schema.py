"""Loads the project's schemas (``schemas/``) and validates documents against them.

Validation collects every violation and raises once (``SchemaViolation``); ``is_valid`` is the boolean twin.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from .errors import Problem, SchemaViolation

__all__ = ["is_valid_thread", "schema_dir", "schema_path", "thread_problems", "validate_thread"]


def schema_dir() -> Path:
    """The folder holding ``thread.schema.json`` and ``thread.xsd``: packaged copy first, then the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_schemas", here.parent / "schemas"):
        if (candidate / "thread.schema.json").is_file():
            return candidate
    raise FileNotFoundError("socialarkiv schemas not found: reinstall the package (pip install -e .)")


def schema_path(name: str) -> Path:
    return schema_dir() / name


@cache
def _thread_validator() -> Draft202012Validator:
    schema = json.loads(schema_path("thread.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def thread_problems(document: Any) -> list[Problem]:
    """Every violation of the thread schema, sorted by location, as ``Problem(json_path, message)``."""
    problems = [
        Problem(error.json_path, _message(error.message))
        for error in _thread_validator().iter_errors(document)
    ]
    return sorted(problems, key=lambda p: (p.where, p.message))


def validate_thread(document: Any, subject: str = "thread") -> None:
    problems = thread_problems(document)
    if problems:
        raise SchemaViolation(subject, problems)


def is_valid_thread(document: Any) -> bool:
    return not thread_problems(document)


def _message(text: str) -> str:
    # jsonschema quotes the offending value in its message; comment text is personal data and must not
    # travel into reports and logs in full.
    return text if len(text) <= 200 else text[:197] + "..."
