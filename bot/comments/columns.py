"""Which column holds what: `comments/columns.yaml` in the playbook folder (the bundled one when a team has none),
validated at load through the one YAML loader. Known exports are recognised by their required columns; any other
table gets each field guessed from its header names, and the guess is said in the reply."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.comments.problems import ImportRefused
from bot.config import BUNDLED_PLAYBOOKS
from bot.library.loader import DataFileError, LastGood, validated

COLUMNS_FILE = Path("comments") / "columns.yaml"  # inside the playbook folder
FIELDS = ("text", "created_at", "comment_id", "parent_id", "author", "author_id", "likes", "platform", "fans")
REQUIRED = ("text", "created_at")


def normalized(header: object) -> str:
    """A header as compared: no BOM, no spaces, lower case."""
    return "".join(str(header or "").replace("\ufeff", "").split()).lower()


def _known_fields(value: dict) -> dict:
    unknown = [k for k in value if k not in FIELDS]
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(FIELDS)}")
    return value


class KnownFormat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    platform: str = ""  # the platform every row is on, unless a platform column says otherwise
    requires: list[str] = Field(min_length=1)
    columns: dict[str, str]

    @field_validator("columns")
    @classmethod
    def _text_and_time(cls, value: dict[str, str]) -> dict[str, str]:
        _known_fields(value)
        missing = [f for f in REQUIRED if f not in value]
        if missing:
            raise ValueError(f"columns must name {' and '.join(missing)}")
        return value


class Generic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = "generic"
    name: str = "通用表格"
    fields: dict[str, list[str]]

    @field_validator("fields")
    @classmethod
    def _known(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        _known_fields(value)
        missing = [f for f in REQUIRED if not value.get(f)]
        if missing:
            raise ValueError(f"fields must list names for {' and '.join(missing)}")
        return value


class ColumnBook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    formats: list[KnownFormat] = Field(default_factory=list)
    generic: Generic
    platforms: dict[str, list[str]] = Field(default_factory=dict)

    def platform_of(self, word: object) -> str:
        """A platform column's value as a platform id ("" when it names none)."""
        said = normalized(word)
        for platform, words in self.platforms.items():
            if said == platform or said in (normalized(w) for w in words):
                return platform
        return ""


class ColumnsError(DataFileError):
    """`path: field: reason` for every problem in the columns file."""


@dataclass(frozen=True)
class Layout:
    """How a table is read: its format, and for each field the index of its column."""

    format_id: str
    format_name: str
    platform: str  # the format's own platform ("" for a generic table)
    columns: dict[str, int]  # field → column index
    headers: dict[str, str]  # field → the header it was read from (what the reply states)
    guessed: bool  # a generic table whose columns were guessed from their names


def path_in(folder: Path) -> Path:
    path = Path(folder) / COLUMNS_FILE
    return path if path.is_file() else BUNDLED_PLAYBOOKS / COLUMNS_FILE


def parse(folder: Path) -> ColumnBook:
    problems: list[str] = []
    book = validated(path_in(folder), ColumnBook, problems)
    if book is None:
        raise ColumnsError("\n".join(problems))
    return book


def _stamp(folder: Path) -> tuple[str, float]:
    path = path_in(folder)
    return str(path), path.stat().st_mtime if path.exists() else 0.0


_book = LastGood("comment columns", parse, _stamp, error=ColumnsError)


def book(folder: Path) -> ColumnBook:
    """The column book of a playbook folder, re-read when it changes (the last good one on a broken edit)."""
    return _book.load(Path(folder))


def layout_of(headers: list[str], book: ColumnBook) -> Layout:
    """The layout of a table with these headers; ImportRefused naming the missing text or time column."""
    index = {}
    for i, header in enumerate(headers):
        index.setdefault(normalized(header), i)
    for known in book.formats:
        if all(normalized(r) in index for r in known.requires):
            columns = {f: index[normalized(h)] for f, h in known.columns.items() if normalized(h) in index}
            shown = {f: headers[i] for f, i in columns.items()}
            return Layout(known.id, known.name, known.platform, columns, shown, guessed=False)
    columns = _guess(headers, index, book.generic.fields)
    for field in REQUIRED:
        if field not in columns:
            reason = "no_text_column" if field == "text" else "no_time_column"
            raise ImportRefused(reason, headers=[h for h in headers if h], expected=book.generic.fields[field][:5])
    shown = {f: headers[i] for f, i in columns.items()}
    return Layout(book.generic.id, book.generic.name, "", columns, shown, guessed=True)


def _guess(headers: list[str], index: dict[str, int], fields: dict[str, list[str]]) -> dict[str, int]:
    """Each field's column: an exact header name first, then a header containing one of the field's names (the
    longest name wins: 评论时间 is a time before it is a 评论); a column serves one field only."""
    taken: set[int] = set()
    found: dict[str, int] = {}
    for field, names in fields.items():
        for name in names:
            i = index.get(normalized(name))
            if i is not None and i not in taken:
                found[field] = i
                taken.add(i)
                break
    candidates = [
        (len(key), field, i)
        for field, names in fields.items()
        if field not in found
        for key in map(normalized, names)
        if len(key) >= 2
        for h, i in index.items()
        if key in h
    ]
    for _, field, i in sorted(candidates, key=lambda c: (-c[0], c[2])):
        if field not in found and i not in taken:
            found[field] = i
            taken.add(i)
    return found
