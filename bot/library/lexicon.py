"""`lexicon.yaml` in the playbook folder: the words the bot reads the conversation with and the draft lint rules
(schema; loaded through the one last-good loader, `bot.library.loader`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.library.loader import DataFileError, LastGood, file_stamp, read_yaml

METRICS = (
    "topic_reads",
    "note_exposure",
    "reposts",
    "likes",
    "comments",
    "negative_ratio",
    "complaints",
    "sales_change",
    "followers_lost",
)
PLATFORMS = ("xhs", "weibo", "douyin", "media")
KINDS = ("spread", "detection", "decision", "action")
DRAFT_KINDS = ("reply", "statement", "kol", "cs")  # 评论区回复 | 正式声明 | 博主 brief | 客服话术
SEVERITIES = ("high", "medium", "low")

Severity = Literal["high", "medium", "low"]
DraftKind = Literal["reply", "statement", "kol", "cs"]


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    if re.fullmatch(pattern, ""):
        raise ValueError(f"regular expression {pattern!r} matches the empty string")
    return pattern


Pattern = Annotated[str, AfterValidator(_compiles)]


def _only_known(value: dict[str, list[str]], known: tuple[str, ...], what: str) -> dict[str, list[str]]:
    unknown = set(value) - set(known)
    if unknown:
        raise ValueError(f"unknown {what} {sorted(unknown)}; known: {', '.join(known)}")
    return value


class LexiconError(DataFileError):
    """A broken lexicon file: the message names the file, the field and the reason."""


# --- lint rules (`lint:` section): what `bot.lint` flags in drafts, and what to write instead ---------------------


class LintPhrase(BaseModel):
    """A regular expression and the rewrite to suggest; `{text}` in the suggestion is the matched excerpt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: Pattern
    suggestion: str
    severity: Severity | None = None  # overrides the rule's severity for this phrase
    unless_remedy: bool = False  # filler only: not flagged in a sentence that names a concrete remedy
    weight: int = Field(default=1, ge=1)  # too_formal: how much this marker says about the register


class PhraseRule(BaseModel):
    """Phrases that are wrong wherever they appear (exaggeration, blame shifting)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity
    kinds: list[DraftKind] = Field(default_factory=lambda: list(DRAFT_KINDS))
    phrases: list[LintPhrase]
    # A phrase is not the draft's own claim when it is negated just before it ("不是百分百有效"), or quoted
    # in a sentence that retracts or forbids it ("“零添加”这个说法不准确，已经删掉了").
    negated_by: Pattern | None = None  # matched against the text just before the phrase
    quotes: str = "“”‘’「」『』"  # pairs: opener, closer
    retracted_by: Pattern | None = None  # searched in the sentence of a quoted phrase
    # ... or when the same sentence owns the problem outright ("供应商那批有问题，但责任在我们").
    cleared_by: Pattern | None = None


class BoilerplateRule(PhraseRule):
    """Official boilerplate (官方套话); the more phrases a draft piles up, the more each one weighs."""

    density: dict[Severity, int] = Field(default_factory=dict)  # severity → phrases in one draft that reach it


class RemedyRule(BaseModel):
    """A concrete remedy is an action bound, in the same sentence, by a time, an amount or a channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity
    kinds: list[DraftKind]  # drafts that must name a remedy
    promise_kinds: list[DraftKind] = Field(default_factory=list)  # ... only when they promise something
    promises: list[Pattern] = Field(default_factory=list)
    actions: list[Pattern]
    negation: Pattern  # matched against the sentence text just before an action ("暂不支持" 退款)
    refusal: Pattern | None = None  # a sentence refusing the action after naming it ("…退货期限已过，无法受理")
    bounds: dict[Literal["time", "amount", "channel", "scope"], list[Pattern]]
    vague: list[Pattern] = Field(default_factory=list)  # promises that name no remedy ("后续会处理")
    blank: Pattern  # a blank a draft leaves when nobody decided the remedy ("【待补充：…】")
    suggestion: str
    vague_suggestion: str
    blank_suggestion: str


class EmpathyRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity
    kinds: list[DraftKind]
    words: list[Pattern]
    suggestion: str


class FormalThreshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    low: int = Field(ge=1)
    medium: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> FormalThreshold:
        if self.medium < self.low:
            raise ValueError("medium must be at least low")
        return self


class FormalRule(BaseModel):
    """Formal register (您/敬请/本公司 …): flagged when a draft has at least `low` markers for its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    markers: list[LintPhrase]
    thresholds: dict[DraftKind, FormalThreshold]
    suggestion: str  # `{replacements}` lists the markers' own suggestions, `{count}` how many there are


class LengthBounds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: int = Field(ge=0)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> LengthBounds:
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        return self


class LengthRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bounds: dict[DraftKind, LengthBounds]
    far: float = Field(default=2.0, gt=1)  # shorter than min/far or longer than max×far → medium, else low
    too_short: str  # `{n}` `{min}` `{max}`
    too_long: str


class LintScoring(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    penalties: dict[Severity, int]
    max_per_code: int = Field(default=100, ge=0)  # one failure mode cannot take more than this

    @field_validator("penalties")
    @classmethod
    def _every_severity(cls, value: dict[str, int]) -> dict[str, int]:
        missing = set(SEVERITIES) - set(value)
        if missing:
            raise ValueError(f"missing penalties for {sorted(missing)}")
        return value


class SecondOpinionCode(BaseModel):
    """How the learned model's probability for one code is combined with the rules' verdict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    add_at: float = Field(default=1.01, ge=0, le=1.01)  # reported although no rule fired, from this probability
    drop_below: float = Field(default=0.0, ge=0, le=1)  # a rule's finding is withdrawn below this probability
    severity: Severity = "medium"  # of a finding the model adds
    suggestion: str  # for a finding the model adds; `{text}` is the sentence it points at

    @model_validator(mode="after")
    def _ordered(self) -> SecondOpinionCode:
        if self.drop_below >= self.add_at:
            raise ValueError("drop_below must be below add_at")
        return self


class SecondOpinion(BaseModel):
    """The lint's second opinion (bot.drafting.classifier): per code, when the model adds or withdraws a finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    codes: dict[
        Literal["boilerplate", "exaggeration", "no_remedy", "no_empathy", "blame_shift", "too_formal"],
        SecondOpinionCode,
    ]


class LintRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scoring: LintScoring
    boilerplate: BoilerplateRule
    exaggeration: PhraseRule
    blame_shift: PhraseRule
    no_remedy: RemedyRule
    no_empathy: EmpathyRule
    too_formal: FormalRule
    length: LengthRule
    second_opinion: SecondOpinion | None = None  # without it the rules decide alone


# --- public sentiment (`sentiment:` section): crisis emotions and the cues that make a comment negative ----------

EMOTIONS = ("disappointed", "angry", "deceived", "refund", "safety", "sarcasm")  # contract codes
LexiconEmotion = Literal["disappointed", "angry", "deceived", "refund", "safety"]


class EmotionWords(BaseModel):
    """An emotion's patterns: `cues` name it and make the comment negative; `words` only name it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cues: list[Pattern] = Field(default_factory=list)
    words: list[Pattern] = Field(default_factory=list)


class SarcasmRule(BaseModel):
    """Sarcasm (嘲讽): a marker on its own, or intensifier + praise + particle beside a crisis cue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    markers: list[Pattern] = Field(min_length=1)
    intensifiers: list[Pattern] = Field(min_length=1)
    praise: list[Pattern] = Field(min_length=1)
    particles: list[Pattern] = Field(min_length=1)


class SentimentRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    emotions: dict[LexiconEmotion, EmotionWords]
    negation: list[Pattern] = Field(min_length=1)
    not_negation: list[Pattern] = Field(default_factory=list)  # phrases whose negator negates nothing
    negation_window: int = Field(default=4, ge=1, le=20)  # characters before a hit searched for a negator
    never_negated: list[LexiconEmotion] = Field(default_factory=list)
    sarcasm: SarcasmRule
    cue_score: float = Field(default=0.8, ge=0.5, le=1)  # the least probability of negative a cue gives


class CountedForm(BaseModel):
    """A count said noun-last (“收到23个用户私信说过敏” is 23 complaints): a verb, the number, an optional unit and
    who, then the noun."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verbs: list[str] = Field(min_length=1)
    units: list[str] = Field(default_factory=list)
    who: list[str] = Field(default_factory=list)
    nouns: list[str] = Field(min_length=1)


