"""Every notebook runs on speeches other than the sample and describes them, not the
sample: a speech too short to rank its sections, one in GB18030 with 第一个问题 parts,
and one whose paragraph breaks were lost. (The checked outputs in `make test` cover the
sample; these runs cover what users bring.)"""
from pathlib import Path

import pytest

import zhspeech as zs

OWN = Path(__file__).parent / "data" / "speeches"

TINY = "关于做好今年防汛工作的几点意见\n今年汛期来得早，各地要提前准备。\n要加强值班值守，确保信息畅通。\n"
WENTI = ("在全县基层治理工作会议上的讲话\n（2026年3月5日）\n同志们：\n今天召开会议，主要是总结工作、部署任务。\n"
         "第一个问题，关于形势。\n一年来，我们推进了基层治理，脱贫攻坚成果持续巩固。\n第二个问题，关于任务。\n"
         "首先，要抓好人才队伍建设。必须确保每个村至少有2名后备干部。其次，要把企业开办时间压缩到3天以内。\n"
         "最后，我讲一点要求。各级要严禁形式主义。\n")
SAMPLE_TITLE = "在县市组织工作半年推进会上的讲话"


def _speeches(folder: Path) -> dict:
    (folder / "tiny.txt").write_text(TINY, encoding="utf-8")
    (folder / "wenti-gb.txt").write_bytes(WENTI.encode("gb18030"))
    return {"tiny": (folder / "tiny.txt", "关于做好今年防汛工作的几点意见"),
            "wenti-gb": (folder / "wenti-gb.txt", "在全县基层治理工作会议上的讲话"),
            "nobreaks": (OWN / "own-06-wenti-nobreaks.txt", None)}


@pytest.mark.parametrize("name", ["tiny", "wenti-gb", "nobreaks"])
def test_every_notebook_runs_on_another_speech(name, tmp_path):
    path, title = _speeches(tmp_path)[name]
    out = tmp_path / "reports"
    results = zs.report.build_reports("*", out, parameters={"speech": str(path)}, progress=False)
    assert [(Path(r.notebook).stem, r.ok, r.error) for r in results if not r.ok] == []
    assert len(results) == len(sorted((Path(zs.paths.__file__).parents[2] / "notebooks").glob("0*.ipynb")))
    pages = {p.stem: p.read_text(encoding="utf-8") for p in out.glob("0*.html")}
    doc_id = zs.corpus.load_document(path).doc_id
    for stem in ("01-corpus-and-cleaning", "02-structure-and-section-lengths", "06-political-discourse"):
        assert str(path) in pages[stem] or doc_id in pages[stem]
        # the sample's title is only in notebook 00's introduction, never in a finding
        assert SAMPLE_TITLE not in pages[stem]
    if title:
        assert title in pages["02-structure-and-section-lengths"]
