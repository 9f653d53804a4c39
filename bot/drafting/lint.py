"""Lint a draft (comment reply, formal statement, KOL brief, support script) against the failure modes
the method names: official boilerplate (官方套话), exaggerated claims (广告法 第九条), no concrete remedy
(“后续会处理” instead of “3天内可申请全额退款”), no empathy — plus blame shifting, a formal register
and length. Every word list and pattern lives in the lexicon's `lint:` section; this module only
applies them. Each finding carries a rewrite suggestion in Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.config import BUNDLED_PLAYBOOKS
from bot.drafting.classifier import CodeModel, Model, features, shipped
from bot.library.lexicon import (
    DRAFT_KINDS,
    SEVERITIES,
    BoilerplateRule,
    EmpathyRule,
    FormalRule,
    LengthRule,
    Lexicon,
    LintPhrase,
    LintRules,
    LintScoring,
    PhraseRule,
    RemedyRule,
    SecondOpinion,
    load,
)

KINDS = DRAFT_KINDS
CODES = ("boilerplate", "exaggeration", "no_remedy", "no_empathy", "blame_shift", "too_formal", "length")
# Order of findings of equal severity: what the seed stresses most first (a missing remedy before the n-th
# boilerplate phrase), so a reader who sees only the first few still sees every kind of problem that matters.
WHOLE_TEXT_CODES = ("no_remedy", "no_empathy")  # about what the draft lacks: the finding spans the whole text
PRIORITY = ("no_remedy", "exaggeration", "blame_shift", "boilerplate", "no_empathy", "too_formal", "length")

_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_RANK = {severity: rank for rank, severity in enumerate(reversed(SEVERITIES))}  # low 0 < medium 1 < high 2


@dataclass(frozen=True)
class Finding:
    code: str  # boilerplate | exaggeration | no_remedy | no_empathy | blame_shift | too_formal | length
    severity: str  # high | medium | low
    span: tuple[int, int]  # offsets in the linted text
    suggestion: str  # a concrete rewrite, in Simplified Chinese
    text: str = ""  # the offending excerpt, text[span[0]:span[1]]


@dataclass(frozen=True)
class LintResult:
    score: int  # 0–100
    findings: list[Finding]

    @property
    def codes(self) -> set[str]:
        return {finding.code for finding in self.findings}


def lint(text: str, kind: str = "reply", *, lexicon: Lexicon | None = None) -> LintResult:
    """Findings (most severe first, then by `PRIORITY`, then by position) and a score for a draft of this kind:
    the rules' findings, reconsidered by the learned second opinion where the lexicon configures one."""
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind {kind!r}; known: {', '.join(KINDS)}")
    rules = rules_of(lexicon)
    findings = rule_findings(text, kind, rules)
    if rules.second_opinion is not None:
        findings = reconsidered(findings, text, kind, rules.second_opinion, shipped(), rules)
    findings.sort(key=lambda f: (-_RANK[f.severity], PRIORITY.index(f.code), f.span[0]))
    return LintResult(score(findings, rules.scoring), findings)


def rule_findings(text: str, kind: str, rules: LintRules) -> list[Finding]:
    """What the word lists and patterns alone find."""
    return [
        *boilerplate(text, kind, rules.boilerplate, rules.no_remedy),
        *phrases(text, kind, rules.exaggeration, "exaggeration"),
        *phrases(text, kind, rules.blame_shift, "blame_shift"),
        *no_remedy(text, kind, rules.no_remedy),
        *no_empathy(text, kind, rules.no_empathy),
        *too_formal(text, kind, rules.too_formal),
        *length(text, kind, rules.length),
    ]


