"""pytest-assay-ml: Assay test specs as pytest items."""
