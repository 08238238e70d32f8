"""The bad-input matrix: every mistake a demanding user makes on the command line.

Each case asserts the exit status (2 for a user mistake; 0, 1 or 130 where stated),
exactly one line on stderr naming the file or option (none on success), no traceback,
and that every input file is byte-for-byte unchanged afterwards (sha256).

Most cases run ``zhspeech.cli.main`` in this process (fast); the ones that need a
real process — stdout on a full disk, Ctrl-C, concurrent runs, a non-root user — run
the installed ``zhspeech`` command.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import zhspeech as zs
from zhspeech.cli import main

ZHSPEECH = str(Path(sys.executable).with_name("zhspeech"))

# Our own sentences (never corpus text), in the shape of a short speech.
SPEECH = ("关于基层治理的几点意见\n同志们：\n"
          "一、加强基层治理。基层治理是社会治理的基础，要把人才工作放在突出位置。\n"
          "二、巩固脱贫攻坚成果。脱贫攻坚取得决定性胜利，乡村振兴全面推进。\n")
OTHER = ("在教师座谈会上的发言\n各位老师：\n"
         "今年我们重点抓人才培养，人才是第一资源。\n"
         "同时要推进乡村振兴，办好乡村学校。\n")
# One byte 0xFF put in after 关于基层治理 (6 characters × 3 bytes = byte offset 18).
DAMAGED = SPEECH.encode("utf-8")[:18] + b"\xff" + SPEECH.encode("utf-8")[18:]
CUSTOM = """version: test
themes:
  治理:
    description: 治理相关
    terms: [基层治理, 社会治理]
  我的主题:
    description: 自定义
    terms: [乡村振兴, 决定性胜利]
