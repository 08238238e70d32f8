"""Installing zhspeech as a user would (a wheel, not an editable checkout): the bundled
lexicons and reference tables travel inside the package, byte for byte the files of
data/, and the installed command works from a folder outside the repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import zhspeech as zs
from test_bad_input import EXPECTED_FREQ, SPEECH

ROOT = zs.paths.project_root()
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".cache",
                                    "reports", "notebooks", "benchmarks", ".pytest_cache", ".hypothesis")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the source tree (the checkout stays untouched)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=NOT_COPIED)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "--no-index", "--disable-pip-version-check", "-w", str(tmp / "dist"), str(src)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [whl] = (tmp / "dist").glob("zhspeech-*.whl")
    return whl


def test_wheel_carries_data_identical_to_the_data_folder(wheel):
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n: zf.read(n) for n in zf.namelist() if n.startswith("zhspeech/data/") and not n.endswith("/")}
    expected = {f"zhspeech/data/{p.relative_to(ROOT / 'data').as_posix()}": p.read_bytes()
                for sub in ("lexicons", "reference") for p in sorted((ROOT / "data" / sub).iterdir()) if p.is_file()}
    expected["zhspeech/data/__init__.py"] = (ROOT / "data" / "__init__.py").read_bytes()
    assert shipped == expected  # the same files, the same bytes; data/raw/ (the sample) stays out


def test_installed_wheel_runs_freq_and_themes_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # Dependencies come from this environment (no network); its editable zhspeech does
    # not, because a .pth-listed folder's own .pth files are not run.
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
                    "--no-index", "--disable-pip-version-check", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "speech.txt").write_text(SPEECH, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("ZHSPEECH_DATA", "PYTHONPATH")}
    env["ZHSPEECH_CACHE"] = str(tmp_path / "cache")

    where = subprocess.run([py, "-c", "import zhspeech, zhspeech.paths as p; print(zhspeech.__file__); "
                                      "print(p.lexicon('themes.yaml'))"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(w).is_relative_to(site) for w in where), where

    zhspeech = venv / "bin" / "zhspeech"
    freq = subprocess.run([zhspeech, "freq", "speech.txt", "--top", "4", "--format", "csv"],
                          cwd=work, env=env, capture_output=True, text=True)
    assert (freq.returncode, freq.stderr, freq.stdout) == (0, "", EXPECTED_FREQ)
    themes = subprocess.run([zhspeech, "themes", "speech.txt", "--format", "csv"],
                            cwd=work, env=env, capture_output=True, text=True)
    assert (themes.returncode, themes.stderr) == (0, "")
    rows = {line.split(",")[2]: line.split(",")[3:5] for line in themes.stdout.splitlines()[1:]}
    # 73 hanzi; 基层治理 theme: 基层治理 ×3 + 社会治理; 脱贫攻坚 ×2; 人才 (in 人才工作).
    assert rows["基层治理"] == ["4", "54.795"]
    assert rows["脱贫攻坚"] == ["2", "27.397"]
    assert rows["人才"] == ["1", "13.699"]
    assert rows["疫情防控"] == ["0", "0.0"]
