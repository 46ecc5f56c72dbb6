"""Loads the project's schemas (``schemas/``) and validates documents against them.

Validation collects every violation and raises once (``SchemaViolation``); ``is_valid`` is the boolean twin.
The verdict is jsonschema's. jsonschema-rs (about a hundred times faster) answers first: a document it accepts
is accepted, since its checks are the stricter ones here (it checks the ``date-time`` and ``uri`` formats,
which jsonschema's default checker leaves alone, and ECMA patterns, where Python's are more lenient); a
document it rejects goes to jsonschema, which decides and words the problems.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
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
def _thread_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_path("thread.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def _thread_validator() -> Draft202012Validator:
    return Draft202012Validator(_thread_schema(), format_checker=FormatChecker())


@cache
def _fast_thread_validator() -> Any:
    return jsonschema_rs.Draft202012Validator(_thread_schema(), validate_formats=True)


def thread_problems(document: Any) -> list[Problem]:
    """Every violation of the thread schema, sorted by location, as ``Problem(json_path, message)``."""
    if _fast_accepts(document):
        return []
    problems = [
        Problem(error.json_path, _message(error.message))
        for error in _thread_validator().iter_errors(document)
    ]
    return sorted(problems, key=lambda p: (p.where, p.message))


def _fast_accepts(document: Any) -> bool:
    try:
        return bool(_fast_thread_validator().is_valid(document))
    except (ValueError, TypeError, OverflowError):  # a value it cannot read (a lone surrogate, a huge int)
        return False


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
