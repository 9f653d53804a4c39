"""The Feishu scopes (应用权限) each enabled feature needs — what `crisisbot check` lists, what the README names, and
what a refused docs call says is missing. Names as the Feishu Open Platform spells them (开发者后台 → 权限管理)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Mode, Settings
from bot.core.wording import environment


@dataclass(frozen=True)
class Feature:
    key: str  # messaging | names | docs | tasks (its words are in templates/cli/scopes.j2)
    scopes: tuple[str, ...]


MESSAGING = Feature(
    "messaging",
    (
        "im:message",
        "im:message:send_as_bot",
        "im:message.group_msg",
        "im:message.group_at_msg:readonly",
        "im:message:readonly",
        "im:chat:readonly",
        "im:resource",
    ),
)
NAMES = Feature("names", ("im:chat.members:read",))  # names come from the chat member list, not the contact API
DOCS = Feature("docs", ("docx:document", "drive:drive", "docs:permission.member:create"))
TASKS = Feature("tasks", ("task:task:write", "task:task:read", "task:tasklist:write"))

# What a refused docs call needed, by the step that was refused (`bot.feishu.docs`).
DOCS_STEP = {
    "create": "docx:document",
    "write": "docx:document",
    "find": "drive:drive",
    "upload": "drive:drive",
    "share": "docs:permission.member:create",
}


def needed(settings: Settings) -> list[Feature]:
    """The features this configuration turns on, each with its scopes (none in the sandbox: no Feishu app)."""
    if settings.mode is Mode.sandbox:
        return []
    features = [MESSAGING, NAMES]
    if settings.feishu_doc_folder_token:
        features.append(DOCS)
    if settings.feishu_tasks:
        features.append(TASKS)
    return features


def check_lines(settings: Settings) -> list[str]:
    """What `crisisbot check` prints about scopes: one line per enabled feature."""
    say = environment().get_template("cli/scopes.j2").module
    features = needed(settings)
    if not features:
        ignored = [name for name, on in (("FEISHU_DOC_FOLDER_TOKEN", settings.feishu_doc_folder_token),) if on]
        return [str(say.sandbox(ignored=ignored)).strip()]
    lines = [str(say.heading()).strip()]
    lines += [str(say.feature(key=f.key, scopes=", ".join(f.scopes))).rstrip() for f in features]
    return lines
