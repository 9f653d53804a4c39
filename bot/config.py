"""Settings from the environment or `.env` (see the contract in DESIGN.md)."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BUNDLED_PLAYBOOKS = Path(__file__).resolve().parent.parent / "playbooks"

LOOPBACK = "127.0.0.1"  # what a link names when the server listens on every interface

FEISHU_DOMAINS = {"feishu": "https://open.feishu.cn", "lark": "https://open.larksuite.com"}


class Mode(StrEnum):
    ws = "ws"
    webhook = "webhook"
    sandbox = "sandbox"


_CREDENTIALS = re.compile(r"(?<=://)([^/:@]*):[^/]*@")  # to the last @ of the authority: a password may hold @


def masked_url(url: str) -> str:
    """A database URL fit to print: the password replaced by ***."""
    return _CREDENTIALS.sub(r"\1:***@", url)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    feishu_app_id: str = ""
    feishu_app_secret: str = ""
    feishu_verification_token: str = ""
    feishu_encrypt_key: str = ""
    feishu_domain: str = "feishu"
    feishu_mode: Mode | None = None

    database_url: str = "sqlite:///./crisisbot.db"

    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_model: str = ""
    openai_timeout_seconds: float = 20.0

    bot_timezone: str = "Asia/Shanghai"
    playbook_dir: Path = BUNDLED_PLAYBOOKS
    public_base_url: str = "http://127.0.0.1:8000"
    report_secret: str = ""
    report_link_days: int = 30  # a report link opens for this many days after it was made
    allowed_chat_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The brand's own comment accounts (nicknames or ids): their replies are not public sentiment.
    brand_accounts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The sandbox page and /sandbox/api/* ask for this password (HTTP basic auth, any user name) when set;
    # `serve` refuses a sandbox on an address other than loopback without it.
    sandbox_password: str = ""
    ingest_token: str = ""  # bearer token of POST /api/incidents/{id}/comments; unset: the endpoint is off
    import_max_mb: int = 50  # a comment file (posted, imported or pushed) larger than this is refused
    # Feishu-native (issue 14): each retro also written as a Feishu Doc (docx) in this folder; unset: no Doc.
    feishu_doc_folder_token: str = ""
    # `on`: action items mirrored as Feishu Tasks (task v2), assignees and due dates, completion synced both ways.
    feishu_tasks: bool = False

    # Operational knobs (not part of the contract; sensible defaults).
    webhook_max_body_bytes: int = 1_000_000
    webhook_replay_window_seconds: int = 300
    inbox_max_attempts: int = 5
    # SQLite: the inbox commit before an ack syncs the WAL to disk (FULL), so an acknowledged event survives a power
    # loss; NORMAL makes that commit cheaper and may lose the last ones (bench/webhook.py --synchronous measures it).
    inbox_synchronous: Literal["full", "normal"] = "full"
    outbox_max_attempts: int = 12
    chat_send_qps: float = 5.0
    outbox_retry_base_seconds: float = 1.0
    # A send failing with a retryable error (network, 5xx, rate limit) is retried with backoff capped at
    # OUTBOX_RETRY_CAP_SECONDS for OUTBOX_RETRY_HOURS after it was queued (Feishu itself retries events ~7 h).
    outbox_retry_hours: float = 8.0
    outbox_retry_cap_seconds: float = 300.0
    outbox_delay_notice_seconds: float = 60.0  # a reply this late after a failure counts in 网络恢复 notice
    health_stuck_send_seconds: float = 600.0  # /healthz answers 503 when a send has failed for longer than this
    health_probe_timeout_seconds: float = 2.0  # /healthz's write probe waits this long for the write lock
    sweep_interval_seconds: float = 15.0  # how often reminders and escalations are looked for
    # Follow-up cadence (a group can set its own with /review schedule and /drill schedule; 0 = off).
    review_workday: int = 1  # the quarterly review: n-th working day of each quarter …
    review_time: str = "10:00"  # … at this local time (BOT_TIMEZONE)
    drill_day: int = 15  # the monthly drill reminder: this day of the month (next working day if it is not one) …
    drill_time: str = "10:00"  # … at this local time
    # Feishu modes: `serve` runs processing, sends and schedules in a second process forked at start-up, so that
    # acks never wait behind processing (bot/core/worker_process.py); off: everything in one process.
    worker_process: bool = True
    # Store and acknowledge events but hold processing (maintenance, migrations, drills of a crash).
    processing_paused: bool = False
    # Set only by `crisisbot serve --insecure` (never from the environment): webhook events without the
    # encrypt key's signature are accepted on the verification token alone. Local testing only.
    _unsigned_webhooks: bool = PrivateAttr(default=False)

    @field_validator("allowed_chat_ids", "brand_accounts", mode="before")
    @classmethod
    def _split_chat_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def mode(self) -> Mode:
        if self.feishu_mode is not None:
            return self.feishu_mode
        return Mode.ws if self.feishu_app_id else Mode.sandbox

    @property
    def feishu_base_url(self) -> str:
        return FEISHU_DOMAINS.get(self.feishu_domain, self.feishu_domain).rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    def served_at(self, host: str, port: int) -> Settings:
        """These settings for a server listening on `host:port`: without PUBLIC_BASE_URL (environment or
        `.env`), report links point at that address, so they open wherever the bot was started."""
        if "public_base_url" in self.model_fields_set:
            return self
        shown = LOOPBACK if host in ("", "0.0.0.0", "::") else host
        if ":" in shown:
            shown = f"[{shown}]"
        return self.model_copy(update={"public_base_url": f"http://{shown}:{port}"})

    @property
    def unsigned_webhooks(self) -> bool:
        return self._unsigned_webhooks

    def allowing_unsigned_webhooks(self) -> Settings:
        """These settings for `serve --insecure`: webhook mode without FEISHU_ENCRYPT_KEY (local testing)."""
        copy = self.model_copy()
        copy._unsigned_webhooks = True
        return copy

    def chat_allowed(self, chat_id: str) -> bool:
        return not self.allowed_chat_ids or chat_id in self.allowed_chat_ids

    def listen_problems(self, host: str) -> list[str]:
        """What is wrong with serving on `host`: a sandbox has no Feishu login, so off loopback it needs a password."""
        if self.mode is not Mode.sandbox or is_loopback(host) or self.sandbox_password.strip():
            return []
        return [
            f"--host {host}: the sandbox lets anyone post as any member; it listens on 127.0.0.1 unless "
            "SANDBOX_PASSWORD is set (then the page and /sandbox/api/* ask for it)"
        ]

    def problems(self) -> list[str]:
        """Every configuration problem at once, each as one readable line."""
        found: list[str] = []
        mode = self.mode
        if mode in (Mode.ws, Mode.webhook):
            if not self.feishu_app_id:
                found.append(f"FEISHU_MODE={mode.value} needs FEISHU_APP_ID")
            if not self.feishu_app_secret:
                found.append(f"FEISHU_MODE={mode.value} needs FEISHU_APP_SECRET")
        if mode is Mode.webhook and not self.feishu_verification_token.strip():
            found.append("FEISHU_MODE=webhook needs FEISHU_VERIFICATION_TOKEN (without it anyone can post events)")
        elif self.feishu_verification_token != self.feishu_verification_token.strip():
            found.append("FEISHU_VERIFICATION_TOKEN has spaces around it: copy it again from the Feishu console")
        if mode is Mode.webhook and not self.feishu_encrypt_key.strip() and not self.unsigned_webhooks:
            found.append(
                "FEISHU_MODE=webhook needs FEISHU_ENCRYPT_KEY (加密策略 in the Feishu console): without it events "
                "are neither signed nor time-stamped, so a leaked token lets anyone post and replay them "
                "(`crisisbot serve --insecure` accepts that for local testing only)"
            )
        elif self.feishu_encrypt_key != self.feishu_encrypt_key.strip():
            found.append("FEISHU_ENCRYPT_KEY has spaces around it: copy it again from the Feishu console")
        if self.feishu_encrypt_key and not self.feishu_app_secret:
            found.append("FEISHU_ENCRYPT_KEY is set but FEISHU_APP_SECRET is not: encrypted events cannot be answered")
        base = self.feishu_base_url
        if not base.startswith("https://"):
            loopback = base.startswith(("http://127.", "http://localhost", "http://[::1]"))
            if not loopback:
                found.append(
                    f"FEISHU_DOMAIN={self.feishu_domain!r}: use feishu, lark, an https:// URL, "
                    "or http:// on loopback (tests only)"
                )
        try:
            ZoneInfo(self.bot_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            found.append(f"BOT_TIMEZONE={self.bot_timezone!r} is not a known time zone (e.g. Asia/Shanghai)")
        if not self.playbook_dir.is_dir():
            found.append(f"PLAYBOOK_DIR={self.playbook_dir} is not a folder")
        if not self.database_url.startswith(("sqlite", "postgresql", "postgres://")):
            found.append(
                f"DATABASE_URL={masked_url(self.database_url)!r}: only sqlite:/// and postgresql:// are supported"
            )
        if bool(self.openai_api_key) != bool(self.openai_model) and self.openai_api_key:
            found.append("OPENAI_API_KEY is set but OPENAI_MODEL is not")
        for name in ("review_time", "drill_time"):
            if not _is_clock_time(getattr(self, name)):
                found.append(f"{name.upper()}={getattr(self, name)!r} must be a local time HH:MM (e.g. 10:00)")
        if not 0 <= self.review_workday <= 20:
            found.append(f"REVIEW_WORKDAY={self.review_workday}: the n-th working day of the quarter, 1–20 (0 = off)")
        if not 0 <= self.drill_day <= 28:
            found.append(f"DRILL_DAY={self.drill_day}: a day of the month, 1–28 (0 = off)")
        if not 1 <= self.report_link_days <= 3650:
            found.append(f"REPORT_LINK_DAYS={self.report_link_days}: days a report link stays open, 1–3650")
        if not self.public_base_url.startswith(("http://", "https://")):
            found.append(f"PUBLIC_BASE_URL={self.public_base_url!r} must start with http:// or https://")
        return found


def is_loopback(host: str) -> bool:
    return host == "localhost" or host.startswith("127.") or host in ("::1", "[::1]")


def _is_clock_time(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
