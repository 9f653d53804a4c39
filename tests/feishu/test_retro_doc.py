"""The retro as a Feishu Doc (issue 14, FEISHU_DOC_FOLDER_TOKEN): `/复盘` and `/结束` write one docx document per
incident into the folder — the six sections in order, tables, the charts as images — let the group read it and post
its link; a later retro rewrites the same document. Writes happen in the docs worker (never on the webhook's path),
paced to Feishu's 3 calls/s, 429s retried; a crash mid-document or a lost create leaves exactly one complete Doc.
Everything goes through lark-oapi to the fake Open API on loopback, driven by the signed webhook."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import pytest
from sqlmodel import Session, select

from bot.clock.now import utcnow
from bot.core import db
from bot.core.labels import SECTIONS
from bot.retro.models import RetroDocument
from tests.fakes.feishu_server import CODE_RATE_LIMIT
from tests.feishu_group import FeishuGroup
from tests.support import T0, Clock, serve, wait_until

CHAT = "oc_retro_doc"
FOLDER = "fldcn_retro"
DOCX = "/open-apis/docx/"
DOC_CALLS = ("/open-apis/docx/", "/open-apis/drive/")


@contextmanager
def running(db_url, fake, clock: Clock, **settings):
    group = FeishuGroup(db_url, fake, clock, chat_id=CHAT, feishu_doc_folder_token=FOLDER, **settings)
    with serve(group.app) as url:
        group.url = url
        yield group
    worker = group.app.state.docs_worker
    assert wait_until(lambda: not worker.is_alive(), timeout=15)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


def open_incident(group: FeishuGroup) -> None:
    group.say("ou_ceo", "/危机 开启 面霜致敏被博主晒图 级别=1")
    group.clock.advance(minutes=20)
    group.say("ou_ops", "/数据 话题阅读 620万")
    group.say("ou_ops", "负面评论占比30%")
    group.clock.advance(minutes=30)
    group.say("ou_mkt", "/声明 初步 我们已下架该批次，3天内可申请全额退款")


def link_lines(group: FeishuGroup, url: str) -> list[str]:
    return [t for t in group.texts() if url and url in t]


def the_doc(fake) -> str:
    docs = fake.docs_in(FOLDER)
    assert len(docs) == 1, docs
    return docs[0]


def headings(fake, document_id: str) -> list[str]:
    return [text for kind, text in fake.body(document_id) if kind == "heading1"]


def images(fake, document_id: str) -> list[str]:
    return [token for kind, token in fake.body(document_id) if kind == "image"]


def creates(fake) -> list:
    return [
        c for c in fake.calls_to("/open-apis/docx/v1/documents", "POST") if c.path == "/open-apis/docx/v1/documents"
    ]


def doc_row(db_url: str) -> RetroDocument:
    engine = db.make_engine(db_url)
    try:
        with Session(engine) as session:
            return session.exec(select(RetroDocument)).one()
    finally:
        engine.dispose()


def listed_url(fake, document_id: str) -> str:
    files = fake.lark_client().drive.v1.file.list
    from lark_oapi.api.drive.v1 import ListFileRequest

    response = files(ListFileRequest.builder().folder_token(FOLDER).build())
    return next(f.url for f in response.data.files if f.token == document_id)


def assert_complete(fake, document_id: str) -> None:
    """The six section headings, each once, in the report's order; every image block holds an uploaded PNG."""
    assert headings(fake, document_id) == list(SECTIONS)
    tokens = images(fake, document_id)
    assert tokens and all(tokens)
    for token in tokens:
        assert fake.doc_media[token]["data"].startswith(b"\x89PNG")
        assert fake.doc_media[token]["extra"]["drive_route_token"] == document_id
    assert any(kind == "table" for kind, _ in fake.body(document_id))


