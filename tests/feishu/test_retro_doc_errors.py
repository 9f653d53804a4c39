"""A Feishu permission the app lacks while writing the retro's Doc (issue 14, "Scopes and errors"): a scope not
enabled (99991672), no edit right in the folder (1770032), no right to add the group as a reader (1063002). Each gives
one Chinese line in the group and a log line with the code — never a crash, never a silent drop — and changes nothing
else: no Doc (or the Doc unshared), no retries until the next `/复盘`, which works once the right is granted."""

from __future__ import annotations

import logging
import re

import pytest

from tests.fakes.feishu_docx import CODE_DOCX_FORBIDDEN, CODE_MISSING_SCOPE
from tests.feishu.test_retro_doc import FOLDER, assert_complete, doc_row, open_incident, running
from tests.support import T0, Clock, wait_until

CODE_SHARE_DENIED = 1063002  # drive permission members: "Permission denied"
CJK = re.compile(r"[\u4e00-\u9fff]")


def texts_since(group, count: int) -> list[str]:
    return group.texts()[count:]


def refused(group, db_url, caplog, code: int) -> str:
    """`/复盘` once; the one line the group got about the Doc (besides the card and the file)."""
    before = len(group.texts())
    group.say("ou_ceo", "/复盘")
    assert wait_until(lambda: doc_row(db_url).status == "blocked")
    assert wait_until(lambda: any(str(code) in t for t in texts_since(group, before)))
    lines = texts_since(group, before)
    assert len(lines) == 1, lines
    assert CJK.search(lines[0]) and "/复盘" in lines[0]
    assert any(str(code) in r.getMessage() and r.levelno >= logging.WARNING for r in caplog.records)
    assert doc_row(db_url).attempts == 0  # not retried: retrying cannot grant a permission
    return lines[0]


@pytest.fixture(autouse=True)
def _logs(caplog):
    caplog.set_level(logging.INFO, logger="bot.retro.documents")


def test_a_missing_docx_scope_is_one_line_and_no_doc_then_works_once_granted(db_url, fake_feishu, caplog):
    fake_feishu.doc_folders.add(FOLDER)
    fake_feishu.fail_with_code(1, CODE_MISSING_SCOPE, path_prefix="/open-apis/docx/")
    with running(db_url, fake_feishu, Clock(T0)) as group:
        open_incident(group)
        line = refused(group, db_url, caplog, CODE_MISSING_SCOPE)
        assert "docx:document" in line
        assert not fake_feishu.documents and not fake_feishu.doc_media and not fake_feishu.doc_members

        group.say("ou_ceo", "/复盘")  # the admin enabled the scope
        assert wait_until(lambda: doc_row(db_url).status == "done")
        assert len(fake_feishu.docs_in(FOLDER)) == 1
        assert_complete(fake_feishu, fake_feishu.docs_in(FOLDER)[0])


def test_a_folder_the_app_may_not_edit_is_one_line_and_no_doc(db_url, fake_feishu, caplog):
    with running(db_url, fake_feishu, Clock(T0)) as group:  # FOLDER was never shared with the app
        open_incident(group)
        refused(group, db_url, caplog, CODE_DOCX_FORBIDDEN)
        assert not fake_feishu.documents and not fake_feishu.doc_media
        creates = [c for c in fake_feishu.calls_to("/open-apis/docx/", "POST") if c.path.endswith("/documents")]
        assert len(creates) == 1


def test_no_right_to_share_leaves_the_doc_written_but_unshared_with_one_line(db_url, fake_feishu, caplog):
    fake_feishu.doc_folders.add(FOLDER)
    fake_feishu.fail_with_code(1, CODE_SHARE_DENIED, path_prefix="/open-apis/drive/v1/permissions/")
    with running(db_url, fake_feishu, Clock(T0)) as group:
        open_incident(group)
        refused(group, db_url, caplog, CODE_SHARE_DENIED)
        (document_id,) = fake_feishu.docs_in(FOLDER)
        assert_complete(fake_feishu, document_id)
        assert not fake_feishu.doc_members.get(document_id)
