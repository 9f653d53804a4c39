"""The retro JSON's `comments` object (contract, wave 2) from the comment analysis (`bot.comments.analysis`): totals,
per platform, the emotion mix, the complaint keywords and the user segments — plus `buckets`, the curve the report
draws (per time bucket of at least MIN_BUCKET comments, stamped at its end: comments, negative share and each
emotion's share). An emotion's share is of the negative comments (refund 830 of 5100 negative: 0.16)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.comments.analysis import EMOTIONS, MIN_BUCKET, Public
from bot.core import labels
from bot.retro.json_values import IsoClock, percent, ratio
from bot.timeline.values import format_value

SHOWN_EMOTIONS = 3  # emotions named per row of the emotion curve table


def _share(part: int, whole: int) -> float:
    return ratio(part / whole) if whole else 0.0


def comments_json(public: Public, tz: ZoneInfo) -> dict:
    summary, clock = public.overview, IsoClock(tz)
    return {
        "total": summary.total,
        "negative": summary.negative,
        "negative_share": ratio(summary.share),
        "by_platform": {
            platform: {"total": total, "negative_share": _share(negative, total)}
            for platform, (total, negative) in sorted(summary.by_platform.items(), key=lambda item: -item[1][0])
        },
        "emotions": [
            {"code": code, "count": summary.emotions[code], "share": _share(summary.emotions[code], summary.negative)}
            for code in sorted(EMOTIONS, key=lambda code: (-summary.emotions[code], EMOTIONS.index(code)))
            if summary.emotions[code]
        ],
        "keywords": [{"word": word, "count": count} for word, count in public.keywords],
        "segments": [
            {
                "segment": s.segment,
                "count": s.count,
                "negative_share": ratio(s.share),
                "top_demands": [demand for demand, _ in s.demands],
            }
            for s in public.segments
        ],
        "buckets": [
            {
                "at": clock.iso(b.end),
                "total": b.total,
                "negative_share": ratio(b.share),
                "emotions": {code: _share(b.emotions[code], b.negative) for code in EMOTIONS},
            }
            for b in public.buckets
            if b.total >= MIN_BUCKET
        ],
    }


def public_view(comments: dict | None, fmt) -> dict | None:
    """What the report shows of the `comments` object (None when nothing was imported): counts as people write
    them, percentages, labels for emotion codes, segments and platforms. `fmt`: the report's `Formats`."""
    if not comments:
        return None

    def top_emotions(shares: dict[str, float]) -> str:
        ranked = sorted((item for item in shares.items() if item[1] > 0), key=lambda item: -item[1])
        return "、".join(
            f"{labels.label('emotions', code)} {percent(share)}" for code, share in ranked[:SHOWN_EMOTIONS]
        )

    return {
        "total": format_value("comments", comments["total"]),
        "negative": format_value("comments", comments["negative"]),
        "share": percent(comments["negative_share"]),
        "platforms": [
            {
                "platform": labels.platform(p),
                "total": format_value("comments", v["total"]),
                "share": percent(v["negative_share"]),
            }
            for p, v in comments.get("by_platform", {}).items()
        ],
        "emotions": [
            {
                "emotion": labels.label("emotions", e["code"]),
                "count": format_value("comments", e["count"]),
                "share": percent(e["share"]),
            }
            for e in comments.get("emotions", [])
        ],
        "curve": [
            {
                "at": fmt.when(b["at"]),
                "total": format_value("comments", b["total"]),
                "share": percent(b["negative_share"]),
                "emotions": top_emotions(b.get("emotions", {})),
            }
            for b in comments.get("buckets", [])
        ],
        "keywords": [
            {"word": k["word"], "count": format_value("comments", k["count"])} for k in comments.get("keywords", [])
        ],
        "segments": [
            {
                "segment": labels.label("segments", s["segment"]),
                "count": format_value("comments", s["count"]),
                "share": percent(s["negative_share"]),
                "demands": "、".join(s["top_demands"]),
            }
            for s in comments.get("segments", [])
        ],
    }
