"""The recorded-conversation format `crisisbot replay` reads and the sandbox's 导出对话 writes: who is in the
group, then timestamped messages (senders, @mentions, card clicks) in order. YAML (a document with `members`
and `messages`) or JSONL (one object per line; a line with `members` and no `at` is the header). A broken file
is refused whole, every problem told in Chinese with its line and field.

Times: ISO 8601 with an offset, `2026-11-24 09:05` in the file's `timezone` (default Asia/Shanghai), or a bare
`09:05` on the date of the message before it. The YAML here is read with times kept as written (PyYAML would
turn `10:30` into 630 and `2026-11-24 09:05:00` into a naive datetime)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.core.messages import Mention

DEFAULT_CHAT = "oc_replay"
DEFAULT_TIMEZONE = "Asia/Shanghai"
_CLOCK_ONLY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class ConversationError(ValueError):
    """A file that cannot be replayed: one line per problem (`path 第N行 field：reason`)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    title: str = ""


@dataclass(frozen=True)
class Line:
    """One recorded event: a message (`text`) or a card button press (`click`, the button's value)."""

    at: datetime
    sender: Member
    text: str | None = None
    mentions: tuple[Mention, ...] = ()
    click: dict[str, Any] | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class Conversation:
    chat_id: str
    chat_name: str
    tz: ZoneInfo
    members: tuple[Member, ...]
    lines: tuple[Line, ...]
    end: datetime  # the recorded end: the sweep runs here last and the retro is compiled as of it
    name_of: dict[str, str] = field(default_factory=dict)


# ---- the file's shape (pydantic) -------------------------------------------------------------------------------


class RawMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=128)
    title: str = ""


class RawLine(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    at: str
    sender: str = Field(alias="from", min_length=1)
    text: str | None = None
    mentions: list[str] | None = None
    click: dict[str, Any] | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> RawLine:
        if (self.text is None) == (self.click is None):
            raise ValueError(_problem("text_or_click"))
        if self.click is not None and not self.click.get("action"):
            raise ValueError(_problem("click_without_action"))
        return self


class RawHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chat_id: str = Field(default=DEFAULT_CHAT, min_length=1, max_length=128)
    chat_name: str = ""
    timezone: str = DEFAULT_TIMEZONE
    members: list[RawMember] = Field(min_length=1)
    end: str | None = None


# ---- reading ---------------------------------------------------------------------------------------------------


def _problem(name: str, **context: object) -> str:
    from bot.core.wording import environment

    macro = getattr(environment().get_template("replay/problems.j2").module, name)
    return str(macro(**context)).strip()


def _where(path: str, line: int | None, where: str) -> str:
    return _problem("where", path=path, line=line, field=where)


class _PlainTimesLoader(yaml.SafeLoader):
    """SafeLoader that keeps times as written and notes the line each mapping starts on."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.lines: dict[int, int] = {}


_PlainTimesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith((":timestamp", ":int"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PlainTimesLoader.add_implicit_resolver(  # integers, without YAML 1.1's base-60 `10:30` = 630
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)


def _mapping_with_line(loader: _PlainTimesLoader, node: yaml.MappingNode):
    data: dict = {}
    loader.lines[id(data)] = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


_PlainTimesLoader.add_constructor("tag:yaml.org,2002:map", _mapping_with_line)


def _field_name(loc: tuple) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _reasons(exc: ValidationError, prefix: str) -> list[tuple[str, str]]:
    """(field, Chinese reason) for each pydantic error."""
    found = []
    for error in exc.errors():
        loc = tuple("from" if key == "sender" else key for key in error["loc"])
        name = f"{prefix}.{_field_name(loc)}" if prefix and loc else (prefix or _field_name(loc))
        kind = error["type"]
        if kind == "missing":
            reason = _problem("missing", field=loc[-1] if loc else name)
        elif kind == "extra_forbidden":
            reason = _problem("unknown_field", field=loc[-1] if loc else name)
        elif kind == "value_error":
            reason = str(error["msg"]).removeprefix("Value error, ")
        elif kind.startswith("string"):
            reason = _problem("wrong_type", expected="文字") if kind == "string_type" else str(error["msg"])
        elif kind in ("list_type", "dict_type", "model_type"):
            reason = _problem("wrong_type", expected={"list_type": "列表", "dict_type": "对象"}.get(kind, "对象"))
        elif kind == "too_short":
            reason = _problem("missing", field=loc[-1] if loc else name)
        else:
            reason = str(error["msg"])
        found.append((name, reason))
    return found


def load(path: Path) -> Conversation:
    """The conversation in `path` (`.jsonl` is JSON lines, anything else YAML); ConversationError otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConversationError([f"{path}：{_problem('unreadable', problem=exc)}"]) from None
    if path.suffix.lower() == ".jsonl":
        return parse_jsonl(text, str(path))
    return parse_yaml(text, str(path))


def parse_yaml(text: str, path: str = "<conversation>") -> Conversation:
    loader = _PlainTimesLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConversationError([f"{_where(path, line, '')}：{_problem('yaml_syntax', problem=exc.problem)}"]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict) or "messages" not in data:
        raise ConversationError([f"{path}：{_problem('not_a_conversation')}"])
    messages = data.pop("messages")
    if not isinstance(messages, list):
        line = loader.lines.get(id(data))
        raise ConversationError([f"{_where(path, line, 'messages')}：{_problem('wrong_type', expected='列表')}"])
    lines = [(loader.lines.get(id(item)), f"messages[{i}]", item) for i, item in enumerate(messages)]
    return _build(path, (loader.lines.get(id(data)), data), lines)


def parse_jsonl(text: str, path: str = "<conversation>") -> Conversation:
    header: tuple[int | None, dict] | None = None
    lines: list[tuple[int | None, str, object]] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"{_where(path, number, '')}：{_problem('json_syntax', problem=exc.msg)}")
            continue
        if isinstance(item, dict) and "members" in item and "at" not in item and header is None:
            header = (number, item)
        else:
            lines.append((number, "", item))
    if problems:
        raise ConversationError(problems)
    if header is None:
        raise ConversationError([f"{path}：{_problem('not_a_conversation')}"])
    return _build(path, header, lines)