class MetricBound(BaseModel):
    """The plausible range of a metric: a value beyond `max` is a typo, never a reading."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max: float = Field(gt=0, allow_inf_nan=False)


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    metrics: dict[str, list[str]]
    ratio_metrics: list[str] = Field(default_factory=lambda: ["negative_ratio", "sales_change"])
    bounds: dict[str, MetricBound] = Field(default_factory=dict)  # metric id → its plausible range
    platforms: dict[str, list[str]]
    kinds: dict[str, list[str]]
    # per kind, patterns that, matching the few characters right before a kind's word, mean the message only
    # plans, forbids or fears it (“联系博主”, “别转发”, “担心会扩散”): that occurrence does not count
    kind_guards: dict[str, list[str]] = Field(default_factory=dict)
    statement_prefixes: dict[str, list[str]]
    link_domains: dict[str, list[str]] = Field(default_factory=dict)
    counted: dict[str, CountedForm] = Field(default_factory=dict)  # metric id → its noun-last form
    pin_reactions: list[str] = Field(default_factory=list)
    lint: LintRules | None = None  # draft lint rules (bot.lint); a file without them uses the bundled ones
    sentiment: SentimentRules | None = None  # crisis emotions (bot.sentiment); absent: the bundled ones

    @field_validator("metrics", "counted", "bounds")
    @classmethod
    def _known_metrics(cls, value: dict) -> dict:
        return _only_known(value, METRICS, "metric ids")

    @field_validator("platforms", "link_domains")
    @classmethod
    def _known_platforms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _only_known(value, PLATFORMS, "platform ids")

    @field_validator("kinds", "kind_guards")
    @classmethod
    def _known_kinds(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _only_known(value, KINDS, "timeline kinds")

    @field_validator("kind_guards")
    @classmethod
    def _guards_compile(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {kind: [_compiles(pattern) for pattern in patterns] for kind, patterns in value.items()}

    @field_validator("statement_prefixes")
    @classmethod
    def _statement_kinds(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if set(value) - {"initial", "formal"}:
            raise ValueError("statement_prefixes takes only 'initial' and 'formal'")
        return value

    def metric_aliases(self) -> list[tuple[str, str]]:
        """(alias, metric id) longest alias first, contract ids included."""
        pairs = [(alias, metric) for metric, aliases in self.metrics.items() for alias in aliases]
        pairs += [(metric, metric) for metric in self.metrics]
        return sorted(pairs, key=lambda pair: -len(pair[0]))

    def platform_aliases(self) -> list[tuple[str, str]]:
        pairs = [(alias, platform) for platform, aliases in self.platforms.items() for alias in aliases]
        pairs += [(platform, platform) for platform in self.platforms]
        return sorted(pairs, key=lambda pair: -len(pair[0]))


LEXICON_FILE = "lexicon.yaml"  # inside the playbook folder


def parse(path: Path) -> Lexicon:
    """Read and validate one lexicon file; LexiconError naming the file, the fields and the reasons."""
    try:
        data = read_yaml(path)
    except DataFileError as exc:
        raise LexiconError(str(exc)) from None
    try:
        return Lexicon.model_validate(data or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise LexiconError(f"{path}: {problems}") from None


_lexicon = LastGood(
    "lexicon",
    lambda folder: parse(folder / LEXICON_FILE),
    lambda folder: file_stamp(folder / LEXICON_FILE),
    error=LexiconError,
)


def load(folder: Path) -> Lexicon:
    """The lexicon of a playbook folder, re-read when the file changes; a broken edit keeps the last good version
    (raises LexiconError only when there never was one)."""
    return _lexicon.load(Path(folder))


def current_error(folder: Path) -> str | None:
    """The problems of the lexicon on disk while the last good version is in use."""
    return _lexicon.current_error(Path(folder))
