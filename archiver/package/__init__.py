"""Archive packages: layout, manifest and fixity, assembly and offline verification."""
