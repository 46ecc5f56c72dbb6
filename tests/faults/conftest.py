"""What every fault case ends with: a verified archive in which nothing is lost or duplicated."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from archiver.catalog import Catalog
from archiver.fakes.graph import FakePage
from archiver.package.verify import verify_tree


def assert_whole_archive(store: Path, page: FakePage, catalog_url: str) -> None:
    """Every post of ``page`` is archived with every comment the source has; its versions are v00001.. without
    a gap or a duplicate; every package verifies (checksums, METS, PREMIS, XSD, PDF/A); the catalog's head is
    the store's; nothing half-written lies among the packages."""
    packages = store / "packages"
    results = verify_tree(packages)
    assert {k: v for k, v in results.items() if v} == {}, "a package does not verify"
    catalog = Catalog(catalog_url)
    try:
        for post in page.posts:
            thread_dir = packages / "facebook" / page.id / post.id
            versions = sorted(p.name for p in thread_dir.iterdir())
            assert versions == [f"v{n:05d}" for n in range(1, len(versions) + 1)], (post.id, versions)
            latest = json.loads((thread_dir / versions[-1] / "representations/normalised/data/thread.json"
                                 ).read_text(encoding="utf-8"))
            kept = {comment["id"] for comment in latest["comments"]}
            assert {c["id"] for c in post.comments} <= kept, f"comments of {post.id} were lost"
            state = catalog.thread("facebook", page.id, post.id)
            assert state is not None and state.head_version == len(versions), (post.id, state)
            key = {"platform": "facebook", "account": page.id, "post": post.id}
            with catalog.engine.connect() as connection:
                indexed = connection.execute(text(
                    "SELECT version FROM versions WHERE platform = :platform AND account_id = :account AND "
                    "post_id = :post ORDER BY version"), key).scalars().all()
                head = connection.execute(text(
                    "SELECT head_version FROM thread_index WHERE platform = :platform AND account_id = :account "
                    "AND post_id = :post"), key).scalar()
            assert indexed == list(range(1, len(versions) + 1)) and head == len(versions), (post.id, indexed, head)
    finally:
        catalog.engine.dispose()
    assert not [p for p in packages.rglob("*") if ".staging" in p.parts or p.name.startswith(".tmp")]
