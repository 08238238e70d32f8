"""Texts for the oracle comparison (tests/test_oracle.py): speeches in every numbering
style, written here from our own sentences, their damaged variants (lost paragraph
breaks, traditional script, redaction marks, platform adverts, odd whitespace), and
random assemblies of structure markers that no careful writer would produce.
"""
from __future__ import annotations

import random

SENTENCES = [
    "今年全县粮食总产量稳定在十二万吨以上，农民人均收入增长百分之七",
    "要把群众反映强烈的停车难、看病难问题列入民生实事清单",
    "各乡镇要在月底前完成排查，发现一处隐患整改一处",
    "干部作风问题不是小事，群众看在眼里、记在心上",
    "我们新建了三所乡村学校，改造了十二公里农村公路",
    "要坚持问题导向，把调研成果转化为解决问题的实际举措",
    "招商引资不能只看数量，更要看质量、看带动、看税收",
    "基层党组织是落实各项任务的战斗堡垒",
    "对排查出的风险点，要逐一明确责任人和完成时限",
    "生态环境保护没有退路，河长制要从有名走向有实",
    "人才是第一资源，要让引进来的人才留得住、干得好",
    "安全生产必须警钟长鸣，任何时候都不能松懈麻痹",
]
HEADINGS = ["抓好经济发展", "加强作风建设", "守住安全底线", "推进乡村振兴", "深化改革开放",
            "保障改善民生", "加强生态保护", "建设人才队伍", "提升治理能力", "从严管党治党"]
