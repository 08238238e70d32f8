"""Reading documents: encodings, formats, metadata and bad input."""
import pytest

import zhspeech as zs
from zhspeech.errors import DocumentError, EmptyCorpusError, UnsupportedFormatError

TEXT = "在县市组织工作半年推进会上的讲话\n全面推进脱贫攻坚，加强基层治理。\n"


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("utf-16", "utf-16"),
    ("gb18030", "gb18030"),
    ("gbk", "gb18030"),
])
def test_txt_encodings_are_detected_and_recorded(tmp_path, encoding, expected):
    path = tmp_path / "speech.txt"
    path.write_bytes(TEXT.encode(encoding))
    doc = zs.corpus.load_document(path)
    assert doc.raw == TEXT
    assert doc.encoding == expected
    assert doc.title == "在县市组织工作半年推进会上的讲话"


def test_big5_text_is_read(tmp_path):
    text = "政府工作報告\n各位代表：現在我代表國務院向大會報告政府工作，請予審議。\n" * 3
    path = tmp_path / "tw.txt"
    path.write_bytes(text.encode("big5"))
    doc = zs.corpus.load_document(path)
    assert doc.raw == text
    assert doc.encoding == "big5"


def test_docx_paragraphs_in_order(tmp_path):
    import docx

    d = docx.Document()
    for para in ["讲话标题", "一、第一部分。", "二、第二部分。"]:
        d.add_paragraph(para)
    path = tmp_path / "s.docx"
    d.save(path)
    doc = zs.corpus.load_document(path)
    assert doc.raw == "讲话标题\n一、第一部分。\n二、第二部分。"
    assert doc.format == "docx"


def _pdf(path, lines):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(6, 4))
    for i, line in enumerate(lines):
        fig.text(0.05, 0.9 - i * 0.08, line, fontsize=10, family="DejaVu Sans")
    fig.savefig(path)
    plt.close(fig)


def test_pdf_lines_broken_inside_a_paragraph_are_rejoined(tmp_path):
    path = tmp_path / "r.pdf"
    _pdf(path, ["The first paragraph runs over", "two lines in the PDF.", "Second paragraph."])
    doc = zs.corpus.load_document(path)
    assert doc.raw == "The first paragraph runs over two lines in the PDF.\nSecond paragraph."


def test_rejoin_lines_keeps_sentence_ends_and_headings():
    lines = ["一、总体要求", "今年工作的总体要求是坚持稳中求进工作总基调，", "全面贯彻新发展理念。", "二、主要任务"]
    assert zs.corpus.rejoin_lines(lines) == ("一、总体要求\n今年工作的总体要求是坚持稳中求进工作总基调，"
                                             "全面贯彻新发展理念。\n二、主要任务")


def test_markdown_front_matter_gives_metadata(tmp_path):
    path = tmp_path / "m.md"
    path.write_text("---\ntitle: 某讲话\ndate: 2020-07-01\ngenre: speech\n---\n# 标题\n正文。\n", encoding="utf-8")
    doc = zs.corpus.load_document(path)
    assert doc.meta["title"] == "某讲话" and doc.meta["date"] == "2020-07-01" and doc.meta["genre"] == "speech"
    assert doc.raw == "标题\n正文。\n"


@pytest.mark.parametrize("name,data,cls,cause", [
    ("empty.txt", b"", DocumentError, "empty file"),
    ("blank.txt", b"  \n\n", DocumentError, "empty file"),
    ("binary.txt", bytes(range(256)) * 4, DocumentError, "binary file"),
    ("bad.txt", b"\xff\xfe\xfa" * 0 + b"\x81\x30\xff\xff\xff\xfe\x80\x80", DocumentError, "undecodable bytes"),
    ("notes.rtf", b"{\\rtf1 hello}", UnsupportedFormatError, "unsupported file type .rtf"),
])
def test_bad_files_give_one_line_naming_file_and_cause(tmp_path, name, data, cls, cause):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(cls) as info:
        zs.corpus.load_document(path)
    message = str(info.value)
    assert name in message and cause in message and "\n" not in message