def _build(path: str, header: tuple[int | None, dict], items: list[tuple[int | None, str, object]]) -> Conversation:
    problems: list[str] = []
    head_line, head_data = header
    try:
        head = RawHeader.model_validate(head_data)
    except ValidationError as exc:
        raise ConversationError([f"{_where(path, head_line, f)}：{r}" for f, r in _reasons(exc, "")]) from None
    try:
        tz = ZoneInfo(head.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConversationError(
            [f"{_where(path, head_line, 'timezone')}：{_problem('bad_timezone', raw=head.timezone)}"]
        ) from None
    members = tuple(Member(m.id, m.name, m.title) for m in head.members)
    by_key: dict[str, Member] = {}
    for member in members:
        for key in {member.user_id, member.name}:
            if key in by_key:
                problems.append(f"{_where(path, head_line, 'members')}：{_problem('duplicate_member', who=key)}")
            by_key[key] = member
    known = "、".join(m.name for m in members)
    if not items:
        problems.append(f"{path}：{_problem('no_messages')}")
    lines: list[Line] = []
    previous: datetime | None = None
    for line_no, prefix, item in items:
        if not isinstance(item, dict):
            problems.append(f"{_where(path, line_no, prefix)}：{_problem('not_an_object')}")
            continue
        try:
            raw = RawLine.model_validate(item)
        except ValidationError as exc:
            problems += [f"{_where(path, line_no, f)}：{r}" for f, r in _reasons(exc, prefix)]
            continue
        here = f"{prefix}." if prefix else ""
        try:
            at = parse_time(raw.at, tz=tz, previous=previous)
        except ValueError as exc:
            problems.append(f"{_where(path, line_no, here + 'at')}：{exc}")
            continue
        if previous is not None and at < previous:
            reason = _problem(
                "earlier_than_before", at=raw.at, previous=previous.astimezone(tz).strftime("%m-%d %H:%M")
            )
            problems.append(f"{_where(path, line_no, here + 'at')}：{reason}")
            continue
        sender = by_key.get(raw.sender)
        if sender is None:
            problems.append(
                f"{_where(path, line_no, here + 'from')}：{_problem('unknown_sender', who=raw.sender, known=known)}"
            )
            continue
        mentions, unknown = _mentions(raw, by_key, members)
        if unknown:
            reason = _problem("unknown_mention", who=unknown, known=known)
            problems.append(f"{_where(path, line_no, here + 'mentions')}：{reason}")
            continue
        previous = at
        lines.append(Line(at, sender, raw.text, mentions, raw.click, raw.id))
    end = lines[-1].at if lines else None
    if head.end is not None and lines:
        try:
            end = parse_time(head.end, tz=tz, previous=lines[-1].at)
            if end < lines[-1].at:
                last = lines[-1].at.astimezone(tz).strftime("%m-%d %H:%M")
                problems.append(
                    f"{_where(path, head_line, 'end')}：{_problem('end_too_early', at=head.end, last=last)}"
                )
        except ValueError as exc:
            problems.append(f"{_where(path, head_line, 'end')}：{exc}")
    if problems:
        raise ConversationError(problems)
    return Conversation(
        chat_id=head.chat_id,
        chat_name=head.chat_name,
        tz=tz,
        members=members,
        lines=tuple(lines),
        end=end,
        name_of={m.user_id: m.name for m in members},
    )


def parse_time(raw: str, *, tz: ZoneInfo, previous: datetime | None) -> datetime:
    """An aware datetime from what the file says; ValueError (Chinese) when it is not a time."""
    raw = raw.strip()
    clock = _CLOCK_ONLY.match(raw)
    if clock:
        if previous is None:
            raise ValueError(_problem("first_without_date", raw=raw))
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(_problem("bad_time", raw=raw))
        day: date = previous.astimezone(tz).date()
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(_problem("bad_time", raw=raw)) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _mentions(raw: RawLine, by_key: dict[str, Member], members: tuple[Member, ...]) -> tuple[tuple[Mention, ...], str]:
    """The mentioned members: those listed in `mentions`, else every member whose `@name` is in the text."""
    text = raw.text or ""
    if raw.mentions is not None:
        chosen = []
        for key in raw.mentions:
            member = by_key.get(key.removeprefix("@"))
            if member is None:
                return (), key
            chosen.append(member)
    else:
        chosen = [m for m in members if f"@{m.name}" in text]
    found = []
    for member in chosen:
        label = f"@{member.name}"
        start = text.find(label)
        if start == -1:
            found.append(Mention(member.user_id, member.name, 0))
        while start != -1:
            found.append(Mention(member.user_id, member.name, start))
            start = text.find(label, start + len(label))
    return tuple(sorted(found, key=lambda m: m.offset)), ""
