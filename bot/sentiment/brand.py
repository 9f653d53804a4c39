"""The brand's own accounts (BRAND_ACCOUNTS): their replies under a note (“3天内可申请全额退款”) are the team
speaking, not the public, and are not counted as public sentiment."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from bot.config import get_settings


def is_brand(*authors: str | None, accounts: Iterable[str] | None = None) -> bool:
    """Whether any of a comment's author fields (nickname, user id, …) is one of the brand's accounts (the
    given ones, else BRAND_ACCOUNTS); compared after NFKC, case folding and trimming, a leading @ ignored."""
    known = {_key(account) for account in (get_settings().brand_accounts if accounts is None else accounts)}
    known.discard("")
    return bool(known) and any(_key(author) in known for author in authors if author)


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lstrip("@").strip().casefold()
