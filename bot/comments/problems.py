"""Why a file was refused: a code, and what the Chinese reply needs to say it (templates/comments/refused.j2)."""

from __future__ import annotations


class ImportRefused(Exception):
    """The file is unusable and nothing was imported. `reason` is one of REASONS; `details` fill the reply."""

    REASONS = (
        "too_large",  # over the size cap
        "zip_bomb",  # an XLSX whose declared uncompressed size explodes
        "not_xlsx",  # .xlsx that is not a readable workbook
        "encoding",  # neither UTF-8 (with or without BOM) nor GBK/GB18030
        "unknown_type",  # not CSV, XLSX, JSON or JSONL
        "bad_json",  # JSON that does not parse, or not a list of objects
        "huge_field",  # one cell over the field size limit
        "empty",  # no data rows
        "no_text_column",
        "no_time_column",
        "too_many_broken",  # more than half the rows unusable
        "no_incident",  # no incident to import into
        "unreadable",  # the file could not be opened
    )

    def __init__(self, reason: str, **details: object) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(reason)
        self.reason = reason
        self.details = details
