"""Renditions of a thread: XML (pure), HTML (pure) and PDF/A (adapter around wkhtmltopdf and Ghostscript)."""
