"""Screens and dialogs of the fieldnotes app."""
