"""fieldnotes: quick capture of qualitative field notes, ready for NVivo."""

__version__ = "0.1.0"
