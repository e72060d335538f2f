"""pytest-assay: Assay test specs as pytest items."""
