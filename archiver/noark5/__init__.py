"""Noark 5 arkivuttrekk: the extraction (``extract``), its publication (``export``) and Arkade-style checks
(``check``)."""
