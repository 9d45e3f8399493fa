"""Maintainer tool: regenerate the committed sample_data/ and the README screenshot.

    python -m scripts.regenerate_sample sample_data --screenshot docs/screenshot.svg

`tests/test_sample.py` checks that the committed files are what this writes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fieldnotes.sample import SAMPLE_CODEBOOK, SAMPLE_DB, SAMPLE_EXPORT, build_sample
from fieldnotes.service import FieldNotes

SAMPLE_PROJECT = "fieldnotes-sample.qdpx"
SAMPLE_DOCUMENTS = "nvivo-documents"
# The exports' time stamps (the .qdpx, the .xlsx sheets): fixed, so the files are byte-identical
SAMPLE_MOMENT = datetime(2016, 1, 31, 12, 0)
SAMPLE_SAVED = "2016-01-31T18:00:00"


def write_sample_data(folder: Path) -> None:
    """Write the committed sample: the TinyDB file, its NVivo export (CSV), its NVivo documents,
    its REFI-QDA project (for NVivo) and its codebook.

    Built in a scratch folder first, so no journal, lock or backup lands in `folder`.
    """
    import shutil
    import tempfile
    from unittest.mock import patch

    with tempfile.TemporaryDirectory(prefix="fieldnotes-sample-") as scratch:
        db = Path(scratch) / SAMPLE_DB
        # Registry records stamp when they were saved: the sample's clock is fixed.
        with (
            FieldNotes.open(db) as service,
            patch("fieldnotes.registries.now_stamp", return_value=SAMPLE_SAVED),
        ):
            build_sample(service)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, folder / SAMPLE_DB)
        with FieldNotes.open(db) as service:
            service.export_nvivo(Path(scratch) / SAMPLE_EXPORT)
            service.export_documents(Path(scratch) / SAMPLE_DOCUMENTS, moment=SAMPLE_MOMENT)
            service.export_qdpx(Path(scratch) / SAMPLE_PROJECT, researcher="researcher", moment=SAMPLE_MOMENT)
            service.export_qdc(Path(scratch) / SAMPLE_CODEBOOK)
        for name in (SAMPLE_EXPORT, SAMPLE_DOCUMENTS):
            shutil.rmtree(folder / name, ignore_errors=True)
            shutil.copytree(Path(scratch) / name, folder / name)
        for name in (SAMPLE_CODEBOOK, SAMPLE_PROJECT):
            shutil.copyfile(Path(scratch) / name, folder / name)
    for path in [folder / SAMPLE_DB, folder / SAMPLE_CODEBOOK, folder / SAMPLE_PROJECT]:
        path.chmod(0o644)  # sample data is fictional and meant to be read
    for name in (SAMPLE_EXPORT, SAMPLE_DOCUMENTS):
        for path in [folder / name, *(folder / name).rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def write_screenshot(path: Path, size: tuple[int, int] = (120, 34)) -> None:
    """An SVG of the app on the sample study, as the README shows it."""
    import asyncio
    import tempfile

    from fieldnotes.tui.app import FieldnotesApp

    async def shoot() -> None:
        with (
            tempfile.TemporaryDirectory(prefix="fieldnotes-shot-") as scratch,
            FieldNotes.open(Path(scratch) / SAMPLE_DB) as service,
        ):
            build_sample(service)
            app = FieldnotesApp(service, now=lambda: datetime(2016, 1, 27, 9, 0))
            app.sub_title = "sample study (fictional)"
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                app.screen.query_one("#search").value = "harm reduction"
                await pilot.pause()
                app.screen.query_one("#notes").focus()
                await pilot.pause()
                app.save_screenshot(filename=path.name, path=str(path.parent))

    path.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(shoot())


def main() -> None:
    """`python -m scripts.regenerate_sample [FOLDER] [--screenshot SVG]`: rewrite sample_data/
    (and the README picture)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m scripts.regenerate_sample", description=main.__doc__)
    parser.add_argument("folder", nargs="?", default="sample_data", type=Path)
    parser.add_argument(
        "--screenshot", type=Path, help="also save an SVG screenshot of the app on the sample"
    )
    args = parser.parse_args()
    write_sample_data(args.folder)
    if args.screenshot:
        write_screenshot(args.screenshot)


if __name__ == "__main__":
    main()
