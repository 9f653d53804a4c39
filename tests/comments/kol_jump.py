"""The comment set of the KOL-jump fixture (tests/fixtures/comments/kol_jump.csv), built from a plan simple enough to
count by hand: 600 comments on 2026-11-24 from 08:00 to 14:00 (Asia/Shanghai), 50 per 30-minute bucket, 36 s apart.
Negative comments per bucket, in order: 12 ×4 (24%) until 10:00; after 某KOL转发了首发笔记 (10:05) 18, 24, 30, 35
(36%, 48%, 60%, 70%: each step under 15 points, 46 points within two hours); after 3位博主已发布实测澄清 (12:05) 30,
25, 20, 15 (60%, 50%, 40%, 30%). 245 negative comments use the seven NEGATIVE texts in turn (35 each), the 355 others
the seven CALM texts in turn (the first five 51 times, the last two 50). No fan column: a segment comes from the
text's phrases only (the rest is unknown). Run this module to rewrite the file."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

DAY_START = datetime(2026, 11, 24, 8, 0)  # local time, as the export writes it
PER_BUCKET = 50
NEGATIVE_PER_BUCKET = (12, 12, 12, 12, 18, 24, 30, 35, 30, 25, 20, 15)
# (text, segment, demand) — the segment and demand the phrase book finds in it
NEGATIVE = (
    ("用了三年的老粉了，这次用完脸过敏红肿，必须退款", "core", "退款"),
    ("回购好多次了，这次居然烂脸，太失望了，要求道歉", "core", "道歉"),
    ("种草很久了还能买吗？出了这种事太吓人了，先把检测报告拿出来", "potential", "检测报告"),
    ("脸都烂了，必须赔偿，太恶心了", "unknown", "赔偿"),
    ("过敏了还不给退款，客服装死，骗子品牌", "unknown", "退款"),
    ("到现在都没有检测报告，凭什么让人相信", "unknown", "检测报告"),
    ("出了事就装死，必须给个说法", "unknown", "说法"),
)
CALM = (
    ("老粉表示一直用着挺好的", "core"),
    ("想买，等结果出来再说", "potential"),
    ("我用着没问题，挺温和的", "unknown"),
    ("坐等官方后续", "unknown"),
    ("蹲一个检测结果", "unknown"),
    ("博主实测了，成分表没问题啊", "unknown"),
    ("看了澄清视频，放心了", "unknown"),
)
FILE = Path(__file__).resolve().parent.parent / "fixtures" / "comments" / "kol_jump.csv"


def rows() -> list[dict[str, str]]:
    found = []
    negative = calm = 0
    for bucket, negatives in enumerate(NEGATIVE_PER_BUCKET):
        for i in range(PER_BUCKET):
            at = DAY_START + timedelta(minutes=30 * bucket, seconds=36 * i)
            if i < negatives:
                text = NEGATIVE[negative % len(NEGATIVE)][0]
                negative += 1
            else:
                text = CALM[calm % len(CALM)][0]
                calm += 1
            number = bucket * PER_BUCKET + i
            found.append(
                {
                    "评论id": f"kj{number:04d}",
                    "用户昵称": f"用户{number:04d}",
                    "评论内容": text,
                    "发布时间": at.strftime("%Y-%m-%d %H:%M:%S"),
                    "点赞数": str(number % 7),
                }
            )
    return found


def csv_bytes() -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["评论id", "用户昵称", "评论内容", "发布时间", "点赞数"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows())
    return out.getvalue().encode("utf-8")


if __name__ == "__main__":
    FILE.write_bytes(csv_bytes())