"""
# A few hundred bytes that expand to 9**8 strings if aliases are followed.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefg", "bcdefgh"))
ALIAS_BOMB_TERMS = "version: x\nthemes:\n  人才:\n    terms: &t [人才, 人才工作]\n  干部:\n    terms: *t\n"


@pytest.fixture
def inputs(tmp_path):
    """A folder of input files (speeches, damaged files, lexicons) and a place for outputs."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "speech.txt").write_text(SPEECH, encoding="utf-8")
    (d / "other.txt").write_text(OTHER, encoding="utf-8")
    (d / "docs").mkdir()
    (d / "docs" / "a.txt").write_text(SPEECH, encoding="utf-8")
    (d / "docs" / "b.txt").write_text(OTHER, encoding="utf-8")
    (d / "nothing").mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02\x03abc\x00\x07" * 40)
    (d / "damaged.txt").write_bytes(DAMAGED)
    (d / "page.rtf").write_text("{\\rtf1 text}", encoding="utf-8")
    (d / "custom.yaml").write_text(CUSTOM, encoding="utf-8")
    (d / "malformed.yaml").write_text("themes: [", encoding="utf-8")
    (d / "bomb.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    (d / "bomb_terms.yaml").write_text(ALIAS_BOMB_TERMS, encoding="utf-8")
    (d / "huge.csv").write_text("theme,term\n人才," + "人" * 200_000 + "\n", encoding="utf-8")
    (d / "notes").mkdir()
    (d / "notes" / "mine.md").write_text("my own notes\n", encoding="utf-8")
    os.symlink(d / "speech.txt", d / "link.txt")
    os.link(d / "other.txt", d / "hardlink.txt")
    out = tmp_path / "out"
    out.mkdir()
    return {"in": d, "out": out, "S": str(d / "speech.txt"), "O": str(d / "other.txt"), "tmp": tmp_path}


def digests(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def assert_one_line(err: str, *expected: str):
    """Exactly one line on stderr, in the zhspeech format, containing every ``expected``."""
    lines = err.splitlines()
    assert len(lines) == 1, err[:2000]
    assert lines[0].startswith(("zhspeech: error: ", "zhspeech: warning: ", "zhspeech: interrupted",
                                "zhspeech: internal error: ")), lines[0][:300]
    assert "Traceback" not in err
    assert len(lines[0]) <= 400, f"{len(lines[0])} characters"
    for e in expected:
        assert e in lines[0], (e, lines[0][:400])


# (case id, argv with {placeholders}, exit status, text the one stderr line must contain,
#  or None when stderr must be empty)
CASES = [
    # outputs that would destroy an input, or each other
    ("clean-out-is-input", ["clean", "{S}", "--out", "{S}"], 2, ["--out", "speech.txt", "input"]),
    ("freq-out-is-input", ["freq", "{S}", "--out", "{S}"], 2, ["--out", "speech.txt"]),
    ("clean-log-is-input", ["clean", "{S}", "--log", "{S}"], 2, ["--log", "speech.txt"]),
    ("clean-out-equals-log", ["clean", "{S}", "--out", "{out}/x.txt", "--log", "{out}/x.txt"], 2, ["--log", "--out"]),
    ("out-is-symlink-to-input", ["clean", "{S}", "--out", "{in}/link.txt"], 2, ["--out", "link.txt"]),
    ("out-is-hardlink-to-input", ["freq", "{O}", "--out", "{in}/hardlink.txt"], 2, ["--out", "hardlink.txt"]),
    ("out-is-file-of-input-folder", ["freq", "{in}/docs", "--out", "{in}/docs/a.txt"], 2, ["--out", "a.txt"]),
    ("out-is-the-lexicon", ["themes", "{S}", "--lexicon", "{in}/custom.yaml", "--out", "{in}/custom.yaml"], 2,
     ["--out", "custom.yaml"]),
    ("compare-out-is-second-input", ["compare", "{S}", "{O}", "--out", "{O}"], 2, ["--out", "other.txt"]),
    # ranges
    ("top-negative", ["freq", "{S}", "--top", "-1"], 2, ["--top", "at least 1"]),
    ("top-zero", ["freq", "{S}", "--top", "0"], 2, ["--top"]),
    ("top-not-a-number", ["freq", "{S}", "--top", "x"], 2, ["--top", "'x'"]),
    ("depth-zero", ["sections", "{S}", "--depth", "0"], 2, ["--depth"]),
    ("window-negative", ["kwic", "{S}", "治理", "--window", "-5"], 2, ["--window"]),
    ("compare-top-zero", ["compare", "{S}", "--show", "keyness", "--top", "0"], 2, ["--top"]),
    # kwic terms
    ("kwic-invalid-regex", ["kwic", "{S}", "(", "--regex"], 2, ["TERM", "invalid regular expression"]),
    ("kwic-empty-term", ["kwic", "{S}", ""], 2, ["TERM", "empty"]),
    # where outputs go
    ("out-missing-folder-created", ["freq", "{S}", "--out", "{out}/new/deeper/x.csv"], 0, None),
    ("out-onto-folder", ["freq", "{S}", "--out", "{out}"], 2, ["--out", "is a folder"]),
    ("out-on-full-disk", ["freq", "{S}", "--out", "/dev/full"], 2, ["--out", "/dev/full", "No space left"]),
    ("out-under-a-file", ["freq", "{S}", "--out", "{in}/other.txt/x.csv"], 2, ["--out", "other.txt"]),
    ("report-out-onto-file", ["report", "--out", "{S}", "--quiet"], 2, ["--out", "is a file"]),
    ("report-out-foreign-folder", ["report", "--out", "{in}/notes", "--quiet"], 2, ["--out", "not a zhspeech report"]),
    # files that cannot be read
    ("missing-file", ["freq", "{in}/nope.txt"], 2, ["nope.txt", "no such file"]),
    ("empty-file", ["clean", "{in}/empty.txt"], 2, ["empty.txt", "empty file"]),
    ("unsupported-format", ["freq", "{in}/page.rtf"], 2, ["page.rtf", "unsupported"]),
    ("binary-file", ["freq", "{in}/binary.txt"], 2, ["binary.txt", "binary", "byte offset 0"]),
    ("damaged-byte", ["freq", "{in}/damaged.txt"], 2, ["damaged.txt", "0xff at byte offset 18"]),
    ("damaged-byte-replaced", ["freq", "{in}/damaged.txt", "--encoding-errors", "replace", "--out", "{out}/f.csv"],
     0, ["warning", "damaged.txt", "1 undecodable", "byte offset 18"]),
    ("bad-encoding-errors-choice", ["freq", "{S}", "--encoding-errors", "ignore"], 2, ["--encoding-errors"]),
    ("empty-folder", ["freq", "{in}/nothing"], 2, ["nothing", "no readable texts"]),
    ("folder-as-lexicon", ["themes", "{S}", "--lexicon", "{in}/docs"], 2, ["docs"]),
    # lexicons
    ("lexicon-malformed-yaml", ["themes", "{S}", "--lexicon", "{in}/malformed.yaml"], 2,
     ["malformed.yaml:1", "malformed YAML"]),
    ("lexicon-alias-bomb", ["themes", "{S}", "--lexicon", "{in}/bomb.yaml"], 2, ["bomb.yaml:2", "aliases"]),
    ("lexicon-alias-bomb-under-terms", ["themes", "{S}", "--lexicon", "{in}/bomb_terms.yaml"], 2,
     ["bomb_terms.yaml:6", "aliases (*t)"]),
    ("lexicon-csv-huge-field", ["themes", "{S}", "--lexicon", "{in}/huge.csv"], 2, ["huge.csv:2", "malformed row"]),
    ("lexicon-missing", ["themes", "{S}", "--lexicon", "{in}/nope.yaml"], 2, ["nope.yaml", "no such file"]),
    ("unknown-theme", ["themes", "{S}", "--theme", "不存在"], 2, ["不存在", "unknown theme"]),
    ("compare-unknown-theme", ["compare", "{S}", "--theme", "不存在"], 2, ["不存在"]),
    ("compare-reference-custom-lexicon", ["compare", "{S}", "--reference", "--lexicon", "{in}/custom.yaml"], 2,
     ["custom.yaml", "reference"]),
    # the discourse verbs share the same checks
    ("formulas-alias-bomb", ["formulas", "{S}", "--lexicon", "{in}/bomb.yaml"], 2, ["bomb.yaml:2", "aliases"]),
    ("targets-out-is-input", ["targets", "{S}", "--out", "{S}"], 2, ["--out", "speech.txt"]),
    ("directives-damaged-byte", ["directives", "{in}/damaged.txt"], 2, ["damaged.txt", "byte offset 18"]),
    # report parameters: checked before any kernel starts
    ("param-code-injection", ["report", "--quiet", "--out", "{out}/r",
                              "--param", "__import__('os').system('touch {out}/pwned');x=1"], 2, ["--param"]),
    ("param-unknown-name", ["report", "--quiet", "--out", "{out}/r", "--param", "nosuch=1"], 2,
     ["--param", "'nosuch'", "no such parameter"]),
    ("param-wrong-type", ["report", "--quiet", "--notebooks", "03", "--out", "{out}/r", "--param", "top_n=many"], 2,
     ["--param", "top_n", "whole number"]),
    ("param-missing-speech", ["report", "--quiet", "--out", "{out}/r", "--param", "speech=no-such-speech.txt"], 2,
     ["--param", "no-such-speech.txt", "no such file"]),
    ("param-without-value", ["report", "--quiet", "--out", "{out}/r", "--param", "speech"], 2,
     ["--param", "NAME=VALUE"]),
    ("param-not-in-selected-notebook", ["report", "--quiet", "--notebooks", "00", "--out", "{out}/r",
                                        "--param", "top_n=5"], 2, ["--param", "top_n"]),
    ("report-no-such-notebook", ["report", "--quiet", "--notebooks", "99-none", "--out", "{out}/r"], 2,
     ["99-none", "no notebook"]),
    # the command line itself
    ("unknown-option", ["freq", "{S}", "--bogus"], 2, ["--bogus"]),
    ("missing-path", ["freq"], 2, ["path", "required"]),
    ("bad-format-choice", ["freq", "{S}", "--format", "xml"], 2, ["--format", "xml"]),
    ("unknown-verb", ["frequency", "{S}"], 2, ["frequency"]),
]


@pytest.mark.parametrize("argv, status, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_matrix(inputs, argv, status, expected):
    before = digests(inputs["in"])
    values = {k: v for k, v in inputs.items() if isinstance(v, (str, Path))}
    code, _out, err = run([a.format(**values) for a in argv])
    assert code == status, err
    if expected is None:
        assert err == ""
    else:
        assert_one_line(err, *expected)
    assert digests(inputs["in"]) == before
    assert not (inputs["out"] / "pwned").exists()
    assert not any(p.name.endswith(".tmp") for p in inputs["tmp"].rglob("*")), "temporary file left behind"


def test_matrix_is_at_least_forty_cases():
    assert len(CASES) >= 40


def test_missing_output_folder_is_created_with_the_table(inputs):
    target = inputs["out"] / "new" / "deeper" / "x.csv"
    assert run(["freq", inputs["S"], "--top", "2", "--format", "csv", "--out", target])[0] == 0
    table = pd.read_csv(target)
    # 基层治理 3 times, 脱贫攻坚 twice, out of 22 counted tokens (3/22 × 10,000 = 1363.64).
    assert table[["term", "n", "per_10k"]].values.tolist() == [["基层治理", 3, 1363.64], ["脱贫攻坚", 2, 909.09]]


def test_damaged_byte_read_with_replace_is_logged_as_an_edit(inputs):
    log = inputs["out"] / "edits.csv"
    code, out, err = run(["clean", inputs["in"] / "damaged.txt", "--encoding-errors", "replace", "--log", log])
    assert code == 0
    assert_one_line(err, "damaged.txt", "byte offset 18")
    edits = pd.read_csv(log, keep_default_na=False)
    decode = edits[edits["step"] == "decode"]
    assert decode[["start", "end", "before", "after"]].values.tolist() == [[6, 7, "\\xff", "\ufffd"]]
    assert out.startswith("关于基层治理\ufffd的几点意见\n")
    doc = zs.corpus.load_document(inputs["in"] / "damaged.txt", errors="replace")
    assert doc.replacements == [(6, 18, b"\xff")]
    cleaned = zs.clean.clean_document(doc)
    assert cleaned.restore() == doc.raw


def test_compare_theme_and_lexicon_reach_compare(inputs):
    code, out, err = run(["compare", inputs["S"], "--theme", "人才", "--format", "csv"])
    assert (code, err) == (0, "")
    # 人才 once (人才工作) in 73 hanzi: 1/73 × 1000 = 13.699.
    assert out.splitlines() == ["doc_id,人才", "speech,13.699"]
    code, out, err = run(["compare", inputs["S"], inputs["O"], "--lexicon", inputs["in"] / "custom.yaml",
                          "--format", "csv"])
    assert (code, err) == (0, "")
    table = pd.read_csv(io.StringIO(out), index_col=0)
    assert list(table.columns) == ["治理", "我的主题"]
    # speech: 基层治理 ×3 + 社会治理 = 4 and 乡村振兴 + 决定性胜利 = 2, in 73 hanzi.
    assert table.loc["speech"].tolist() == [54.795, 27.397]
    # other: no 治理 term; 乡村振兴 once in 10 + 4 + 18 + 15 = 47 hanzi (1/47 × 1000 = 21.277).
    assert table.loc["other"].tolist() == [0.0, 21.277]


def test_ctrl_c_exits_130_with_one_line(inputs, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # The per-document work of the commands, on a cache of this test's own (a stored
    # output of the same command would be printed without any work).
    monkeypatch.setattr(zs.cli, "_stages", interrupted)
    monkeypatch.setenv("ZHSPEECH_CACHE", str(inputs["tmp"] / "cache"))
    before = digests(inputs["in"])
    code, out, err = run(["freq", inputs["S"], "--out", inputs["out"] / "f.csv"])
    assert code == 130
    assert_one_line(err, "interrupted")
    assert digests(inputs["in"]) == before and not (inputs["out"] / "f.csv").exists()


def test_a_bug_exits_1_naming_the_saved_traceback(inputs, monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(zs.cli, "_stages", broken)
    monkeypatch.setenv("ZHSPEECH_CACHE", str(inputs["tmp"] / "cache"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    code, out, err = run(["freq", inputs["S"]])
    assert code == 1
    assert_one_line(err, "internal error: RuntimeError: simulated bug", "traceback saved to")
    saved = Path(err.split("traceback saved to ")[1].rstrip(")\n"))
    assert saved.parent == tmp_path and "RuntimeError: simulated bug" in saved.read_text(encoding="utf-8")


# -- the cache ---------------------------------------------------------------------------

def _freq(inputs):
    return run(["freq", inputs["S"], "--top", "4", "--format", "csv"])


# 22 counted tokens: 3/22 × 10,000 = 1363.64, 2/22 → 909.09, 1/22 → 454.55.
EXPECTED_FREQ = ("doc_id,section_id,term,n,per_10k,df\nspeech,,基层治理,3,1363.64,1\nspeech,,脱贫攻坚,2,909.09,1\n"
                 "speech,,乡村振兴,1,454.55,1\nspeech,,人才工作,1,454.55,1\n")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other-key", "forged-tokens"])
def test_damaged_cache_entry_is_recomputed_with_one_warning(inputs, monkeypatch, damage):
    monkeypatch.setenv("ZHSPEECH_CACHE", str(inputs["tmp"] / "cache"))
    assert _freq(inputs) == (0, EXPECTED_FREQ, "")
    [entry] = (inputs["tmp"] / "cache" / "tokens").glob("*.npz")
    if damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:100])
    elif damage == "garbage":
        entry.write_bytes(b"not a cache entry\n" * 10)
    elif damage == "other-key":
        other = zs.cache.Cache(inputs["tmp"] / "elsewhere")
        other.put("tokens", "another text", {"words": np.array("我们"), "starts": np.array([0])})
        shutil.copy(next((inputs["tmp"] / "elsewhere" / "tokens").glob("*.npz")), entry)
    else:  # a well-formed entry with a valid checksum whose words are not this text's
        store = zs.cache.Cache(inputs["tmp"] / "cache")
        key = next(k for k in [_segment_key(inputs)] if store.path("tokens", k) == entry)
        store.put("tokens", key, {"words": np.array("基层\x1f治理"), "starts": np.array([0, 2])})
    code, out, err = _freq(inputs)
    assert (code, out) == (0, EXPECTED_FREQ)
    assert_one_line(err, "cache entry", entry.name, "discarded and recomputed")
    assert _freq(inputs) == (0, EXPECTED_FREQ, "")  # healed: the entry was rewritten


def _segment_key(inputs):
    doc = zs.corpus.load_document(inputs["S"])
    cleaned = zs.clean.clean_document(doc)
    text, spans = zs.clean.text_and_masks(cleaned)
    return zs.tokenize._cache_key(zs.tokenize.default_tokenizer(), text, [tuple(map(int, m)) for m in spans])


def test_unusable_cache_location_runs_without_cache(inputs, monkeypatch):
    blocker = inputs["tmp"] / "cache-is-a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("ZHSPEECH_CACHE", str(blocker))
    code, out, err = _freq(inputs)
    assert (code, out) == (0, EXPECTED_FREQ)
    assert_one_line(err, "cache-is-a-file", "running without a cache")


def test_default_cache_is_the_users_cache_folder(inputs, monkeypatch):
    monkeypatch.delenv("ZHSPEECH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(inputs["tmp"] / "xdg"))
    assert zs.paths.cache_dir() == inputs["tmp"] / "xdg" / "zhspeech"
    assert _freq(inputs) == (0, EXPECTED_FREQ, "")
    assert len(list((inputs["tmp"] / "xdg" / "zhspeech" / "tokens").glob("*.npz"))) == 1


def _freq_children(inputs, cache: Path, n: int) -> list[tuple[int, str, str]]:
    """``n`` forked copies of this process run ``zhspeech freq`` at the same moment on
    ``cache`` (the tokenizer is already loaded, so the runs overlap on the cache)."""
    go = cache.parent / f"{cache.name}.go"
    slots = []
    for i in range(n):
        result = cache.parent / f"{cache.name}.{i}"
        pid = os.fork()
        if pid == 0:  # the child: run, write the result, and never return into pytest
            status = 99
            try:
                os.environ["ZHSPEECH_CACHE"] = str(cache)
                while not go.exists():
                    time.sleep(0.002)
                status, out, err = _freq(inputs)
                result.write_text(f"{status}\0{out}\0{err}", encoding="utf-8")
            finally:
                os._exit(status)
        slots.append((pid, result))
    go.touch()
    done = []
    for pid, result in slots:
        _, wait_status = os.waitpid(pid, 0)
        status, out, err = result.read_text(encoding="utf-8").split("\0")
        assert int(status) == os.waitstatus_to_exitcode(wait_status)
        done.append((int(status), out, err))
    return done


def test_concurrent_freq_on_a_cold_cache(inputs, monkeypatch):
    """Five runs at once on an empty cache, ten times: never a crash, always the same
    table, one entry in the cache."""
    monkeypatch.setenv("ZHSPEECH_CACHE", str(inputs["tmp"] / "warm-up"))
    assert _freq(inputs) == (0, EXPECTED_FREQ, "")
    entry = zs.cache.Cache(inputs["tmp"]).path("tokens", _segment_key(inputs)).name
    for round_ in range(10):
        cache = inputs["tmp"] / f"cold-{round_}"
        assert _freq_children(inputs, cache, 5) == [(0, EXPECTED_FREQ, "")] * 5
        assert [p.name for p in (cache / "tokens").iterdir()] == [entry]


def test_concurrent_freq_processes_on_a_cold_cache(inputs):
    """The same with five separate ``zhspeech`` processes (start-up included)."""
    env = {**os.environ, "ZHSPEECH_CACHE": str(inputs["tmp"] / "cold")}
    procs = [subprocess.Popen([ZHSPEECH, "freq", inputs["S"], "--top", "4", "--format", "csv"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(5)]
    results = [(*p.communicate(timeout=300), p.returncode) for p in procs]
    assert results == [(EXPECTED_FREQ, "", 0)] * 5


# -- cases that need a real process ------------------------------------------------------

def test_stdout_on_a_full_disk(inputs):
    before = digests(inputs["in"])
    with open("/dev/full", "w") as full:
        proc = subprocess.run([ZHSPEECH, "freq", inputs["S"]], stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2
    assert_one_line(proc.stderr, "standard output", "No space left")
    assert digests(inputs["in"]) == before


def test_the_command_prints_no_traceback_for_a_bad_file(inputs):
    proc = subprocess.run([ZHSPEECH, "freq", inputs["in"] / "damaged.txt"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert_one_line(proc.stderr, "damaged.txt", "byte offset 18")


def _without_root_powers():
    """A prefix that runs a command as root without the power to bypass file
    permissions (so an unreadable file is unreadable), or None when not possible."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return None
    probe = subprocess.run([setpriv, "--bounding-set", "-dac_override,-dac_read_search", "true"])
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"] if probe.returncode == 0 else None


@pytest.fixture
def unprivileged():
    prefix = _without_root_powers()
    if prefix is None:
        if os.geteuid() != 0:
            return []  # already an ordinary user: permissions apply as they are
        pytest.skip("running as root without setpriv: cannot drop the power to read any file")
    return prefix


@pytest.mark.parametrize("what", ["unreadable-file", "unreadable-folder", "read-only-out-folder",
                                  "read-only-cache"])
def test_permissions(inputs, unprivileged, what):
    d = inputs["in"]
    env = {**os.environ, "ZHSPEECH_CACHE": str(inputs["tmp"] / "cache")}
    locked = d / "locked"
    locked.mkdir()
    if what == "unreadable-file":
        os.chmod(d / "other.txt", 0)
        argv, expected, status = ["freq", d / "other.txt"], ["other.txt", "cannot read", "Permission denied"], 2
    elif what == "unreadable-folder":
        shutil.copy(d / "speech.txt", locked / "a.txt")
        os.chmod(locked, 0)
        argv, expected, status = ["freq", locked], ["locked", "cannot read folder"], 2
    elif what == "read-only-out-folder":
        os.chmod(locked, 0o555)
        argv, expected, status = ["freq", d / "speech.txt", "--out", locked / "f.csv"], ["--out", "locked"], 2
    else:
        os.chmod(locked, 0o555)
        env["ZHSPEECH_CACHE"] = str(locked / "cache")
        argv, expected, status = ["freq", d / "speech.txt"], ["locked/cache", "running without a cache"], 0
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in [d / "speech.txt", d / "custom.yaml"]}
    try:
        proc = subprocess.run([*unprivileged, ZHSPEECH, *map(str, argv)], capture_output=True, text=True, env=env)
    finally:
        os.chmod(d / "other.txt", 0o644)
        os.chmod(locked, 0o755)
    assert proc.returncode == status, proc.stderr
    assert_one_line(proc.stderr, *expected)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before


def _sleepy_notebooks(folder: Path) -> None:
    folder.mkdir()
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = new_code_cell("seconds = 60")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# 等待"), params, new_code_cell("import time\ntime.sleep(seconds)")]
    nbformat.write(nb, str(folder / "slow.ipynb"))


def test_ctrl_c_during_report_stops_the_kernel_and_keeps_the_old_reports(inputs):
    nbs = inputs["tmp"] / "nbs"
    _sleepy_notebooks(nbs)
    reports = inputs["out"] / "reports"
    reports.mkdir()
    (reports / "index.html").write_text("<title>zhspeech 报告 / reports</title>old run\n", encoding="utf-8")
    (reports / "old.html").write_text("old\n", encoding="utf-8")
    before = digests(reports)
    proc = subprocess.Popen([ZHSPEECH, "report", "--quiet", "--notebooks", str(nbs / "*.ipynb"), "--out", str(reports)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    kernels = _wait_for_kernels(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert_one_line(err, "interrupted")
    assert kernels, "no kernel was started"
    for pid in kernels:
        assert not _alive(pid), f"kernel {pid} still running"
    assert digests(reports) == before
    assert sorted(p.name for p in reports.parent.iterdir()) == ["reports"]  # no staging folder left


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines()
            if int(line.split()[1]) == pid and "ipykernel" in line]


def _wait_for_kernels(pid: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = _children(pid)
        if found:
            time.sleep(1.0)  # let the kernel get into its cell
            return found
        time.sleep(0.2)
    return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_report_rerun_lists_exactly_this_run(inputs):
    nbs = inputs["tmp"] / "nbs"
    nbs.mkdir()
    for name, title in (("a-one", "一"), ("b-two", "二")):
        nb = new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = new_code_cell("label = 'x'")
        params.metadata["tags"] = ["parameters"]
        nb.cells = [new_markdown_cell(f"# {title}"), params, new_code_cell("print(label * 2)")]
        nbformat.write(nb, str(nbs / f"{name}.ipynb"))
    reports = inputs["out"] / "reports"
    assert run(["report", "--quiet", "--notebooks", nbs / "*.ipynb", "--out", reports])[0] == 0
    code, out, err = run(["report", "--quiet", "--notebooks", nbs / "a-*", "--out", reports, "--param", "label=yz"])
    assert (code, err) == (0, "")
    assert sorted(p.name for p in reports.iterdir()) == ["a-one.html", "index.html", "manifest.json"]
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="a-one.html"' in index and "b-two" not in index
    assert "yzyz" in (reports / "a-one.html").read_text(encoding="utf-8")


def test_a_kernel_that_dies_is_named_in_one_line(inputs):
    nbs = inputs["tmp"] / "nbs"
    _sleepy_notebooks(nbs)
    reports = inputs["out"] / "reports"
    proc = subprocess.Popen([ZHSPEECH, "report", "--quiet", "--notebooks", str(nbs / "*.ipynb"), "--out", str(reports)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    kernels = _wait_for_kernels(proc.pid)
    assert kernels, "no kernel was started"
    for pid in kernels:
        os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert_one_line(err, "slow.ipynb", "could not execute", "Kernel died")  # before or during the cell
    assert sorted(p.name for p in reports.iterdir()) == ["index.html", "manifest.json", "slow.html"]


# -- the library: wrong input types raise TypeError or a ZhspeechError, never AttributeError

@pytest.mark.parametrize("call, error, message", [
    (lambda: zs.clean.clean_text(None), TypeError, "got NoneType"),
    (lambda: zs.clean.clean_text(5), TypeError, "got int"),
    (lambda: zs.structure.parse_structure(None), TypeError, "got NoneType"),
    (lambda: zs.pipeline.analyze("关于\ud800基层治理"), zs.errors.DocumentError, "lone surrogate U+D800 at offset 2"),
    (lambda: zs.pipeline.analyze("/no/such/file.txt"), zs.errors.DocumentError, "/no/such/file.txt: no such file"),
    (lambda: zs.pipeline.analyze(5), TypeError, "cannot analyse int"),
    (lambda: zs.corpus.load_document(None), TypeError, "expects a path"),
    (lambda: zs.stats.kwic("基层治理", "(", regex=True), zs.errors.UsageError, "invalid regular expression"),
    (lambda: zs.stats.kwic("基层治理", ""), zs.errors.UsageError, "empty search term"),
], ids=["clean_text-None", "clean_text-int", "parse_structure-None", "analyze-surrogate", "analyze-missing-file",
        "analyze-int", "load_document-None", "kwic-bad-regex", "kwic-empty"])
def test_library_rejects_wrong_input_types(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
