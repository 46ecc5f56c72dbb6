"""Schema examples double as tests: every valid example validates, every invalid one fails for the reason in
its name (``<json path>__<why>.json``; ``root`` is the document itself)."""

import json
from pathlib import Path

import pytest

from archiver.errors import SchemaViolation
from archiver.model import Thread
from archiver.schema import is_valid_thread, thread_problems, validate_thread

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in VALID])
def test_valid_examples_validate_and_round_trip(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    assert thread_problems(document) == []
    assert Thread.from_dict(document).to_dict() == document


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in INVALID])
def test_invalid_examples_fail_for_the_reason_in_their_name(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    expected = "$" if path.stem.startswith("root__") else "$." + path.stem.split("__")[0]
    problems = thread_problems(document)
    assert problems, f"{path.name} validated"
    assert any(p.where == expected for p in problems), [str(p) for p in problems]
    assert not is_valid_thread(document)


def test_validation_collects_every_violation_and_raises_once():
    document = json.loads(VALID[0].read_text(encoding="utf-8"))
    document["post"]["visibility"] = "gone"
    document["comments"][0]["created_at"] = "yesterday"
    document["source"]["platform"] = "myspace"
    with pytest.raises(SchemaViolation) as caught:
        validate_thread(document, "thread X")
    wheres = {p.where for p in caught.value.problems}
    assert {"$.post.visibility", "$.comments[0].created_at", "$.source.platform"} <= wheres
    assert "thread X is invalid (" in str(caught.value)


def test_walk_is_depth_first_and_survives_deep_and_cyclic_trees():
    document = json.loads(VALID[0].read_text(encoding="utf-8"))
    thread = Thread.from_dict(document)
    order = [(c.id, depth) for c, depth in thread.walk()]
    assert len(order) == len(thread.comments)
    by_id = {c.id: c for c in thread.comments}
    for (cid, depth) in order:
        parent = by_id[cid].parent_id
        assert depth == 0 if parent is None else depth >= 1
    base = thread.comments[0]
    from dataclasses import replace

    deep = [replace(base, id="c0", parent_id=None)] + [replace(base, id=f"c{i}", parent_id=f"c{i - 1}")
                                                       for i in range(1, 10_000)]
    cyclic = [replace(base, id="a", parent_id="b"), replace(base, id="b", parent_id="a")]
    assert [d for _, d in replace(thread, comments=tuple(deep)).walk()][-1] == 9_999
    assert sorted(c.id for c, _ in replace(thread, comments=tuple(cyclic)).walk()) == ["a", "b"]