def reconsidered(
    findings: list[Finding], text: str, kind: str, opinion: SecondOpinion, model: Model | None, rules: LintRules
) -> list[Finding]:
    """Per code, the model withdraws the rules' findings it is sure are wrong (below `drop_below`: “这杯退你” is a
    remedy after all) and adds the ones the rules missed (from `add_at`: blame put on “其他食物”), pointing at the
    sentence that reads most like it — where `may_withdraw` / `may_add` let it."""
    if model is None:
        return findings
    grams = features(text, kind)
    for code, how in opinion.codes.items():
        code_model = model.codes.get(code)
        if code_model is None or kind not in code_model.kinds:
            continue
        probability = code_model.probability_of(grams)
        ours = [finding for finding in findings if finding.code == code]
        if ours and probability < how.drop_below and may_withdraw(code, text, rules):
            findings = [finding for finding in findings if finding.code != code]
        elif not ours and probability >= how.add_at and may_add(code, text, kind, rules):
            start, end = (0, len(text)) if code in WHOLE_TEXT_CODES else _likeliest_sentence(text, kind, code_model)
            excerpt = text[start:end]
            suggestion = _fill(how.suggestion, text=excerpt.strip())
            findings = [*findings, Finding(code, how.severity, (start, end), suggestion, excerpt)]
    return findings


def may_withdraw(code: str, text: str, rules: LintRules) -> bool:
    """The model may only fill the gaps of the action list (“这杯退你”, “实报实销”): where the rules recognise an action
    — bound in another sentence (“可以退款。3天内公布结果”), negated (“暂不支持退款”) or refused (“已过退货期限，没法再
    退了”) — or the draft leaves a 【待补充】 blank, their verdict on a missing remedy stands."""
    if code != "no_remedy":
        return True
    rule = rules.no_remedy
    if re.search(rule.blank, text) or (rule.refusal and re.search(rule.refusal, text)):
        return False
    return not any(re.search(pattern, text) for pattern in rule.actions)


def may_add(code: str, text: str, kind: str, rules: LintRules) -> bool:
    """Where the rules found a phrase of this code and judged it not said — negated (“不是你的问题”), quoted to retract
    or forbid it (“‘全网最低价’这种话不会再说了”) — the model does not overrule them."""
    rule = {"exaggeration": rules.exaggeration, "blame_shift": rules.blame_shift}.get(code)
    if rule is None or kind not in rule.kinds:
        return True
    return not any(
        _warned_against(text, match.start()) or _not_claimed(text, match, rule)
        for _, match in _phrase_hits(text, rule.phrases)
    )


def _likeliest_sentence(text: str, kind: str, code_model: CodeModel) -> tuple[int, int]:
    spans = [(start, end) for start, end in sentences(text) if text[start:end].strip()] or [(0, len(text))]
    return max(spans, key=lambda span: code_model.probability_of(features(text[span[0] : span[1]], kind)))


def rules_of(lexicon: Lexicon | None) -> LintRules:
    """The lexicon's lint rules; the bundled ones when none is given or it has no `lint:` section."""
    if lexicon is not None and lexicon.lint is not None:
        return lexicon.lint
    bundled = load(BUNDLED_PLAYBOOKS).lint
    if bundled is None:
        raise RuntimeError(f"{BUNDLED_PLAYBOOKS / 'lexicon.yaml'} has no lint: section")
    return bundled


def score(findings: Iterable[Finding], scoring: LintScoring) -> int:
    """100 minus the penalties, each failure mode capped at `max_per_code`, floored at 0."""
    per_code: dict[str, int] = {}
    for finding in findings:
        per_code[finding.code] = per_code.get(finding.code, 0) + scoring.penalties[finding.severity]
    total = sum(min(points, scoring.max_per_code) for points in per_code.values())
    return max(0, 100 - total)


# --- the rules ----------------------------------------------------------------------------------------------------


def boilerplate(text: str, kind: str, rule: BoilerplateRule, remedy: RemedyRule) -> list[Finding]:
    """Official boilerplate; filler phrases are spared in a sentence that names a concrete remedy. The more
    phrases, the more each weighs (`density`)."""
    if kind not in rule.kinds:
        return []
    remedies = remedy_sentences(text, remedy)
    hits = [
        (phrase, match)
        for phrase, match in _phrase_hits(text, rule.phrases)
        if not (phrase.unless_remedy and _inside(match.span(), remedies))
    ]
    reached = [severity for severity, count in rule.density.items() if len(hits) >= count]
    return [
        _finding(
            "boilerplate", max([phrase.severity or rule.severity, *reached], key=_RANK.get), match, phrase.suggestion
        )
        for phrase, match in hits
    ]


