"""Sensitive personal data: structured identifiers (``identifiers``), word lists (``lexicons``) and the
detector (``detector``) that turns comment text into findings."""

from .detector import CATEGORIES, Detector, Finding, OrganisationProfile

__all__ = ["CATEGORIES", "Detector", "Finding", "OrganisationProfile"]
