"""Dialogs of the fieldnotes app: modal screens over the screen they were opened from, one per module."""
