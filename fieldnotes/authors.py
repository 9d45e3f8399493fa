"""Who is making a change: the one rule every record that names its author follows.

The researcher set with `fieldnotes project set --researcher`, else the
FIELDNOTES_AUTHOR environment variable, else the login name, else "researcher".
"""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldnotes.registries import Registries

AUTHOR_ENV = "FIELDNOTES_AUTHOR"


def current_author(registries: Registries | None = None) -> str:
    """The author of a change made now (see the module)."""
    if registries is not None:
        researcher = registries.project().researcher.strip()
        if researcher:
            return researcher
    from_env = os.environ.get(AUTHOR_ENV, "").strip()
    if from_env:
        return from_env
    try:
        return getpass.getuser() or "researcher"
    except (OSError, KeyError):
        return "researcher"