def test_pdf_without_text_layer(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.axis("off")
    ax.add_patch(plt.Rectangle((0.2, 0.2), 0.5, 0.5))
    path = tmp_path / "scan.pdf"
    fig.savefig(path)
    plt.close(fig)
    with pytest.raises(DocumentError, match="scan.pdf: PDF has no text layer"):
        zs.corpus.load_document(path)


def test_folder_without_texts(tmp_path):
    (tmp_path / "README.md").write_text("说明", encoding="utf-8")
    with pytest.raises(EmptyCorpusError, match="no readable texts"):
        zs.corpus.load_corpus(tmp_path)


def test_collect_loads_good_files_and_lists_problems(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_text("第二篇\n内容。\n", encoding="gb18030")
    corp = zs.corpus.load_corpus(tmp_path, errors="collect")
    assert list(corp.documents["doc_id"]) == ["a", "c"]
    assert corp.problems.to_dict("records") == [{"path": "b.txt", "error": "DocumentError", "cause": "empty file"}]
    with pytest.raises(DocumentError, match="b.txt: empty file"):
        zs.corpus.load_corpus(tmp_path)


def test_manifest_metadata_and_stable_unique_ids(tmp_path):
    (tmp_path / "x.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "x.md").write_text("另一篇\n正文。\n", encoding="utf-8")
    (tmp_path / "y.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("id,title,date,issuer,level,genre\n"
                                           "x-txt,清单标题,2020-06-30,市委,municipal,speech\n"
                                           "y,第二标题,2021-01-01,市政府,municipal,report\n", encoding="utf-8")
    docs = zs.corpus.load_corpus(tmp_path).documents.set_index("doc_id")
    assert list(docs.index) == ["x-md", "x-txt", "y"]
    assert tuple(docs.loc["x-txt", ["title", "date", "level", "genre"]]) == ("清单标题", "2020-06-30", "municipal", "speech")
    assert docs.loc["x-md", "title"] == "另一篇"
    assert docs.loc["y", "title"] == "第二标题"
    assert list(zs.corpus.load_corpus(tmp_path).documents["doc_id"]) == ["x-md", "x-txt", "y"]


def test_shared_manifest_is_used(shared_corpus):
    docs = shared_corpus.documents.set_index("doc_id")
    assert len(docs) == 16
    assert docs.loc["gwr-2019", "date"] == "2019-03-05"
    assert docs.loc["xjp-2020-tuopin-zuotan", "genre"] == "speech"
    assert (docs["path"].str.startswith("corpus/")).all()


def test_inferred_title_skips_a_platform_advert():
    # a watermark line of boilerplate.yaml at the top is not the title
    raw = "仅供学习 禁止外传\n\n关于乡村治理工作的报告\n各位代表：\n"
    assert zs.corpus.infer_title(raw) == "关于乡村治理工作的报告"
    assert zs.corpus.infer_title("关于乡村治理工作的报告\n正文。\n") == "关于乡村治理工作的报告"


def test_manifest_mistakes_are_named(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.txt").write_text("关于乡村治理工作的报告\n正文。\n", encoding="utf-8")
    (folder / "manifest.csv").write_text("id,title,date\na,报告甲,2021\na,报告乙,2022\n", encoding="utf-8")
    with pytest.raises(zs.errors.DocumentError, match=r"line 3: id 'a' is listed twice \(first on line 2\)"):
        zs.corpus.list_documents(folder)
    (folder / "manifest.csv").write_text("id,title,date\na,报告甲,notadate\nzz,无此文件,2020\n", encoding="utf-8")
    with pytest.warns(UserWarning) as caught:
        docs = zs.corpus.list_documents(folder)
    said = [str(w.message) for w in caught]
    assert any("line 2: date 'notadate' of a is not YYYY" in s for s in said)
    assert any("1 row(s) name no file in" in s and s.endswith(": zz") for s in said)
    assert [(p.name, d, m["date"]) for p, d, m in docs] == [("a.txt", "a", "notadate")]


READ_RAW_CASES = {
    "utf8.txt": TEXT.encode("utf-8"),
    "bom.txt": TEXT.encode("utf-8-sig"),
    "utf16.txt": TEXT.encode("utf-16"),
    "utf16le.txt": TEXT.encode("utf-16-le"),
    "gbk.txt": TEXT.encode("gbk"),
    "big5.txt": ("政府工作報告\n各位代表：現在我代表國務院向大會報告政府工作，請予審議。\n" * 3).encode("big5"),
    "front.md": "---\ntitle: 某讲话\ndate: 2020-07-01\n---\n# 标题\n正文。\n".encode(),
    "badfront.md": "---\n[unclosed\n---\n正文。\n".encode(),
    "damaged.txt": TEXT.encode() * 30 + b"\xff" + TEXT.encode() * 30,
    "empty.txt": b"",
    "blank.txt": b"  \n\n",
    "binary.txt": bytes(range(256)) * 4,
    "bad.txt": b"\x81\x30\xff\xff\xff\xfe\x80\x80",
    "notes.rtf": b"{\\rtf1 hello}",
    "onlyfront.md": b"---\ntitle: x\n---\n  \n",
}


@pytest.mark.parametrize("name", sorted(READ_RAW_CASES))
@pytest.mark.parametrize("errors", ["strict", "replace"])
def test_read_raw_is_load_document_raw_with_the_same_errors(tmp_path, name, errors):
    """The store's scan reads texts with read_raw: the same text as load_document, and
    for a bad file the same error."""
    path = tmp_path / name
    path.write_bytes(READ_RAW_CASES[name])
    try:
        expected = zs.corpus.load_document(path, errors=errors).raw
    except Exception as exc:  # noqa: BLE001 - the very same exception is expected
        with pytest.raises(type(exc)) as info:
            zs.corpus.read_raw(path, errors=errors)
        assert str(info.value) == str(exc)
    else:
        assert zs.corpus.read_raw(path, errors=errors) == expected
    with pytest.raises(TypeError, match="read_raw expects a path"):
        zs.corpus.read_raw(3)


def test_display_of_a_file_is_that_of_its_resolved_path(tmp_path, monkeypatch):
    """paths.display resolves a file through its (remembered) folder: the same as
    resolving the whole path, links to the file or to its folder included."""
    import os

    corpus = tmp_path / "shared" / "corpus"
    (corpus / "texts").mkdir(parents=True)
    monkeypatch.setenv("ZHSPEECH_CORPUS_DIR", str(corpus))
    real = corpus / "texts" / "a.txt"
    real.write_text("甲", encoding="utf-8")
    os.symlink(corpus / "texts", tmp_path / "folder-link")
    os.symlink(real, tmp_path / "file-link.txt")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.txt").write_text("乙", encoding="utf-8")
    for path, shown in ((real, "corpus/texts/a.txt"), (tmp_path / "folder-link" / "a.txt", "corpus/texts/a.txt"),
                        (tmp_path / "file-link.txt", "corpus/texts/a.txt"),
                        (tmp_path / "elsewhere" / ".." / "folder-link" / "a.txt", "corpus/texts/a.txt"),
                        (tmp_path / "elsewhere" / "b.txt", "b.txt"), (tmp_path / "missing.txt", "missing.txt"),
                        (zs.paths.sample_speech(), "data/raw/000_20ad1a32e8f79341.txt")):
        assert zs.paths.display(path) == shown, path
    (tmp_path / "file-link.txt").unlink()                 # the link now points elsewhere
    os.symlink(tmp_path / "elsewhere" / "b.txt", tmp_path / "file-link.txt")
    assert zs.paths.display(tmp_path / "file-link.txt") == "b.txt"
