"""Every command in the README works as written (where it can run headless)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_the_two_fresh_machine_commands_are_near_the_top() -> None:
    top = "\n".join(README.splitlines()[:30])
    assert "pip install -e . && fieldnotes" in top
    assert 'pip install -e ".[test]" && pytest' in top
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]" && pytest' in ci  # CI runs exactly the README's test command


def test_cli_blocks_run_as_written(tmp_path: Path) -> None:
    blocks = bash_blocks()
    assert len(blocks) >= 3
    env = {
        **os.environ,
        "FIELDNOTES_DB": str(tmp_path / "db" / "fieldnotes.json"),
        "HOME": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for number, block in enumerate(blocks, start=1):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        assert result.returncode == 0, f"README bash block {number} failed:\n{block}\n{result.stderr}"
        assert "Traceback" not in result.stderr
    assert (tmp_path / "nvivo-export" / "notes.csv").exists()
    assert (tmp_path / "fieldwork.qdpx").exists() and (tmp_path / "codebook.qdc").exists()
    shared = (tmp_path / "shareable" / "notes.csv").read_text(encoding="utf-8-sig")
    assert "P-01's account" in shared and "Dana" not in shared  # the pseudonymised export


def test_readme_shows_the_committed_screenshot() -> None:
    match = re.search(r"!\[[^\]]*\]\(([^)]+\.svg)\)", README)
    assert match and (ROOT / match.group(1)).exists()
