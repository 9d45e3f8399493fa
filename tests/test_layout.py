"""The README's layout names every module and package of fieldnotes: it matches the tree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def layout_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Layout") :]
    return section[: section.index("```", section.index("```") + 3)]


def modules(folder: Path) -> set[str]:
    """The packages and modules directly in `folder` (not dunder files)."""
    return {
        path.stem
        for path in folder.iterdir()
        if not path.name.startswith("__")
        and ((path.is_dir() and (path / "__init__.py").exists()) or path.suffix == ".py")
    }


def test_the_readme_layout_names_every_module_and_package() -> None:
    block = layout_block()
    package = ROOT / "fieldnotes"
    names = modules(package) | modules(package / "storage")
    missing = sorted(name for name in names if not re.search(rf"\b{re.escape(name)}\b", block))
    assert missing == [], f"the README's layout does not mention {missing}"
