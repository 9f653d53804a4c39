"""`crisisbot check` lists the Feishu scopes each enabled feature needs (issue 14): messaging and names with any
Feishu app, docx/drive/permission scopes only with FEISHU_DOC_FOLDER_TOKEN, task scopes only with FEISHU_TASKS=on,
none in the sandbox."""

from __future__ import annotations

from tests.support import run_cli

APP = {"FEISHU_APP_ID": "cli_x", "FEISHU_APP_SECRET": "s"}
DOC_SCOPES = ("docx:document", "drive:drive", "docs:permission.member:create")
TASK_SCOPES = ("task:task:write", "task:task:read", "task:tasklist:write")


def test_a_plain_feishu_app_needs_only_the_messaging_and_names_scopes(tmp_path):
    result = run_cli(["check"], tmp_path, **APP)
    assert result.returncode == 0, result.stderr
    for scope in ("im:message", "im:message.group_msg", "im:chat:readonly", "im:resource", "im:chat.members:read"):
        assert scope in result.stdout
    assert not any(scope in result.stdout for scope in DOC_SCOPES + TASK_SCOPES)


def test_docs_and_tasks_add_their_scopes_each_on_its_own_line(tmp_path):
    docs = run_cli(["check"], tmp_path, FEISHU_DOC_FOLDER_TOKEN="fldcn_x", **APP)
    assert docs.returncode == 0, docs.stderr
    (doc_line,) = [line for line in docs.stdout.splitlines() if "docx:document" in line]
    assert all(scope in doc_line for scope in DOC_SCOPES) and "FEISHU_DOC_FOLDER_TOKEN" in doc_line
    assert "task:task" not in docs.stdout

    both = run_cli(["check"], tmp_path, FEISHU_DOC_FOLDER_TOKEN="fldcn_x", FEISHU_TASKS="on", **APP)
    (task_line,) = [line for line in both.stdout.splitlines() if "task:task" in line]
    assert all(scope in task_line for scope in TASK_SCOPES) and "docx:document" not in task_line
    assert "docx:document" in both.stdout


def test_the_sandbox_needs_no_scopes(tmp_path):
    result = run_cli(["check"], tmp_path, FEISHU_DOC_FOLDER_TOKEN="fldcn_x")
    assert result.returncode == 0, result.stderr
    assert not any(scope in result.stdout for scope in ("im:message", *DOC_SCOPES))
    assert "FEISHU_DOC_FOLDER_TOKEN" in result.stdout  # said to have no effect there
