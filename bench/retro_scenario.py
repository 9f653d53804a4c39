"""The story of bench/retro.py's synthetic incident: when it happens (the clock, the three days), the negative
share's curve with its jumps, who is in the group, what they write (notes, spread reports, actions, decisions,
statements, root causes) and which metrics their messages carry. bench/retro_incident.py turns it into rows."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 24, 9, 10, tzinfo=TZ)  # detection
NOW = START + timedelta(days=3)  # the clock compute runs under (the reference time while the incident is open)
DURATION = timedelta(hours=72)  # closed three days later
CHAT_ID = "oc_retro_bench"
OTHER_CHAT_ID = "oc_retro_bench_other"
PLAYBOOK = "product_defect"

# Negative share over the incident: (hours from start, level) knots, linear in between; a knot with the same
# hour as the previous one is a jump (≥ 15 points: an escalation the retro must find).
NEGATIVE_KNOTS = (
    (0.0, 0.12),
    (1.8, 0.22),
    (1.8, 0.40),  # KOL repost → jump 1
    (4.5, 0.45),
    (6.8, 0.30),  # KOL clarification, formal statement
    (10.0, 0.28),
    (10.0, 0.47),  # Weibo hot search → jump 2
    (16.0, 0.38),
    (26.0, 0.26),
    (26.0, 0.44),  # media report → jump 3
    (34.0, 0.30),
    (41.0, 0.22),
    (41.0, 0.39),  # Douyin re-upload → jump 4
    (50.0, 0.25),
    (58.0, 0.30),
    (58.0, 0.48),  # second wave → jump 5
    (64.0, 0.24),
    (72.0, 0.15),
)
JUMPS = sum(1 for a, b in zip(NEGATIVE_KNOTS, NEGATIVE_KNOTS[1:], strict=False) if a[0] == b[0])

AUTHORS = (
    ("ou_ceo", "周总"),
    ("ou_ops", "王运营"),
    ("ou_ops2", "刘运营"),
    ("ou_mkt", "李市场"),
    ("ou_mkt2", "孙公关"),
    ("ou_cs", "陈客服"),
    ("ou_cs2", "吴客服"),
    ("ou_qa", "赵质检"),
    ("ou_intern", "小杨"),
)
ROSTER = (
    ("lead", "ou_ceo", "周总"),
    ("ops", "ou_ops", "王运营"),
    ("ops", "ou_ops2", "刘运营"),
    ("marketing", "ou_mkt", "李市场"),
    ("marketing", "ou_mkt2", "孙公关"),
    ("support", "ou_cs", "陈客服"),
    ("support", "ou_cs2", "吴客服"),
    ("qa", "ou_qa", "赵质检"),
)

NOTE_TEXTS = (
    "收到，我去跟一下",
    "好的👌",
    "先统一口径，客服话术我来改",
    "质检报告下午三点前能出来吗？",
    "这条笔记的作者已经私信我们了",
    "评论区有人晒了同批次的照片，看着确实有色差",
    "批次号我发群里了，大家核对一下",
    "有用户说客服一直没回，我去看看排队情况",
    "法务那边建议先别提赔偿金额",
    "今晚谁值班？我到12点",
    "刚和仓库确认，这批货还有 3200 件没发",
    "老板问现在最新的情况，谁整理一下",
    "这个话题小红书上还在涨",
    "新闻客户端有人在问我们要回应",
    "有人说要去12315投诉",
    "截图我存证据了",
)
SPREAD_TEXTS = (
    "微博上有大V转发了，带了话题 #{n}",
    "抖音出现了搬运视频，播放量在涨",
    "上热搜了，第 {n} 位",
    "有媒体记者私信要采访",
    "一个 {n} 万粉的博主转发了那篇吐槽笔记",
    "快手也有人搬运了",
    "头条号发了一篇报道，标题很难听",
    "公众号“消费观察”写了长文",
    "weibo 上开始有人带节奏",
    "小红书上又出了一篇同款吐槽笔记，{n} 赞",
    "douyin 评论区全是问退款的",
    "有记者在打客服电话核实",
)
ACTION_TEXTS = (
    "已下架问题批次",
    "客服专项通道已开通，话术已更新",
    "已私信笔记作者沟通退款",
    "质检送样到第三方实验室",
    "评论区置顶回复已更新",
    "已安排客服加班，排队清零",
    "已给所有下单用户发短信",
    "退款入口已挂到笔记评论区",
)
KOL_ACTION_TEXTS = (  # actions the retro reads as KOL/KOC clarifications (a few percent of the actions)
    "已联系 3 位垂类博主做实测澄清",
    "KOC 实测视频已发布",
    "达人澄清笔记已发出",
    "博主实测结果：同批次正常，已转发",
)
KOL_ACTION_SHARE = 0.006
DECISION_TEXTS = (
    "决定：先发初步回应，正式声明等质检报告",
    "决定：问题批次全部召回",
    "决定：对买到问题批次的用户全额退款",
    "决定：暂停该品投放",
    "决定：升级为一级事件，老板牵头",
    "决定：每天 18 点在笔记下更新进展",
)
SYSTEM_TEXTS = ("级别调整为一级", "步骤“首次回应”已完成", "提醒：正式声明还有 30 分钟截止", "级别调整为二级")
STATEMENTS = (
    ("initial", "我们看到了大家的反馈，正在核实这批产品的问题，今天内在这里更新进展。"),
    (
        "formal",
        "关于近期部分用户反馈的产品色差问题：经第三方检测，11月批次存在染色工艺缺陷。"
        "即日起购买该批次的用户可在 3 天内申请全额退款，客服专线 400-800-1234 24 小时受理。",
    ),
    (None, "对于给您带来的不便我们深表歉意，公司高度重视，后续会妥善处理。"),
    (None, "退款已开放，截至今天 18 点已处理 1200 单，没收到的朋友私信我们。"),
    (None, "检测报告全文已发在这条笔记下面，欢迎大家监督。"),
    (None, "我们持续关注此事，相关部门正在积极配合调查，敬请谅解。"),
)
ROOT_TEXTS = (
    ("root_surface", "11月批次染色工艺参数被改动，导致色差"),
    ("root_deep", "供应商变更工艺没有走变更评审，质检抽检比例过低"),
    ("root_surface", "客服首日排队超过 2 小时，投诉外溢到社交平台"),
    ("root_deep", "没有舆情分级阈值，首次回应等了老板审批"),
)
SPREAD_LINKS = (
    ("https://weibo.com/1234567890/{n}", "weibo"),
    ("https://www.douyin.com/video/{n}", "douyin"),
    ("https://www.xiaohongshu.com/explore/{n}", "xhs"),
    ("https://news.example.com/a/{n}", "media"),
)
# Message metric samples: (metric, share of them, platform choices).
METRIC_MIX = (
    ("topic_reads", 0.25, ("xhs", "xhs", "weibo")),
    ("negative_ratio", 0.20, ("xhs",)),
    ("note_exposure", 0.15, ("xhs",)),
    ("reposts", 0.10, ("xhs", "weibo", "douyin")),
    ("likes", 0.10, ("xhs",)),
    ("comments", 0.10, ("xhs", "douyin")),
    ("complaints", 0.05, ("xhs",)),
    ("followers_lost", 0.03, ("xhs",)),
    ("sales_change", 0.02, ("xhs",)),
)
METRIC_WORDS = {
    "topic_reads": "话题阅读",
    "note_exposure": "笔记曝光",
    "reposts": "转发",
    "likes": "点赞",
    "comments": "评论",
    "negative_ratio": "负面占比",
    "complaints": "投诉量",
    "sales_change": "销量变化",
    "followers_lost": "掉粉",
}


def negative_level(hours: float) -> float:
    """The underlying negative share at `hours` after the start (see NEGATIVE_KNOTS)."""
    knots = NEGATIVE_KNOTS
    if hours <= knots[0][0]:
        return knots[0][1]
    for (h0, v0), (h1, v1) in zip(knots, knots[1:], strict=False):
        if h0 <= hours < h1:
            return v0 + (v1 - v0) * (hours - h0) / (h1 - h0)
    return knots[-1][1]


def count_value(metric: str, frac: float, rng: random.Random) -> float:
    """A count metric at `frac` (0–1) of the incident: growing, topic_reads past 1亿."""
    peak = {
        "topic_reads": 1.6e8,
        "note_exposure": 4.2e7,
        "reposts": 2.3e5,
        "likes": 1.1e6,
        "comments": 1.8e5,
        "complaints": 12_000,
        "followers_lost": 35_000,
    }[metric]
    grown = peak * (1 - (1 - frac) ** 3)  # fast at first, flattening
    return float(round(max(1.0, grown * rng.uniform(0.97, 1.0)) + 500))
