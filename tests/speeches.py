"""Four speeches written for the tests (our own sentences, not from any corpus), in the
styles a user may bring: with and without 一、 parts, with and without a title, 2,000 to
30,000 characters, one GB18030-encoded and one a .docx made with python-docx.

Each paragraph is assembled from the sentence banks below; ``{place}`` and ``{who}`` are
filled in turn, so repeated sentences differ and every speech reads as its own text.
"""
from __future__ import annotations

from itertools import cycle
from pathlib import Path

PLACES = ["青山县", "河西区", "南湖镇", "北坡乡", "东岭街道", "石桥村", "柳溪镇", "云台县", "西城区", "桃源乡"]
WHO = ["各级领导干部", "乡镇党委书记", "村党组织书记", "机关党员", "驻村工作队", "部门负责同志"]

BANKS = {
    "乡村振兴": [
        "{place}今年新建高标准农田一万二千亩，粮食产量比去年又有增长。",
        "巩固拓展脱贫攻坚成果是乡村振兴的前提，{who}要盯住易返贫人口，发现一户帮扶一户。",
        "产业兴旺是乡村振兴的重点，要把茶叶、食用菌和中药材做成叫得响的品牌。",
        "{place}的合作社把零散农户组织起来，统一技术、统一收购，农民的腰包鼓起来了。",
        "农村人居环境整治不能搞一阵风，厕所改造要改一户成一户，群众满意才算数。",
        "要推动城乡公共服务均衡配置，让乡村学校和卫生室留得住人、用得上设备。",
        "{who}要多到田间地头走一走，听听种粮大户对农机补贴和烘干设施的意见。",
        "集体经济薄弱村要一村一策，盘活闲置房屋和土地，不能等靠要。",
    ],
    "基层治理": [
        "基层治理是国家治理的基石，{place}要把网格员队伍建强配齐。",
        "矛盾纠纷要就地化解，做到小事不出村、大事不出镇、矛盾不上交。",
        "{who}要把群众的急难愁盼列成清单，办一件销一件，定期向群众公开。",
        "社区议事会要真正议起来，停车难、加装电梯这些事让居民自己商量着办。",
        "基层减负要动真格，多头填报的表格能合并的合并，能取消的取消。",
        "党建引领基层治理，关键是让党组织在小区、楼栋里看得见、找得着。",
        "{place}推行“街道吹哨、部门报到”，一批老旧小区的难题得到了解决。",
        "要善用信息化手段，但不能让群众在手机上跑断腿，线下窗口一个都不能少。",
    ],
    "人才": [
        "人才是第一资源，{place}要拿出真金白银引进急需紧缺的专业人才。",
        "对青年人才要压担子、给位子，让他们在重大项目和基层一线经风雨、见世面。",
        "{who}要当好人才工作的服务员，住房、子女入学、配偶就业这些事要一站式办结。",
        "乡土人才也是人才，种养能手和非遗传承人要纳入人才库统一管理。",
        "人才评价不能唯论文、唯学历，要看实绩、看贡献、看群众口碑。",
        "要建好用好人才驿站，让返乡创业的大学生有地方落脚、有人帮着出主意。",
        "{place}和高校共建实训基地，去年留下了两百多名毕业生。",
    ],
    "生态环境": [
        "绿水青山就是金山银山，{place}的河长要经常巡河，发现问题立即整改。",
        "大气污染防治要抓住扬尘和秸秆焚烧两个关口，做到早发现、早处置。",
        "{who}要算好生态账，宁可少上一个项目，也不能毁掉一片山林。",
        "垃圾分类要从机关、学校和医院做起，带动居民养成习惯。",
        "矿山修复和水土保持要一块一块抓落实，验收不合格的不能销号。",
        "{place}的湿地公园建成以后，候鸟多了，周边的民宿也热闹起来了。",
    ],
    "营商环境": [
        "营商环境就是生产力，{place}要让企业办事像网购一样方便。",
        "{who}要主动上门服务企业，帮助解决用地、用电、融资方面的具体困难。",
        "对拖欠中小企业账款的问题要专项清理，限期清偿，不能让企业寒心。",
        "审批事项能减的要减，能并的要并，承诺办结时限要公开接受监督。",
        "要依法平等保护各类市场主体，执法检查不能随意扰企。",
        "{place}今年新登记市场主体三千多户，其中个体工商户占了大头。",
    ],
    "安全生产": [
        "安全生产责任重于泰山，{who}要时刻绷紧这根弦。",
        "汛期将至，{place}要对山洪灾害危险区逐户排查，转移预案要落到人头。",
        "道路交通、燃气、建筑施工是事故易发领域，隐患排查要横向到边、纵向到底。",
        "对排查出的重大隐患要挂牌督办，整改不到位的坚决停产整顿。",
        "应急演练不能走过场，要让群众知道往哪里撤、找谁求助。",
        "{place}的消防站和微型消防站要配齐装备，确保接警后几分钟内到场。",
    ],
    "作风建设": [
        "作风建设永远在路上，{who}要带头改文风、改会风。",
        "开短会、讲短话、发短文，省下的时间多到基层解决实际问题。",
        "对形式主义、官僚主义要紧盯不放，发现一起查处一起。",
        "{place}要完善干部考核办法，让干事的人有舞台，让混日子的人没市场。",
        "要关心关爱基层干部，落实好带薪休假和谈心谈话制度。",
        "廉洁自律是底线，{who}要管好自己，也要管好身边的人。",
    ],
    "文化": [
        "{place}的乡村文化礼堂要常开门，让群众有地方看戏、读书、跳广场舞。",
        "要保护好古村落和老街巷，修旧如旧，不能大拆大建。",
        "文化和旅游要深度融合，把民俗节庆办成群众自己的节日。",
        "{who}要支持民间文艺团队，演出经费和排练场地要给予保障。",
        "公共图书馆要延长开放时间，方便上班族和学生晚上借阅。",
        "{place}挖掘本地红色资源，建成了一条研学线路，每年接待中小学生上万人次。",
    ],
}


