"""Command and event routing. Handlers register on a `Commands` group the way the help
text reads; a `Router` includes groups and turns an event into what to say.

Chinese is the primary form of every command (`/危机 开启`), English its alias (`/crisis open`): help
lists the Chinese usage first, a typo is answered with the Chinese usage of the nearest command, and a
word near no command gets the short Chinese help instead of a far-fetched guess."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.config import Settings
from bot.core.llm import LLM
from bot.core.messages import BotAdded, Card, CardAction, Event, Inbound, Mention, Outbound
from bot.core.messenger import ChatReader
from bot.core.wording import say

log = logging.getLogger(__name__)

COMMAND_PREFIXES = ("/", "／")
Reply = str | Card | Outbound | Iterable["Reply"] | None


class UserError(Exception):
    """Something the user can fix: the message (Simplified Chinese, one line) is the reply, and
    whatever the handler wrote before raising is rolled back."""


@dataclass
class Context:
    """What every handler gets: the unit of work and the clock it runs under."""

    session: Session
    settings: Settings
    now: datetime
    router: Router
    reader: ChatReader | None = None  # reads history, messages and files back from the platform
    llm: LLM | None = None  # the optional OpenAI-compatible model


@dataclass
class CommandRequest:
    ctx: Context
    message: Inbound
    name: str  # the word the user typed, e.g. "帮助"
    spec: CommandSpec
    args: str  # text after the command word, stripped
    mentions: tuple[Mention, ...]  # mentions inside args

    @property
    def chat_id(self) -> str:
        return self.message.chat_id


@dataclass(frozen=True)
class CommandSpec:
    name: str  # the primary (Chinese) word where there is one, e.g. "危机"
    aliases: tuple[str, ...]
    usage: str  # the Chinese usage, e.g. "/危机 开启 <标题> …"
    summary: str
    func: Callable[[CommandRequest], Reply]
    group_only: bool = False
    hidden: bool = False  # a shortcut listed under another command's help (e.g. /结束)
    english: str = ""  # the English usage, shown as the alias, e.g. "/crisis open <title> …"

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def english_word(self) -> str:
        """The English command as typed (`/crisis`), or "" for a Chinese-only shortcut."""
        if self.english:
            return self.english.split()[0]
        return next((f"/{w}" for w in self.words if w.isascii()), "")


class EveryMessage:
    """Registration key of `on_every_message`: every message, command or not."""


@dataclass
class Commands:
    """A group of registrations kept by one handler module."""

    commands: list[CommandSpec] = field(default_factory=list)
    actions: dict[str, Callable[[CardAction, Context], Reply]] = field(default_factory=dict)
    listeners: dict[type, list[Callable[[Any, Context], Reply]]] = field(default_factory=dict)

    def command(
        self,
        name: str,
        *aliases: str,
        usage: str,
        summary: str,
        english: str = "",
        group_only: bool = False,
        hidden: bool = False,
    ):
        """Register a command: its primary word (Chinese where there is one), its aliases, the Chinese
        `usage`, the `summary` and the English usage shown as the alias."""

        def register(func: Callable[[CommandRequest], Reply]) -> Callable[[CommandRequest], Reply]:
            self.commands.append(CommandSpec(name, aliases, usage, summary, func, group_only, hidden, english))
            return func

        return register

    def action(self, name: str):
        def register(func):
            self.actions[name] = func
            return func

        return register

    def on(self, event_type: type):
        """Listen to an event type; for Inbound: ordinary (non-command) messages only."""

        def register(func):
            self.listeners.setdefault(event_type, []).append(func)
            return func

        return register

    def on_message(self, func):
        return self.on(Inbound)(func)

    def on_every_message(self, func):
        """Called for every message, command or not, before it is handled (to learn who wrote it); its result is
        ignored. It must only do quick database work (no network: the event's transaction is open)."""
        return self.on(EveryMessage)(func)

    def on_bot_added(self, func):
        return self.on(BotAdded)(func)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def split_command(message: Inbound) -> tuple[str, str, int] | None:
    """(command word, args, offset of args) when the text is a command, after any leading
    @mentions (e.g. of the bot itself); None for ordinary messages."""
    text = message.text
    leading = {m.offset: m for m in message.mentions}
    pos = _skip_space(text, 0)
    while pos in leading:
        pos = _skip_space(text, pos + len(leading[pos].name) + 1)
    if not text.startswith(COMMAND_PREFIXES, pos):
        return None
    word = re.match(r"\S*", text[pos + 1 :]).group(0)
    args_offset = pos + 1 + len(word)
    return word.lower(), text[args_offset:].strip(), args_offset


class Router:
    def __init__(self, *groups: Commands) -> None:
        self._by_word: dict[str, CommandSpec] = {}
        self.commands: list[CommandSpec] = []
        self.actions: dict[str, Callable[[CardAction, Context], Reply]] = {}
        self.listeners: dict[type, list[Callable[[Any, Context], Reply]]] = {}
        for group in groups:
            self.include(group)

    def include(self, group: Commands) -> None:
        for spec in group.commands:
            for word in spec.words:
                key = word.lower()
                if key in self._by_word:
                    raise ValueError(f"command word /{word} registered twice")
                self._by_word[key] = spec
            self.commands.append(spec)
        for name, func in group.actions.items():
            if name in self.actions:
                raise ValueError(f"card action {name!r} registered twice")
            self.actions[name] = func
        for event_type, funcs in group.listeners.items():
            self.listeners.setdefault(event_type, []).extend(funcs)

    def lookup(self, word: str) -> CommandSpec | None:
        return self._by_word.get(word.lower())

    def closest(self, word: str) -> CommandSpec | None:
        """The command a typo most likely meant: the registered word fewest edits away (a swap of two
        neighbouring letters is one edit), when it is within `typo_allowance`; None when no word is that
        near (`/foo` is not a misspelt `/root`)."""
        typed = word.lower()
        allowance = typo_allowance(typed)
        best: tuple[int, CommandSpec] | None = None
        for known, spec in self._by_word.items():
            distance = edit_distance(typed, known)
            if distance <= allowance and (best is None or distance < best[0]):
                best = (distance, spec)
        return best[1] if best else None

    def short_help(self) -> list[str]:
        """The Chinese command words, once each, in help order (`/危机`, `/角色`, …)."""
        words: list[str] = []
        for spec in self.commands:
            word = spec.usage.split()[0] if spec.usage else f"/{spec.name}"
            if not spec.hidden and word not in words:
                words.append(word)
        return words

    # ---- dispatch ---------------------------------------------------------------------------

    def dispatch(self, event: Event, ctx: Context) -> list[Outbound]:
        if isinstance(event, Inbound):
            return self._on_message(event, ctx)
        if isinstance(event, CardAction):
            return self._on_card_action(event, ctx)
        chat_id = getattr(event, "chat_id", "")
        return [o for f in self.listeners.get(type(event), []) for o in to_outbound(f(event, ctx), chat_id)]

    def _on_message(self, message: Inbound, ctx: Context) -> list[Outbound]:
        for learn in self.listeners.get(EveryMessage, []):  # plain reads and writes: no network, no savepoint
            learn(message, ctx)
        parsed = split_command(message)
        if parsed is None:
            return [
                o
                for f in self.listeners.get(Inbound, [])
                for o in to_outbound(f(message, ctx), message.chat_id, reply_to=message.message_id)
            ]
        word, args, args_offset = parsed
        spec = self.lookup(word)
        if spec is None:
            reply = (
                say("unknown_command", word=word, closest=self.closest(word), commands=self.short_help())
                if word
                else say("empty_command")
            )
            return to_outbound(reply, message.chat_id, reply_to=message.message_id)
        if spec.group_only and message.chat_type != "group":
            return to_outbound(say("group_only", word=word), message.chat_id, reply_to=message.message_id)
        request = CommandRequest(
            ctx=ctx,
            message=message,
            name=word,
            spec=spec,
            args=args,
            mentions=tuple(m for m in message.mentions if m.offset >= args_offset),
        )
        return to_outbound(_guarded(ctx, spec.func, request), message.chat_id, reply_to=message.message_id)

    def _on_card_action(self, action: CardAction, ctx: Context) -> list[Outbound]:
        name = str(action.value.get("action", ""))
        func = self.actions.get(name)
        if func is None:
            log.warning("card action %r has no handler (event %s)", name, action.event_id)
            return to_outbound(say("unknown_action"), action.chat_id)
        return to_outbound(_guarded(ctx, func, action, ctx), action.chat_id)


def _guarded(ctx: Context, func: Callable[..., Reply], *args: Any) -> Reply:
    """Run a handler; a UserError becomes its message as the reply, with the handler's writes undone."""
    try:
        return func(*args)
    except UserError as problem:
        if ctx.session is not None:
            ctx.session.rollback()
        return str(problem)


def to_outbound(reply: Reply, chat_id: str, *, reply_to: str = "") -> list[Outbound]:
    """Normalise what a handler returned into Outbound messages for `chat_id`."""
    if reply is None:
        return []
    if isinstance(reply, str):
        return [Outbound(chat_id=chat_id, kind="text", text=reply, reply_to=reply_to)] if reply else []
    if isinstance(reply, Card):
        return [Outbound(chat_id=chat_id, kind="card", card=reply, reply_to=reply_to)]
    if isinstance(reply, Outbound):
        return [reply]
    out: list[Outbound] = []
    for item in reply:  # type: ignore[union-attr]
        out.extend(to_outbound(item, chat_id, reply_to=reply_to))
    return out


def help_entries(router: Router) -> list[dict[str, Any]]:
    """What /帮助 lists for each command: the Chinese usage and summary, then the English alias."""
    return [
        {"usage": spec.usage, "summary": spec.summary, "english": spec.english or spec.english_word, "name": spec.name}
        for spec in router.commands
        if not spec.hidden
    ]


def typo_allowance(word: str) -> int:
    """How many edits a typo may be away from a command: one for short words and for any Chinese word
    (`/危急` → `/危机`; a Chinese character carries a word's worth of meaning), two for English words of six
    letters or more (`/statment`, `/stauts`)."""
    return 2 if word.isascii() and len(word) >= 6 else 1


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbouring characters that turn `a` into `b`
    (optimal string alignment distance)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, previous2[j - 2] + 1)
            current.append(best)
        previous2, previous = previous, current
    return previous[-1]