def phrases(text: str, kind: str, rule: PhraseRule, code: str) -> list[Finding]:
    """Phrases that are wrong wherever they appear (exaggeration, blame shifting)."""
    if kind not in rule.kinds:
        return []
    return [
        _finding(code, phrase.severity or rule.severity, match, phrase.suggestion)
        for phrase, match in _phrase_hits(text, rule.phrases)
        if not _warned_against(text, match.start()) and not _not_claimed(text, match, rule)
    ]


def _not_claimed(text: str, match: re.Match[str], rule: PhraseRule) -> bool:
    """The phrase is negated just before it (“不是百分百有效”), or quoted in a sentence that retracts or
    forbids it (“‘100%有效’这个说法不对”): it is talked about, not said."""
    start, end = match.span()
    if rule.negated_by and re.search(rule.negated_by, text[max(0, start - 8) : start]):
        return True
    sentence_start, sentence_end = next(((a, b) for a, b in sentences(text) if a <= start < b), (0, len(text)))
    if rule.cleared_by and re.search(rule.cleared_by, text[sentence_start:sentence_end]):
        return True
    if not rule.retracted_by:
        return False
    before, after = text[sentence_start:start], text[end:sentence_end]
    openers, closers = rule.quotes[0::2], rule.quotes[1::2]
    if sum(before.count(q) for q in openers) <= sum(before.count(q) for q in closers):
        return False  # not inside quotes
    opened_at = max(before.rfind(q) for q in openers)
    closed_at = min((i for i in (after.find(q) for q in closers) if i >= 0), default=-1)
    if closed_at < 0:
        return False
    outside = before[:opened_at] + after[closed_at + 1 :]  # the retraction is said about the quote, not in it
    return bool(re.search(rule.retracted_by, outside))


_WARNING = re.compile(
    r"(?:不要|不能|别|避免|禁止|切勿|不得)[^。！？\n]{0,8}(?:说|写|用|提|出现)?[^。！？\n]{0,3}[“\"「『]$"
)


def _warned_against(text: str, start: int) -> bool:
    """A phrase quoted as something not to say (“不要说‘绝对安全’”) is advice, not a claim."""
    return bool(_WARNING.search(text[max(0, start - 16) : start]))


def no_remedy(text: str, kind: str, rule: RemedyRule) -> list[Finding]:
    """An unfilled 【待补充：…】 blank; otherwise, when the draft must name a remedy and names none, one finding
    on its first vague promise (“后续会处理”) or on the whole text."""
    blanks = list(re.finditer(rule.blank, text))
    if blanks:
        return [_finding("no_remedy", rule.severity, blank, rule.blank_suggestion) for blank in blanks]
    if not _remedy_expected(text, kind, rule) or remedy_sentences(text, rule):
        return []
    vague = _first_match(text, rule.vague)
    if vague is not None:
        return [_finding("no_remedy", rule.severity, vague, rule.vague_suggestion)]
    return [_whole("no_remedy", rule.severity, text, rule.suggestion)]


def no_empathy(text: str, kind: str, rule: EmpathyRule) -> list[Finding]:
    if kind not in rule.kinds or _first_match(text, rule.words) is not None:
        return []
    return [_whole("no_empathy", rule.severity, text, rule.suggestion)]


def too_formal(text: str, kind: str, rule: FormalRule) -> list[Finding]:
    """One finding on the first formal marker when the markers' weights add up to its kind's `low` threshold:
    the register is judged from all its signs together (兹、特此、现将…如下、尊敬的、本公司始终秉承…)."""
    threshold = rule.thresholds.get(kind)
    hits = _phrase_hits(text, rule.markers)
    weight = sum(phrase.weight for phrase in {id(phrase): phrase for phrase, _ in hits}.values())  # each sign once
    if threshold is None or weight < threshold.low:
        return []
    severity = "medium" if weight >= threshold.medium else "low"
    replacements = "；".join(dict.fromkeys(_fill(phrase.suggestion, text=match.group()) for phrase, match in hits))
    suggestion = _fill(rule.suggestion, count=str(len(hits)), replacements=replacements)
    return [_finding("too_formal", severity, hits[0][1], suggestion)]


