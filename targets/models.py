"""Filled by its own issue (see DESIGN.md)."""