class _Writer:
    """Fills ``{place}`` and ``{who}`` in turn, so that no two paragraphs are alike."""

    def __init__(self):
        self.places = cycle(PLACES)
        self.who = cycle(WHO)

    def sentence(self, template: str) -> str:
        return template.replace("{place}", next(self.places)).replace("{who}", next(self.who))

    def paragraph(self, topic: str, start: int, n: int) -> str:
        bank = BANKS[topic]
        return "".join(self.sentence(bank[(start + i) % len(bank)]) for i in range(n))


def _chinese_number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1]


def speech_with_parts(w: _Writer, rounds: int = 9) -> str:
    """A county work meeting speech: title, salutation, opening, four parts 一、… with
    subparts （一）…, each announced, and a closing."""
    topics = ["乡村振兴", "基层治理", "人才", "安全生产"]
    heads = ["毫不松懈推进乡村振兴", "下大力气夯实基层治理", "千方百计聚集各类人才", "守牢安全生产底线"]
    lines = ["在全县三季度重点工作调度会上的讲话", "同志们：",
             "今天召开这次会议，主要是盘点前三季度的工作，安排部署四季度的任务。"
             + w.paragraph("作风建设", 0, 3),
             "下面，我讲四个方面的意见。"]
    for i, (topic, head) in enumerate(zip(topics, heads), start=1):
        lines.append(f"{_chinese_number(i)}、{head}")
        lines.append("这方面重点抓好三件事：")
        for j in range(1, 4):
            lines.append(f"（{_chinese_number(j)}）" + w.paragraph(topic, j * 2, 1))
            for r in range(rounds):
                lines.append(w.paragraph(topic, j + r * 3, 4))
    lines.append("同志们，四季度时间紧、任务重，大家要振奋精神，真抓实干，确保全年目标任务圆满完成。")
    return "\n".join(lines) + "\n"


def speech_without_title(w: _Writer) -> str:
    """No title, no salutation line; three parts announced as 第一，第二，第三 inline;
    items 一是…二是…; written to be GB18030-encoded."""
    lines = ["这次到{}调研，看了几个点，听了大家的汇报，总的感觉是变化很大，但问题也不少。".format(PLACES[3])
             + w.paragraph("生态环境", 0, 3),
             "我讲三点意见。"]
    for i, topic in enumerate(["生态环境", "营商环境", "文化"], start=1):
        lines.append(f"第{_chinese_number(i)}，" + w.paragraph(topic, i, 3))
        lines.append("一是" + w.paragraph(topic, i + 2, 3) + "二是" + w.paragraph(topic, i + 4, 3)
                     + "三是" + w.paragraph(topic, i + 1, 3))
        for r in range(3):
            lines.append(w.paragraph(topic, i + 3 + r, 5))
    lines.append("总之，希望大家对照今天提出的问题，逐条研究，拿出整改措施，月底前报县委办公室。")
    return "\n".join(lines) + "\n"


def speech_without_parts(w: _Writer) -> str:
    """A title and plain paragraphs, no numbering at all (a talk at a forum)."""
    lines = ["在青年干部座谈会上的讲话", "同志们、朋友们："]
    for k, topic in enumerate(["作风建设", "人才", "基层治理", "文化", "作风建设", "人才"] * 2):
        lines.append(w.paragraph(topic, k, 6))
    lines.append("最后，祝大家在新的岗位上干出新的成绩。谢谢大家！")
    return "\n".join(lines) + "\n"


def speech_for_docx(w: _Writer) -> list[str]:
    """Paragraphs of a .docx: a title, parts 一、… without announcement, items 一要…二要."""
    paras = ["关于全面加强基层治理和营商环境建设的几点意见", "同志们："]
    paras.append("刚才几位同志的发言都很好，我完全同意。" + w.paragraph("营商环境", 0, 3))
    for i, (topic, head) in enumerate([("基层治理", "抓基层、强基础"), ("营商环境", "优环境、稳预期"),
                                       ("作风建设", "转作风、提效能")], start=1):
        paras.append(f"{_chinese_number(i)}、{head}")
        paras.append(w.paragraph(topic, i, 4))
        paras.append("一要" + w.paragraph(topic, i + 1, 3) + "二要" + w.paragraph(topic, i + 3, 3))
        for r in range(3):
            paras.append(w.paragraph(topic, i + 5 + r, 4))
    paras.append("同志们，让我们团结一心，苦干实干，为建设美好家园作出新的更大贡献！")
    return paras


def write_speeches(folder) -> dict[str, Path]:
    """Write the four speeches into ``folder``; returns name → path."""
    from docx import Document

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    w = _Writer()
    out = {}
    out["parts_utf8"] = folder / "county_meeting.txt"
    out["parts_utf8"].write_text(speech_with_parts(w), encoding="utf-8")
    out["no_title_gb18030"] = folder / "field_visit_gb18030.txt"
    out["no_title_gb18030"].write_bytes(speech_without_title(w).encode("gb18030"))
    out["no_parts"] = folder / "forum_talk.txt"
    out["no_parts"].write_text(speech_without_parts(w), encoding="utf-8")
    document = Document()
    for para in speech_for_docx(w):
        document.add_paragraph(para)
    out["docx"] = folder / "opinions.docx"
    document.save(out["docx"])
    return out
