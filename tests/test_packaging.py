"""The set-up contract: two commands, one dependency list in two files, CI runs the
README's test command, and the sample speech is in data/raw/ unchanged."""
import hashlib
import re
import tomllib
from pathlib import Path

import yaml

import zhspeech as zs

ROOT = zs.paths.project_root()


def _names(specs):
    out = set()
    for spec in specs:
        name = re.split(r"[<>=!~\[ ]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")
        if name and name not in ("python", "pip", "-e"):
            out.add(name)
    return out


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = _names(project["dependencies"]) | _names(extras["test"]) | _names(extras["lab"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip[-1] == "-e .", "environment.yml must end with the project itself"
    assert _names(conda) | _names(pip[:-1]) == wanted


def test_readme_starts_with_the_two_commands_and_ci_runs_make_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "make report" in first_block and "make test" in first_block
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test", ci, re.M)


def test_sample_speech_is_the_seed_unchanged():
    ours = zs.paths.sample_speech().read_bytes()
    assert hashlib.sha256(ours).hexdigest()[:16] == "e5ecf0edaca9f6b2"
    assert len(ours) == 25096
    shared = ROOT.parent / "shared" / "seed" / zs.paths.sample_speech().name
    if shared.is_file():
        assert shared.read_bytes() == ours
    assert "Source" in (zs.paths.raw_dir() / "SOURCES.md").read_text(encoding="utf-8")


def test_package_is_imported_from_lib_not_as_lib():
    assert Path(zs.__file__).resolve().parent == ROOT / "lib" / "zhspeech"
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "sys.path" not in text and "!pip" not in text and "os.chdir" not in text, path.name


def test_notebooks_leave_no_temporary_folders_behind():
    # mkdtemp/mkstemp leave their folder or file in $TMPDIR on every run; notebooks use
    # tempfile.TemporaryDirectory() blocks, which delete theirs.
    for path in (ROOT / "notebooks").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "mkdtemp(" not in text and "mkstemp(" not in text, path.name
