"""Schedule importers, raw-file scan, association of raw files with talks, marks."""
