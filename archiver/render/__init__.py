"""Renditions of a thread: XML (pure), the view values and HTML (pure), and PDF/A-2b through one of the engines
(``pdf.py``: the direct engine of ``direct.py``, WeasyPrint, or wkhtmltopdf and Ghostscript)."""

__all__ = ["ENGINES"]

# the values of [archive] pdf_engine; here, so that the configuration can check one without loading an engine
ENGINES = ("direct", "weasyprint", "wkhtmltopdf")