def test_retro_becomes_one_doc_in_the_folder_and_a_second_retro_updates_it(db_url, fake_feishu, clock):
    fake_feishu.doc_folders.add(FOLDER)
    with running(db_url, fake_feishu, clock) as group:
        open_incident(group)
        replies = group.say("ou_ceo", "/复盘")
        first_card = [m for m in replies if m["msg_type"] == "interactive"]
        assert first_card  # the card does not wait for the Doc
        assert wait_until(lambda: doc_row(db_url).status == "done")
        document_id = the_doc(fake_feishu)
        url = listed_url(fake_feishu, document_id)
        assert wait_until(lambda: len(link_lines(group, url)) == 1)
        assert url not in json.dumps(first_card, ensure_ascii=False)  # linked by the message that followed
        assert_complete(fake_feishu, document_id)
        assert fake_feishu.documents[document_id]["title"] == doc_row(db_url).title
        assert "面霜致敏被博主晒图" in doc_row(db_url).title
        assert {"member_type": "openchat", "member_id": CHAT, "perm": "view"} in fake_feishu.doc_members[document_id]
        first_images = images(fake_feishu, document_id)
        assert len(first_images) >= 2  # the curves of the data section and the steps' Gantt

        group.clock.advance(minutes=40)
        group.say("ou_ops", "/数据 负面占比 65%")
        cards = [m for m in group.say("ou_ceo", "/复盘") if m["msg_type"] == "interactive"]
        assert url in json.dumps(cards, ensure_ascii=False)  # the card links the Doc it already has
        assert wait_until(lambda: len(link_lines(group, url)) == 2)
        assert fake_feishu.docs_in(FOLDER) == [document_id]  # updated, not a second Doc
        assert_complete(fake_feishu, document_id)
        assert set(images(fake_feishu, document_id)).isdisjoint(first_images)  # the old body is gone
        texts = " ".join(str(part) for _, part in fake_feishu.body(document_id))
        assert "65%" in texts
        assert len(fake_feishu.doc_members[document_id]) == 1  # shared once


def test_closing_the_incident_writes_the_doc(db_url, fake_feishu, clock):
    fake_feishu.doc_folders.add(FOLDER)
    with running(db_url, fake_feishu, clock) as group:
        open_incident(group)
        group.clock.advance(hours=2)
        group.say("ou_ceo", "/结束")
        assert wait_until(lambda: doc_row(db_url).status == "done")
        assert_complete(fake_feishu, the_doc(fake_feishu))


def test_a_crash_between_block_writes_then_a_restart_leaves_one_complete_doc(db_url, fake_feishu, clock):
    fake_feishu.doc_folders.add(FOLDER)
    fake_feishu.fail_after(2, "/descendant")  # two section writes land, then the docx API breaks
    with running(db_url, fake_feishu, clock) as group:
        open_incident(group)
        group.say("ou_ceo", "/复盘")
        assert wait_until(lambda: len(fake_feishu.calls_to(DOCX, "POST")) >= 4)  # create + 2 writes + a failed one
    document_id = the_doc(fake_feishu)
    assert headings(fake_feishu, document_id) != list(SECTIONS)  # the bot went down with the Doc half written
    assert doc_row(db_url).status == "pending"

    fake_feishu.heal_docs()
    with running(db_url, fake_feishu, clock) as restarted:
        assert wait_until(lambda: doc_row(db_url).status == "done")
        url = listed_url(fake_feishu, document_id)
        assert wait_until(lambda: len(link_lines(restarted, url)) == 1)
    assert fake_feishu.docs_in(FOLDER) == [document_id]
    assert_complete(fake_feishu, document_id)


def test_a_doc_deleted_in_feishu_is_made_again_at_the_next_retro(db_url, fake_feishu, clock):
    fake_feishu.doc_folders.add(FOLDER)
    with running(db_url, fake_feishu, clock) as group:
        open_incident(group)
        group.say("ou_ceo", "/复盘")
        assert wait_until(lambda: doc_row(db_url).status == "done")
        first = the_doc(fake_feishu)
        fake_feishu.delete_document(first)
        group.say("ou_ceo", "/复盘")
        assert wait_until(lambda: doc_row(db_url).status == "done" and doc_row(db_url).document_id != first)
        second = the_doc(fake_feishu)
        assert wait_until(lambda: len(link_lines(group, listed_url(fake_feishu, second))) == 1)
    assert_complete(fake_feishu, second)
    assert {"member_type": "openchat", "member_id": CHAT, "perm": "view"} in fake_feishu.doc_members[second]


