"""Compare the three PDF/A-2b engines on the same threads: 5, 50, 500 and 5,000 comments, in two sets.

``nordic``: comments cycling through Norwegian and Danish letters, colour emoji, flags, a family sequence,
Chinese, Japanese and Korean and a long paragraph. ``mixed``: the same with Arabic and Hebrew comments, which
the direct engine hands to WeasyPrint. For each set, engine and size: seconds per thread (warm, in process),
file size, pages, which engine drew it (the PDF's Producer), whether every PDF/A property check passes, and
an image of the first page (``--images DIR``, with pdftoppm) to look at.

    .venv/bin/python -m bench.bench_pdf_engines [--sizes 5,50,500,5000] [--sets nordic,mixed] [--images DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pikepdf

from archiver.model import Attachment, Author, Comment, Completeness, Post, Provenance, Source, Thread
from archiver.package.pdfa import pdfa_problems
from archiver.render.pdf import ENGINES, pdf_renderer

RIGHT_TO_LEFT = ["مرحبا، متى سيتم فتح الطريق؟ (arabisk, høyre til venstre)", "שלום, מתי הכביש ייפתח? (hebraisk)"]
NORDIC = [
    "Blåbærsyltetøy og rødgrødmedfløde: æ ø å Æ Ø Å, ä ö ü, é è",
    "Takk for svar 👍😀🎉 — flott jobba! ❤️",
    "Flagg: 🇳🇴 🇩🇰 🇸🇪 🇫🇮 🇺🇦 og familien 👨‍👩‍👧‍👦",
    "道路什么时候开放？ 東京都 서울 (kinesisk, japansk, koreansk)",
    "Lang kommentar. " + "Vi lurer på når veien åpner igjen, og om bussen kjører som normalt. " * 6,
]
SAMPLES = [*NORDIC[:3], *RIGHT_TO_LEFT, *NORDIC[3:]]
SETS = {"nordic": NORDIC, "mixed": SAMPLES}


def thread(comments: int, samples: list[str] = SAMPLES) -> Thread:
    org = Author(id="1", display_name="Demo kommune", is_organisation=True)
    post = Post(id="p1", author=org, created_at="2026-10-01T08:00:00Z",
                text="Kirkegata er stengt for gjennomkjøring 🚧 — spørsmål? Skriv her.",
                attachments=(Attachment(type="photo", url=None, alt_text="Kart over omkjøringen"),))
    items = tuple(
        Comment(id=f"c{n}", author=Author(id=f"u{n % 97}", display_name=f"Innbygger {n % 97} Ødegård"),
                created_at=f"2026-10-01T{8 + n // 3600 % 12:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                text=samples[n % len(samples)], parent_id=None if n % 4 == 0 else f"c{n - n % 4}",
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
    parser.add_argument("--sets", default="nordic,mixed")
    parser.add_argument("--images", type=Path, help="write page-1 PNGs here (pdftoppm)")
    args = parser.parse_args(argv)
    renderers = {engine: pdf_renderer(engine) for engine in ENGINES}
    for renderer in renderers.values():  # warm: fonts, images and imports loaded once, as in a worker
        renderer.render_thread(thread(5), io.BytesIO(), rendered_at="2026-11-02T01:30:00Z")
    rows = []
    for name in args.sets.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            subject = thread(size, SETS[name])
            for engine, renderer in renderers.items():
                out = io.BytesIO()
                started = time.perf_counter()
                renderer.render_thread(subject, out, rendered_at="2026-11-02T01:30:00Z")
                seconds = time.perf_counter() - started
                data = out.getvalue()
                with pikepdf.open(io.BytesIO(data)) as pdf:
                    pages, producer = len(pdf.pages), str(pdf.docinfo.Producer)
                drawn = next(k for k in ("direct", "WeasyPrint", "Ghostscript") if k in producer)
                row = {"set": name, "comments": size, "engine": engine, "drawn by": drawn, "seconds": round(seconds, 3),
                       "bytes": len(data), "pages": pages,
                       "pdfa_problems": [str(p) for p in pdfa_problems(data, f"{engine}-{size}.pdf")]}
                if args.images:
                    args.images.mkdir(parents=True, exist_ok=True)
                    pdf_file = args.images / f"{name}-{engine}-{size}.pdf"
                    pdf_file.write_bytes(data)
                    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf_file),
                                    str(args.images / f"{name}-{engine}-{size}")], check=True)
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    print("\n| set | comments | engine | drawn by | seconds | size (KB) | pages | PDF/A checks |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        checks = "pass" if not row["pdfa_problems"] else f"{len(row['pdfa_problems'])} problem(s)"
        print(f"| {row['set']} | {row['comments']:,} | {row['engine']} | {row['drawn by']} | {row['seconds']} | "
              f"{row['bytes'] // 1024:,} | {row['pages']} | {checks} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
