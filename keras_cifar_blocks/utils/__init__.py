"""Helpers shared across the package (argument validation)."""