def test_a_create_whose_answer_was_lost_is_found_again_not_made_twice(db_url, fake_feishu, clock):
    fake_feishu.doc_folders.add(FOLDER)
    fake_feishu.lose_replies(1, "/open-apis/docx/v1/documents")  # the create happens; its answer never arrives
    with running(db_url, fake_feishu, clock) as group:
        open_incident(group)
        group.say("ou_ceo", "/复盘")
        assert wait_until(lambda: doc_row(db_url).status == "done")
    assert len(creates(fake_feishu)) == 1  # looked up in the folder by its title instead
    assert fake_feishu.calls_to("/open-apis/drive/v1/files", "GET")
    assert_complete(fake_feishu, the_doc(fake_feishu))


def test_rate_limits_are_waited_out_and_calls_stay_within_three_per_second(db_url, fake_feishu, clock):
    fake_feishu.doc_folders.add(FOLDER)
    fake_feishu.fail_with_code(2, CODE_RATE_LIMIT, path_prefix=DOCX)
    with running(db_url, fake_feishu, clock) as group:
        open_incident(group)
        started = len(fake_feishu.calls)
        group.say("ou_ceo", "/复盘")
        assert wait_until(lambda: doc_row(db_url).status == "done")
        assert_complete(fake_feishu, the_doc(fake_feishu))
    assert len(creates(fake_feishu)) == 3  # answered 429 twice, then made once
    moments = [c.at for c in fake_feishu.calls[started:] if c.path.startswith(DOC_CALLS)]
    assert len(moments) >= 10
    # Any four consecutive docs calls span about a second or more (3 calls/s; arrival jitter on a busy machine allowed),
    # and the whole write averages no more than 3 calls/s.
    spans = [round(b - a, 3) for a, b in zip(moments, moments[3:], strict=False)]
    assert min(spans) > 0.8, spans
    assert (len(moments) - 1) / (moments[-1] - moments[0]) <= 3.05
    row = doc_row(db_url)
    assert row.attempts == 0, row.last_error  # the 429s were absorbed by waiting, not by failing the attempt


def test_the_first_retro_lists_nothing_when_no_folder_is_configured(db_url, fake_feishu, clock):
    group = FeishuGroup(db_url, fake_feishu, clock, chat_id=CHAT)
    assert group.app.state.docs_worker is None
    with serve(group.app) as url:
        group.url = url
        open_incident(group)
        group.say("ou_ceo", "/复盘")
    assert not fake_feishu.calls_to(DOCX) and not fake_feishu.documents


def test_two_writers_at_the_same_moment_make_one_doc(db_url, fake_feishu, clock):
    """Replicas share the database: the row's lease lets one of two writers that see it due at once go ahead."""
    from bot.feishu.docs import FeishuDocs
    from bot.incidents.models import Incident
    from bot.retro import documents
    from tests.support import feishu_settings

    fake_feishu.doc_folders.add(FOLDER)
    group = FeishuGroup(db_url, fake_feishu, clock, chat_id=CHAT)  # no folder: its own worker writes nothing
    with serve(group.app) as url:
        group.url = url
        open_incident(group)
    settings = feishu_settings(db_url, fake_feishu, feishu_doc_folder_token=FOLDER)
    engine = db.make_engine(db_url)
    with Session(engine) as session:
        documents.request(session, session.exec(select(Incident)).one(), settings, now=clock.now)
        session.commit()
    row_id = doc_row(db_url).id
    writer = FeishuDocs(fake_feishu.lark_client(), fake_feishu.app_id, FOLDER)
    start = threading.Barrier(2)

    def write() -> None:
        start.wait()
        documents.write_one(engine, settings, writer, row_id, now=utcnow())

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()
    assert len(creates(fake_feishu)) == 1
    assert doc_row(db_url).status == "done"
    assert_complete(fake_feishu, the_doc(fake_feishu))
