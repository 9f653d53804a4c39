"""The Feishu docs writer (bot/feishu/docs.py) on its own, through lark-oapi against the fake Open API: long tables
are cut into docx tables of at most nine rows (header repeated) and sections into nested writes of at most 1000
blocks, every row arriving once and in order."""

from __future__ import annotations

from bot.feishu.docs import FeishuDocs
from bot.retro.outline import Outline, Section, Table, Text

FOLDER = "fldcn_writer"


def test_a_long_table_arrives_whole_in_nine_row_tables_and_writes_of_at_most_1000_blocks(fake_feishu):
    fake_feishu.doc_folders.add(FOLDER)
    header = ("时间", "类型", "记录人", "内容")
    rows = tuple((f"09:{i // 60:02d}", "动作", f"成员{i}", f"第{i}条记录") for i in range(400))
    doc = Outline("标题", (), (Section("全链路数据", (Text("subheading", "关键节点时间线"), Table(header, rows))),))
    writer = FeishuDocs(fake_feishu.lark_client(), fake_feishu.app_id, FOLDER, per_second=200)
    placed = writer.create("一篇长复盘")
    writer.rewrite(placed.document_id, doc, attempt="t")

    body = fake_feishu.body(placed.document_id)
    assert body[:2] == [("heading1", "全链路数据"), ("heading2", "关键节点时间线")]
    tables = [part for kind, part in body if kind == "table"]
    assert all(len(table) <= 9 and tuple(table[0]) == header for table in tables)
    assert [tuple(row) for table in tables for row in table[1:]] == list(rows)
    writes = fake_feishu.calls_to("/open-apis/docx/v1/documents/", "POST")
    assert len(writes) > 1 and all(len(call.json["descendants"]) <= 1000 for call in writes)
