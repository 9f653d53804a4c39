"""The retro read back from its Markdown into a neutral document (bot/retro/outline.py), what the Feishu Doc is
written from: the title, the intro note, the six sections with subheadings, bullets, paragraphs and tables (emphasis
and code marks off, escaped pipes kept), the curves in the data section and the Gantt with the steps."""

from __future__ import annotations

from bot.core.labels import SECTIONS
from bot.retro.outline import Chart, Table, Text, from_markdown

MARKDOWN = f"""# 危机复盘报告：面霜结块

> 事件 #7 · 产品缺陷 · 已结束。

## {SECTIONS[0]}

- 最终级别：**一级**
- 发 `/数据 话题阅读 620万` 即可记录。

## {SECTIONS[1]}

### 跨平台扩散

| 平台 | 首次出现 | 记录 |
| --- | --- | --- |
| 微博 | 09:40 | 转发 a \\| b |

## {SECTIONS[2]}

表层原因写在这里。

## {SECTIONS[3]}

## {SECTIONS[4]}

## {SECTIONS[5]}
"""


def test_markdown_reads_back_into_sections_blocks_and_tables():
    doc = from_markdown(MARKDOWN, {"propagation": b"P", "gantt": b"G"})
    assert doc.title == "危机复盘报告：面霜结块"
    assert doc.intro == (Text("quote", "事件 #7 · 产品缺陷 · 已结束。"),)
    assert [s.heading for s in doc.sections] == list(SECTIONS)
    assert doc.sections[0].blocks == (
        Text("bullet", "最终级别：一级"),
        Text("bullet", "发 /数据 话题阅读 620万 即可记录。"),
    )
    assert doc.sections[1].blocks == (
        Text("subheading", "跨平台扩散"),
        Table(("平台", "首次出现", "记录"), (("微博", "09:40", "转发 a | b"),)),
        Chart("propagation", b"P"),
    )
    assert doc.sections[2].blocks == (Text("paragraph", "表层原因写在这里。"),)
    assert doc.sections[3].blocks == (Chart("gantt", b"G"),)
    assert [c.name for c in doc.charts] == ["propagation", "gantt"]