CN = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    return ("" if n < 20 else CN[n // 10 - 1]) + "十" + (CN[n % 10 - 1] if n % 10 else "")


class _Pen:
    """Deterministic sentences and headings: each call moves on through the banks."""

    def __init__(self, seed: int = 0):
        self.k = seed

    def sent(self, n: int = 1, end: str = "。") -> str:
        out = []
        for _ in range(n):
            out.append(SENTENCES[self.k % len(SENTENCES)] + end)
            self.k += 1
        return "".join(out)

    def head(self) -> str:
        self.k += 1
        return HEADINGS[self.k % len(HEADINGS)]


def _frame(body: list[str], *, title: bool = True, salutation: bool = True, closing: bool = True) -> str:
    lines = []
    if title:
        lines += ["在全县三级干部大会上的讲话", "（2023年2月6日）", "县委书记　王某某"]
    if salutation:
        lines.append("同志们：")
    lines += body
    if closing:
        lines.append("同志们，任务艰巨，使命光荣。让我们团结一心，奋勇前进，谢谢大家！")
    return "\n".join(lines) + "\n"


def styled_texts() -> dict[str, str]:
    """One speech per numbering style, and several mixtures."""
    p = _Pen()
    out = {}
    body = [p.sent(2)]
    for i in range(1, 5):
        body.append(f"{_cn(i)}、{p.head()}")
        body.append(p.sent(2))
        for j in range(1, 4):
            body.append(f"（{_cn(j)}）{p.head()}。{p.sent(2)}")
            if j == 2:
                body.append(f"下面我讲三点要求：一是{p.sent()}二是{p.sent()}三是{p.sent()}")
    out["yi-parts-subparts"] = _frame(body)

    body = [f"今天我讲{_cn(3)}个问题。"]
    for i in range(1, 4):
        body.append(f"第{_cn(i)}个问题，关于{p.head()}。{p.sent(3)}")
        body.append(f"1.{p.head()}。{p.sent(2)}")
        body.append(f"2.{p.head()}。{p.sent(2)}")
        body.append(f"（1）{p.sent()}（2）{p.sent()}")
    out["wenti"] = _frame(body)

    body = [p.sent(2)]
    for i in range(1, 5):
        body.append(f"第{_cn(i)}，{p.head()}。{p.sent(4)}一要{p.sent()}二要{p.sent()}")
    out["diyi"] = _frame(body)

    body = [p.sent(2)]
    for w in ("首先", "其次", "再次", "最后"):
        body.append(f"{w}，{p.head()}。{p.sent(5)}")
    out["shouxian"] = _frame(body, closing=False)

    out["no-numbering"] = _frame([p.sent(3) for _ in range(8)], title=False)

    body = [p.sent(1)]
    for i in range(1, 6):
        body.append(f"——{p.sent(2)}")
    body.append(f"要抓好五项工作：{p.sent()}")
    for i in range(1, 5):  # announces five, finds four
        body.append(f"{i}.{p.head()}。{p.sent(2)}")
    body.append(f"第一部分　{p.head()}")
    body.append(p.sent(2))
    body.append(f"第二部分　{p.head()}")
    body.append(f"几点要求：推动发展、保障民生、维护稳定。{p.sent()}")
    body.append("最后，我再强调一点。" + p.sent(2))
    body.append("※这是作者在会上讲话的一部分。")
    out["mixed"] = _frame(body)

    body = [p.sent(1)]
    for i in (1, 2, 4, 4, 6):   # numbering that jumps and repeats
        body.append(f"{_cn(i)}、{p.head()}")
        body.append(f"（{_cn(i)}）{p.sent(2)}（二）{p.sent(1)}")
    out["bad-numbering"] = _frame(body)

    body = [p.sent(1)]
    for i in range(1, 13):
        body.append(f"（{i}）{p.sent(1)}")
    for i in range(1, 12):
        body.append(f"{_cn(i)}是{p.sent(1)}")
    out["long-lists"] = _frame(body, salutation=False)

    # Lost paragraph breaks: whole speeches on one line.
    for name in ("wenti", "diyi", "shouxian", "yi-parts-subparts", "mixed"):
        out[f"{name}-one-line"] = out[name].replace("\n", "") + "\n"
        out[f"{name}-no-final-newline"] = out[name].rstrip("\n")
    return out


def damaged(text: str, seed: int) -> dict[str, str]:
    """Variants of ``text`` as files arrive: traditional script, redaction marks, a
    platform advert, CRLF, indents, full-width digits, zero-width spaces, tabs."""
    import opencc

    rnd = random.Random(seed)
    lines = text.split("\n")
    out = {"traditional": opencc.OpenCC("s2t").convert(text)}
    marked = []
    for line in lines:
        if line and rnd.random() < 0.4:
            k = rnd.randrange(len(line))
            line = line[:k] + rnd.choice(["XX", "X县", "XX年X月X日", "第X次", "X个", "XX%", "×××", "XP"]) + line[k:]
        marked.append(line)
    out["redacted"] = "\n".join(marked)
    out["advert"] = ("本资料来源于某某网\n自建平台，实时分享\n订阅会员立享全部资料\n\n" + text
                     + "\n仅供学习交流，禁止外传\n")
    out["crlf-indent"] = "\r\n".join(("\u3000\u3000" + ln + "  ") if ln else "" for ln in lines)
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)
    out["fullwidth"] = wide.replace("。", "。\u200b", 3).replace("\n", "\n\n", 5)
    out["tabs-typos"] = text.replace("干部", "千部").replace("，", "\t，", 4).replace("的", "的 \u00a0 ", 3)
    return out


MARKERS = ["一、", "二、", "三、", "四、", "（一）", "（二）", "（三）", "(一)", "1.", "2.", "3.", "（1）",
           "（2）", "(3)", "一是", "二是", "三是", "一要", "二要", "第一，", "第二，", "第三，", "首先，",
           "其次，", "再次，", "最后，", "第一个问题，", "第二个问题，", "第一部分", "第二部分", "——",
           "同志们！", "同志们，", "各位代表：", "※", "注：", "抓好三项工作：", "讲两点：", "几点要求：",
           "两个维护", "“两个确保”", "十一、", "二十是", "12.", "3.5", "X月", "XX", "最后，我再强调",
           "希望大家", "谢谢！", "：", "。", "；", "！", "，", "、", "\n", "\n", "\n", " ", "“", "”"]


def fuzz_texts(n: int, seed: int = 15) -> list[str]:
    """``n`` random assemblies of markers, sentences and line breaks."""
    rnd = random.Random(seed)
    pen = _Pen(seed)
    out = []
    for _ in range(n):
        pieces = []
        for _ in range(rnd.randint(1, 80)):
            r = rnd.random()
            if r < 0.45:
                pieces.append(rnd.choice(MARKERS))
            elif r < 0.8:
                pieces.append(pen.sent(1, end=rnd.choice("。；，！")))
            else:
                pieces.append(pen.head())
        out.append("".join(pieces))
    return out
