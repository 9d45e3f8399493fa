"""Maintainer tool: regenerate the committed sample_data/ and the README screenshot.

    python -m scripts.regenerate_sample sample_data --screenshot docs/screenshot.svg

`tests/test_sample.py` checks that the committed files are what this writes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fieldnotes.sample import SAMPLE_CODEBOOK, SAMPLE_DB, SAMPLE_EXPORT, build_sample
from fieldnotes.service import FieldNotes


def write_sample_data(folder: Path) -> None:
    """Write the committed sample: the TinyDB file, its NVivo export and its codebook.

    Built in a scratch folder first, so no journal, lock or backup lands in `folder`.
    """
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fieldnotes-sample-") as scratch:
        db = Path(scratch) / SAMPLE_DB
        with FieldNotes.open(db) as service:
            build_sample(service)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, folder / SAMPLE_DB)
        with FieldNotes.open(db) as service:
            service.export_nvivo(Path(scratch) / SAMPLE_EXPORT)
            service.export_qdc(Path(scratch) / SAMPLE_CODEBOOK)
        shutil.rmtree(folder / SAMPLE_EXPORT, ignore_errors=True)
        shutil.copytree(Path(scratch) / SAMPLE_EXPORT, folder / SAMPLE_EXPORT)
        shutil.copyfile(Path(scratch) / SAMPLE_CODEBOOK, folder / SAMPLE_CODEBOOK)
    for path in [folder / SAMPLE_DB, folder / SAMPLE_CODEBOOK, *(folder / SAMPLE_EXPORT).iterdir()]:
        path.chmod(0o644)  # sample data is fictional and meant to be read
    (folder / SAMPLE_EXPORT).chmod(0o755)


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
