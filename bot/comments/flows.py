"""Three ways in, one importer: a file posted in the group while an incident is open, `crisisbot import FILE`, and
`POST /api/incidents/{id}/comments`. A file is all or nothing: an unusable one raises ImportRefused and writes
nothing; duplicate comments (same platform + comment id, or same author + text + time) are skipped and counted;
every stored comment carries its sentiment, classified in batches, and a negative one its keyword candidates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.comments import columns, keywords, readers, service
from bot.comments.models import CommentImport
from bot.comments.phrases import phrases as comment_phrases
from bot.comments.problems import ImportRefused
from bot.comments.rows import Parsed, looks_like_summary, parse_row
from bot.config import Settings
from bot.core.messages import Attachment, Inbound
from bot.core.messenger import ChatReader
from bot.incidents import service as incident_service
from bot.incidents.models import Incident

BATCH = 2000  # comments classified and inserted together
BROKEN_LIMIT = 0.5  # more than this share of unusable rows refuses the file
DEFAULT_PLATFORM = "xhs"
IMPORTABLE = tuple(f".{family}" for family in readers.FAMILIES)


@dataclass
class Summary:
    """What one import did (the CLI's `--json` object, the API's answer, the chat reply's data)."""

    incident_id: int
    file_name: str
    format: str
    format_name: str
    read: int
    imported: int
    skipped: dict[str, int] = field(default_factory=dict)  # reason → count: duplicate, no_text, bad_time
    columns: dict[str, str] = field(default_factory=dict)  # field → header it was read from
    guessed: bool = False  # a generic table: the columns were guessed from their names
    duplicate_file: bool = False  # this very file was imported before: nothing new
    import_id: int | None = None
    earlier_at: datetime | None = None  # when the same file was imported before
    by_platform: dict[str, int] = field(default_factory=dict)  # imported comments per platform
    brand: int = 0  # of them, by the brand's own accounts (stored, not public sentiment)

    def as_json(self) -> dict[str, object]:
        return {
            "incident_id": self.incident_id,
            "import_id": self.import_id,
            "file": self.file_name,
            "format": self.format,
            "format_name": self.format_name,
            "read": self.read,
            "imported": self.imported,
            "skipped": dict(self.skipped),
            "columns": dict(self.columns),
            "guessed": self.guessed,
            "duplicate_file": self.duplicate_file,
            "by_platform": dict(self.by_platform),
            "brand": self.brand,
        }


def import_comments(
    session: Session,
    incident: Incident,
    data: bytes,
    *,
    name: str,
    source: str,
    settings: Settings,
    now: datetime,
    by: str = "",
    platform: str | None = None,
    content_type: str = "",
) -> Summary:
    """Import one file's comments into `incident` (flushed, not committed: the caller's unit of work)."""
    max_bytes = settings.import_max_mb * 1024 * 1024
    if len(data) > max_bytes:
        raise ImportRefused("too_large", size=len(data), limit=max_bytes)
    file_hash = hashlib.sha256(data).hexdigest()
    earlier = service.earlier_import(session, incident.id, file_hash)
    if earlier is not None:
        return _duplicate_file(earlier, name)
    table = readers.read_table(data, name=name, max_bytes=max_bytes, content_type=content_type)
    book = columns.book(settings.playbook_dir)
    layout = columns.layout_of(table.headers, book)
    parsed, skipped = _parse(table, layout, book, platform=platform or DEFAULT_PLATFORM, settings=settings)
    read = len(parsed) + skipped.get("no_text", 0) + skipped.get("bad_time", 0)
    if read == 0:
        raise ImportRefused("empty")
    broken = read - len(parsed)
    if broken > read * BROKEN_LIMIT:
        raise ImportRefused("too_many_broken", broken=broken, read=read, reasons=dict(skipped))
    fresh = _new_only(session, incident.id, parsed, skipped)
    record = service.start_import(
        session,
        incident_id=incident.id,
        file_hash=file_hash,
        file_name=name,
        format_id=layout.format_id,
        format_name=layout.format_name,
        source=source,
        imported_by=by,
        at=now,
    )
    by_platform, brand = _store(session, incident.id, record.id, fresh, settings)
    service.finish_import(session, record, read=read, imported=len(fresh), skipped=skipped)
    return Summary(
        incident_id=incident.id,
        file_name=name,
        format=layout.format_id,
        format_name=layout.format_name,
        read=read,
        imported=len(fresh),
        skipped=skipped,
        columns=dict(layout.headers),
        guessed=layout.guessed,
        import_id=record.id,
        by_platform=by_platform,
        brand=brand,
    )


def _duplicate_file(earlier: CommentImport, name: str) -> Summary:
    return Summary(
        incident_id=earlier.incident_id,
        file_name=name,
        format=earlier.format,
        format_name=earlier.format_name,
        read=earlier.read,
        imported=0,
        skipped={"duplicate": earlier.read} if earlier.read else {},
        duplicate_file=True,
        import_id=earlier.id,
        earlier_at=earlier.imported_at,
    )


def _parse(
    table: readers.Table, layout: columns.Layout, book: columns.ColumnBook, *, platform: str, settings: Settings
) -> tuple[list[Parsed], dict[str, int]]:
    """The usable rows and the count of unusable ones by reason; unusable rows after the last usable one that look
    like a summary (合计, 共N条, one or two filled cells) are not rows at all."""
    tz = settings.tz
    parsed: list[Parsed] = []
    skipped: dict[str, int] = {}
    tail: list[tuple[str, bool]] = []  # unusable rows since the last usable one: (reason, looks like a summary)
    for cells in table.rows:
        result = parse_row(cells, layout, book, platform=platform, tz=tz)
        if isinstance(result, str):
            tail.append((result, looks_like_summary(cells)))
            continue
        for reason, _ in tail:
            skipped[reason] = skipped.get(reason, 0) + 1
        tail.clear()
        parsed.append(result)
    while tail and tail[-1][1]:
        tail.pop()
    for reason, _ in tail:
        skipped[reason] = skipped.get(reason, 0) + 1
    return parsed, skipped


def _new_only(session: Session, incident_id: int, parsed: list[Parsed], skipped: dict[str, int]) -> list[Parsed]:
    """The rows not already stored nor repeated earlier in the file; duplicates counted in `skipped`."""
    ids, contents = service.stored_keys(session, incident_id)
    fresh: list[Parsed] = []
    for comment in parsed:
        id_key, content_key = comment.id_key, comment.content_key
        if (id_key and id_key in ids) or content_key in contents:
            skipped["duplicate"] = skipped.get("duplicate", 0) + 1
            continue
        if id_key:
            ids.add(id_key)
        contents.add(content_key)
        fresh.append(comment)
    return fresh


def _store(
    session: Session, incident_id: int, import_id: int, fresh: list[Parsed], settings: Settings
) -> tuple[dict[str, int], int]:
    """Classify and insert in batches; (comments per platform, comments by the brand's own accounts)."""
    from bot import sentiment

    book_words = comment_phrases(settings.playbook_dir).book.words
    accounts = settings.brand_accounts
    brands: dict[tuple[str, str], bool] = {}
    by_platform: dict[str, int] = {}
    brand_count = 0
    for start in range(0, len(fresh), BATCH):
        batch = fresh[start : start + BATCH]
        results = sentiment.classify([c.text for c in batch])
        own = []
        for comment in batch:
            who = (comment.author, comment.author_id)
            if who not in brands:
                brands[who] = sentiment.is_brand(*who, accounts=accounts)
            own.append(brands[who])
            by_platform[comment.platform] = by_platform.get(comment.platform, 0) + 1
        brand_count += sum(own)
        complaints = [i for i, r in enumerate(results) if r.label == "negative" and not own[i]]
        lines = keywords.stored_words([batch[i].text for i in complaints], words=book_words)
        cut = dict(zip(complaints, lines, strict=True))
        scored = [
            service.Scored(comment, r.label, float(r.score), tuple(r.emotions), own[i], cut.get(i))
            for i, (comment, r) in enumerate(zip(batch, results, strict=True))
        ]
        service.insert_comments(session, incident_id=incident_id, import_id=import_id, scored=scored)
    return by_platform, brand_count


# ---- the entry points ---------------------------------------------------------------------------------------------


def importable(attachment: Attachment) -> bool:
    return attachment.kind == "file" and attachment.name.lower().endswith(IMPORTABLE)


def import_posted_file(
    session: Session,
    message: Inbound,
    attachment: Attachment,
    *,
    reader: ChatReader | None,
    settings: Settings,
    now: datetime,
) -> Summary:
    """A comment file posted in the group: into the incident the message belongs to (ImportRefused when none is
    open). The bytes come through the transport's reader (Feishu's message-resource API, the sandbox's store)."""
    incident = incident_service.for_message(session, message.chat_id, root_id=message.root_id)
    if incident is None:
        raise ImportRefused("no_incident", name=attachment.name)
    if reader is None:
        raise RuntimeError("no chat reader to download the file with")
    data = reader.download(message.message_id, attachment.key, "file")
    return import_comments(
        session, incident, data, name=attachment.name, source="chat", settings=settings, now=now, by=message.sender_id
    )


def incident_for(session: Session, *, incident_id: int | None, chat_id: str | None) -> Incident:
    """The incident an import names: by id, or the chat's latest (ImportRefused no_incident when there is none)."""
    incident = (
        incident_service.get(session, incident_id)
        if incident_id is not None
        else incident_service.latest(session, chat_id or "")
    )
    if incident is None or (chat_id is not None and incident.chat_id != chat_id):
        raise ImportRefused("no_incident", which=incident_id if incident_id is not None else chat_id)
    return incident


@dataclass(frozen=True)
class Imported:
    """An incident's imports so far (what /导入 shows)."""

    incident: Incident
    imports: list[CommentImport]
    totals: service.Totals


def imported_so_far(session: Session, incident: Incident) -> Imported:
    return Imported(incident, service.imports_of(session, incident.id), service.totals(session, incident.id))


def read_file(path, settings: Settings) -> bytes:
    """A file's bytes for `crisisbot import`, the size cap checked before reading it."""
    limit = settings.import_max_mb * 1024 * 1024
    try:
        size = path.stat().st_size
        if size > limit:
            raise ImportRefused("too_large", size=size, limit=limit)
        return path.read_bytes()
    except OSError as exc:
        raise ImportRefused("unreadable", problem=exc.strerror or str(exc)) from None
