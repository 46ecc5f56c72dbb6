"""Compare the two PDF/A-2b engines on the same HTML template: threads of 5, 50, 500 and 5,000 comments.

For each engine and size: seconds per thread, file size, pages, whether every PDF/A property check passes, and
page images of the first page (``--images DIR``, with pdftoppm) to look at the fidelity of Norwegian and Danish
letters, colour emoji, flags, right-to-left and CJK text.

    .venv/bin/python -m bench.bench_pdf_engines [--sizes 5,50,500,5000] [--images var/bench/pdf-images]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from archiver.model import Attachment, Author, Comment, Completeness, Post, Provenance, Source, Thread
from archiver.package.pdfa import pdfa_problems
from archiver.render.html import pdf_title, render_html
from archiver.render.pdf import ENGINES, pdf_renderer

CREATED = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
SAMPLES = [
    "Blåbærsyltetøy og rødgrødmedfløde: æ ø å Æ Ø Å, ä ö ü, é è",
    "Takk for svar 👍😀🎉 — flott jobba! ❤️",
    "Flagg: 🇳🇴 🇩🇰 🇸🇪 🇫🇮 🇺🇦 og familien 👨‍👩‍👧‍👦",
    "مرحبا، متى سيتم فتح الطريق؟ (arabisk, høyre til venstre)",
    "שלום, מתי הכביש ייפתח? (hebraisk)",
    "道路什么时候开放？ 東京都 서울 (kinesisk, japansk, koreansk)",
    "Lang kommentar. " + "Vi lurer på når veien åpner igjen, og om bussen kjører som normalt. " * 6,
]


def thread(comments: int) -> Thread:
    org = Author(id="1", display_name="Demo kommune", is_organisation=True)
    post = Post(id="p1", author=org, created_at="2026-10-01T08:00:00Z",
                text="Kirkegata er stengt for gjennomkjøring 🚧 — spørsmål? Skriv her.",
                attachments=(Attachment(type="photo", url=None, alt_text="Kart over omkjøringen"),))
    items = tuple(
        Comment(id=f"c{n}", author=Author(id=f"u{n % 97}", display_name=f"Innbygger {n % 97} Ødegård"),
                created_at=f"2026-10-01T{8 + n // 3600 % 12:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                text=SAMPLES[n % len(SAMPLES)], parent_id=None if n % 4 == 0 else f"c{n - n % 4}",
)
        for n in range(comments))
    source = Source(platform="facebook", account_id="1", account_name="Demo kommune", post_id="p1", permalink=None)
    provenance = Provenance(capture_started_at="2026-11-02T01:00:00Z", capture_ended_at="2026-11-02T01:01:00Z",
                            connector="bench", connector_version="1", api="graph", api_version="v23.0",
                            requests=1, completeness=Completeness(comments, comments, True))
    return Thread(source=source, post=post, comments=items, provenance=provenance)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,50,500,5000")
    parser.add_argument("--images", type=Path, help="write page-1 PNGs here (pdftoppm)")
    args = parser.parse_args(argv)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        subject = thread(size)
        html = render_html(subject, rendered_at="2026-11-02T01:30:00Z")
        for engine in ENGINES:
            out = io.BytesIO()
            started = time.perf_counter()
            pdf_renderer(engine).render(html, out, title=pdf_title(subject), created=CREATED)
            seconds = time.perf_counter() - started
            data = out.getvalue()
            problems = pdfa_problems(data, f"{engine}-{size}.pdf")
            pages = data.count(b"/Type /Page\n") or data.count(b"/Type/Page")
            row = {"engine": engine, "comments": size, "seconds": round(seconds, 2), "bytes": len(data),
                   "pdfa_problems": [str(p) for p in problems]}
            if args.images:
                args.images.mkdir(parents=True, exist_ok=True)
                pdf_file = args.images / f"{engine}-{size}.pdf"
                pdf_file.write_bytes(data)
                subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf_file),
                                str(args.images / f"{engine}-{size}")], check=True)
                info = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True).stdout
                pages = int(next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), 0))
            row["pages"] = pages
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    print("\n| comments | engine | seconds | size (KB) | pages | PDF/A checks |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        checks = "pass" if not row["pdfa_problems"] else f"{len(row['pdfa_problems'])} problem(s)"
        print(f"| {row['comments']:,} | {row['engine']} | {row['seconds']} | {row['bytes'] // 1024:,} | "
              f"{row['pages']} | {checks} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
