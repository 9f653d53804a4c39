"""What the charts take from the playbook folder (PLAYBOOK_DIR), never the bundled copy: the lexicon that reads
the metrics stated in the timeline, the level-1 threshold of topic reads and the negative-share alert line."""

from __future__ import annotations

from dataclasses import dataclass

from bot.library.lexicon import Lexicon
from bot.library.playbooks import Library


@dataclass(frozen=True)
class ChartInputs:
    lexicon: Lexicon
    level1_reads: float | None  # the topic reads above which level 1 starts (None: no such rule)
    level1_name: str  # the level's name in the folder's severity (一级危机)
    alert: float  # the negative share above which the response starts (0.20)

    @classmethod
    def of(cls, library: Library, lexicon: Lexicon) -> ChartInputs:
        severity = library.severity
        level1 = severity.levels.get(1)
        reads = [rule.above for rule in (level1.enter_when if level1 else []) if rule.metric == "topic_reads"]
        return cls(
            lexicon=lexicon,
            level1_reads=min(reads) if reads else None,
            level1_name=level1.name if level1 else "",
            alert=severity.alert.negative_ratio_above,
        )
