"""Codebooks to pre-load: CSV (name, parent, description[, origin]) or a REFI-QDA .qdc."""

from __future__ import annotations

import csv
from pathlib import Path
from xml.etree import ElementTree

from fieldnotes.errors import ImportRefusedError
from fieldnotes.export.refi import HISTORY_MARK
from fieldnotes.model import CODE_ORIGINS, Code, new_id


def read_codebook(path: Path) -> list[Code]:
    """The codes in a codebook file (CSV, .qdc, or the codebook of a .qdpx project),
    parents before children where the file nests them."""
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        return read_qdc(path)
    if suffix == ".qdpx":
        from fieldnotes.importing.qdpx import _open_project, case_guids

        archive, root = _open_project(path)
        archive.close()
        cases = case_guids(root)  # QualCoder-style case codes are cases, not codes
        return [code for code in codes_in(root) if code.guid.lower() not in cases]
    return read_codebook_csv(path)


def read_codebook_csv(path: Path) -> list[Code]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except UnicodeDecodeError:
        raise ImportRefusedError(f"{path.name} is not UTF-8 text") from None
    codes = []
    for number, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        name = row.get("name") or row.get("code") or ""
        if not name:
            raise ImportRefusedError(
                f"{path.name} line {number}: no name (columns: name, parent, description)"
            )
        origin = (row.get("origin") or "deductive").lower()
        if origin not in CODE_ORIGINS:
            raise ImportRefusedError(
                f"{path.name} line {number}: origin {origin!r} is not deductive or inductive"
            )
        codes.append(
            Code(name, description=row.get("description", ""), parent=row.get("parent", ""), origin=origin)
        )
    return codes


def read_qdc(path: Path) -> list[Code]:
    """Codes from a REFI-QDA codebook (.qdc), parents from the nesting, origin from
    our own "Origin:" line when present (deductive otherwise: a codebook made in advance)."""
    from xml.etree import ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ImportRefusedError(f"{path.name} is not a readable .qdc file: {exc}") from None
    return codes_in(root)


def codes_in(root: ElementTree.Element) -> list[Code]:
    """The codes under the first `Codes` element of a .qdc or a project.qde."""
    codes: list[Code] = []

    def walk(element: ElementTree.Element, parent: str) -> None:
        for child in element:
            if child.tag.rsplit("}", 1)[-1] != "Code":
                continue
            name = child.get("name", "").strip()
            description = ""
            for part in child:
                if part.tag.rsplit("}", 1)[-1] == "Description":
                    description = part.text or ""
            description = description.split(f"\n\n{HISTORY_MARK}\n", 1)[0]  # our .qdc's code history
            origin = "deductive"
            text, _, last = description.rpartition("Origin: ")
            if last.strip() in ("deductive", "inductive") and (not text or text.endswith("\n\n")):
                origin, description = last.strip(), text.rstrip("\n")
            codes.append(
                Code(
                    name,
                    description=description,
                    parent=parent,
                    origin=origin,
                    guid=child.get("guid") or new_id(),
                    color=child.get("color", ""),
                )
            )
            walk(child, name)

    for codes_el in root.iter():
        if codes_el.tag.rsplit("}", 1)[-1] == "Codes":
            walk(codes_el, "")
            break
    return codes
