"""Exports for analysis tools (NVivo CSV, REFI-QDA .qdc and .qdpx) and import back."""

from fieldnotes.export.common import ExportReport, OutputExistsError
from fieldnotes.export.importer import ImportError_, ImportReport

__all__ = ["ExportReport", "ImportError_", "ImportReport", "OutputExistsError"]