def length(text: str, kind: str, rule: LengthRule) -> list[Finding]:
    bounds = rule.bounds.get(kind)
    if bounds is None:
        return []
    n = len(re.sub(r"\s", "", text))
    values = {"n": str(n), "min": str(bounds.min), "max": str(bounds.max)}
    if n < bounds.min:
        severity = "medium" if n < bounds.min / rule.far else "low"
        return [_whole("length", severity, text, _fill(rule.too_short, **values))]
    if n > bounds.max:
        severity = "medium" if n > bounds.max * rule.far else "low"
        return [_whole("length", severity, text, _fill(rule.too_long, **values))]
    return []


# --- concrete remedies --------------------------------------------------------------------------------------------


def remedy_sentences(text: str, rule: RemedyRule) -> list[tuple[int, int]]:
    """Spans of the sentences that name a concrete remedy: an action (not negated) bound in the same sentence
    by a time, an amount or a channel (“3天内可申请全额退款”). Blanks (【待补充：…】) never count."""
    masked = re.sub(rule.blank, lambda m: " " * len(m.group()), text)
    return [(start, end) for start, end in sentences(masked) if _names_remedy(masked[start:end], rule)]


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, split at 。！？；, their ASCII forms and line breaks."""
    spans, start = [], 0
    for mark in _SENTENCE_END.finditer(text):
        spans.append((start, mark.end()))
        start = mark.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _names_remedy(sentence: str, rule: RemedyRule) -> bool:
    if rule.refusal and re.search(rule.refusal, sentence):
        return False
    has_action = any(
        not re.search(rule.negation, sentence[: match.start()])
        for pattern in rule.actions
        for match in re.finditer(pattern, sentence)
    )
    return has_action and any(re.search(pattern, sentence) for patterns in rule.bounds.values() for pattern in patterns)


def _remedy_expected(text: str, kind: str, rule: RemedyRule) -> bool:
    """Required for some kinds; for others (KOL briefs) only when the text promises something."""
    if kind in rule.kinds:
        return True
    if kind not in rule.promise_kinds:
        return False
    return any(
        not re.search(rule.negation, text[max(0, m.start() - 8) : m.start()])
        for pattern in [*rule.promises, *rule.vague, *rule.actions]
        for m in re.finditer(pattern, text)
    )


# --- helpers ------------------------------------------------------------------------------------------------------


def _phrase_hits(text: str, phrase_list: Iterable[LintPhrase]) -> list[tuple[LintPhrase, re.Match[str]]]:
    """Every match of the phrases, in text order; of overlapping matches the earlier (then longer) one wins."""
    hits = [
        (phrase, match)
        for phrase in phrase_list
        for match in re.finditer(phrase.pattern, text)
        if match.end() > match.start()
    ]
    hits.sort(key=lambda hit: (hit[1].start(), hit[1].start() - hit[1].end()))
    kept, covered_to = [], 0
    for phrase, match in hits:
        if match.start() >= covered_to:
            kept.append((phrase, match))
            covered_to = match.end()
    return kept


def _first_match(text: str, patterns: Iterable[str]) -> re.Match[str] | None:
    matches = [match for pattern in patterns if (match := re.search(pattern, text))]
    return min(matches, key=lambda match: match.start(), default=None)


def _inside(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def _fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def _finding(code: str, severity: str, match: re.Match[str], suggestion: str) -> Finding:
    return Finding(code, severity, match.span(), _fill(suggestion, text=match.group()), match.group())


def _whole(code: str, severity: str, text: str, suggestion: str) -> Finding:
    return Finding(code, severity, (0, len(text)), _fill(suggestion, text=text), text)
