"""Widgets of the fieldnotes app."""
