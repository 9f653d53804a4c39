"""Draft lint: the seed's own examples classify as the seed says, each failure mode is found with a span on
the offending words and a Chinese rewrite, careful negatives (最近、第一时间、第一批 …) stay clean, and the
rules come from the editable lexicon."""

from __future__ import annotations

import pytest

from bot.drafting.lint import Finding, LintResult, lint
from tests.support import BUNDLED_PLAYBOOKS

BUNDLED = BUNDLED_PLAYBOOKS

# The seed's examples (seed/000_bc343394fd7d924d.txt), quoted.
SEED_VAGUE = "后续会处理"
SEED_REMEDY = "3天内可申请全额退款"
SEED_EXAGGERATION = "100%有效"
SEED_EXAGGERATION_FIX = "部分用户反馈有效"
SEED_SUPPORT_SCRIPT = "非常抱歉让你遇到问题，现在帮你申请退款+20元优惠券，你看可以吗？"

# A typical official statement in the style the seed warns about (官方套话, no concrete remedy).
BOILERPLATE_STATEMENT = (
    "关于近期网络上关于我司产品的相关讨论，本公司高度重视，第一时间成立专项小组进行调查。"
    "对于给您带来的不便，我们深表歉意，敬请谅解。我们将积极配合相关部门，后续会妥善处理，"
    "并持续关注事态发展。感谢您的理解与支持！"
)
GOOD_STATEMENT = (
    "这两天很多朋友在小红书反馈了这件事，我们一条条都看了。非常抱歉让大家担心，也让用过的朋友受了委屈，"
    "这件事的责任在我们，不找借口。目前的情况：质检报告显示这一批次的包装密封不合格。我们的处理方案："
    "买到这一批次的朋友，3天内可申请全额退款。有任何问题，可以直接私信官方账号，我们安排专人一对一跟进。"
)
APOLOGY = "真的抱歉，"


def with_code(result: LintResult, code: str) -> list[Finding]:
    return [finding for finding in result.findings if finding.code == code]


def only(result: LintResult, code: str) -> Finding:
    found = with_code(result, code)
    assert len(found) == 1, result.findings
    return found[0]


# --- the seed's examples ----------------------------------------------------------------------------------------


def test_seed_vague_promise_is_no_remedy_and_boilerplate():
    result = lint(SEED_VAGUE)
    assert {"no_remedy", "boilerplate"} <= result.codes
    finding = only(result, "no_remedy")
    assert finding.severity == "high"
    assert finding.text == SEED_VAGUE and finding.span == (0, len(SEED_VAGUE))
    assert "3天内可申请全额退款" in finding.suggestion


@pytest.mark.parametrize("kind", ["reply", "statement", "cs"])
def test_seed_time_bound_refund_is_a_concrete_remedy(kind):
    assert "no_remedy" not in lint(SEED_REMEDY, kind).codes
    assert "no_remedy" not in lint(f"{APOLOGY}{SEED_REMEDY}。", kind).codes


def test_seed_hundred_percent_effective_is_exaggeration_with_the_seeds_rewrite():
    text = f"{APOLOGY}这款精华{SEED_EXAGGERATION}，3天内可申请全额退款。"
    finding = only(lint(text), "exaggeration")
    assert finding.severity == "high"
    assert finding.text == SEED_EXAGGERATION
    assert text[finding.span[0] : finding.span[1]] == SEED_EXAGGERATION
    assert SEED_EXAGGERATION_FIX in finding.suggestion


def test_seed_support_script_passes_with_a_high_score():
    result = lint(SEED_SUPPORT_SCRIPT, "cs")
    assert result.score >= 90
    assert not [f for f in result.findings if f.severity == "high"]
    assert result.findings == []


def test_typical_boilerplate_statement_scores_below_50():
    result = lint(BOILERPLATE_STATEMENT, "statement")
    assert result.score < 50
    assert {"boilerplate", "no_remedy", "too_formal"} <= result.codes
    assert {f.severity for f in with_code(result, "boilerplate")} == {"high"}  # many phrases → each weighs more


def test_good_statement_scores_high():
    result = lint(GOOD_STATEMENT, "statement")
    assert result.score >= 90, result.findings


# --- boilerplate ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    [
        "高度重视",
        "深表歉意",
        "后续会处理",
        "给您带来不便",
        "敬请谅解",
        "积极配合",
        "妥善处理",
        "持续关注",
        "相关部门",
        "一如既往",
        "感谢您的理解与支持",
        "会给大家一个交代",
        "尽快处理",
    ],
)
def test_boilerplate_phrases_are_found_with_a_rewrite(phrase):
    text = f"{APOLOGY}这件事我们{phrase}。3天内可申请全额退款。"
    finding = only(lint(text), "boilerplate")
    assert phrase in finding.text
    assert text[finding.span[0] : finding.span[1]] == finding.text
    assert finding.suggestion and finding.suggestion != finding.text


def test_one_boilerplate_phrase_is_low_and_many_are_higher():
    one = lint(f"{APOLOGY}我们高度重视，3天内可申请全额退款。")
    two = lint(f"{APOLOGY}我们高度重视，会持续关注，3天内可申请全额退款。")
    many = lint(f"{APOLOGY}我们高度重视，积极配合相关部门，会持续关注，3天内可申请全额退款。")
    assert {f.severity for f in with_code(one, "boilerplate")} == {"low"}
    assert {f.severity for f in with_code(two, "boilerplate")} == {"medium"}
    assert {f.severity for f in with_code(many, "boilerplate")} == {"high"}
    assert one.score > two.score > many.score


def test_first_moment_as_filler_is_boilerplate():
    text = f"{APOLOGY}我们第一时间成立专项小组进行调查。"
    finding = only(lint(text), "boilerplate")
    assert finding.text == "第一时间"
    assert "exaggeration" not in lint(text).codes


@pytest.mark.parametrize(
    "text",
    [
        f"{APOLOGY}我们第一时间下架了这批货，3天内可申请全额退款。",  # a real action, not filler
        f"{APOLOGY}我们会第一时间为你处理退款，3天内到账。",  # filler words in a sentence with a concrete remedy
    ],
)
def test_first_moment_with_a_real_action_is_not_boilerplate(text):
    assert lint(text).codes.isdisjoint({"boilerplate", "exaggeration"})


# --- exaggeration -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "excerpt"),
    [
        ("100%有效", "100%有效"),
        ("百分百见效", "百分百见效"),
        ("100%纯天然", "100%"),
        ("最好用", "最好用"),
        ("最安全", "最安全"),
        ("最有效", "最有效"),
        ("销量第一", "销量第一"),
        ("第一品牌", "第一品牌"),
        ("国家级", "国家级"),
        ("根治", "根治"),
        ("永久有效", "永久"),
        ("绝对安全", "绝对"),
        ("零风险", "零风险"),
        ("无副作用", "无副作用"),
        ("立竿见影", "立竿见影"),
        ("全网最低", "全网最低"),
        ("唯一", "唯一"),
    ],
)
def test_absolute_terms_are_exaggeration(claim, excerpt):
    text = f"这款面霜{claim}，很多朋友都在用。"
    finding = only(lint(text, "kol"), "exaggeration")
    assert finding.text == excerpt
    assert text[finding.span[0] : finding.span[1]] == excerpt
    assert "广告法第九条" in finding.suggestion


@pytest.mark.parametrize(
    "text",
    [
        "最近很多朋友问到这个问题。",
        "最后确认是包装问题。",
        "最终结果下周公布。",
        "最新进展会在这里同步。",
        "我们第一时间下架了。",
        "第一批货已经召回。",
        "这是第一次出现这种情况。",
        "第一，我们已经下架；第二，会退款。",
        "最高赔偿500元。",
        "你最好先停用。",
        "这批货已永久下架。",
        "请避免绝对化、夸大的说法。",
    ],
)
def test_ordinary_words_are_not_exaggeration(text):
    assert "exaggeration" not in lint(text, "kol").codes


# --- no_remedy --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vague", ["后续会处理", "会给大家一个交代", "会尽快处理", "正在处理中"])
def test_vague_promises_are_no_remedy_pointing_at_the_promise(vague):
    text = f"{APOLOGY}让你遇到这种事，我们{vague}。"
    finding = only(lint(text), "no_remedy")
    assert vague in text[finding.span[0] : finding.span[1]] or finding.text in vague
    assert finding.text == text[finding.span[0] : finding.span[1]]


@pytest.mark.parametrize(
    "remedy",
    [
        "3天内可申请全额退款",
        "现在帮你申请退款+20元优惠券",
        "24小时内安排补发",
        "私信专属客服办理换货",
        "7个工作日内完成赔偿",
        "今晚12点前给你补寄一瓶",
        "可申请双倍赔偿",
        "点击店铺首页入口申请免费检测",
    ],
)
def test_action_bound_by_time_amount_or_channel_is_a_remedy(remedy):
    assert "no_remedy" not in lint(f"{APOLOGY}{remedy}。", "cs").codes


@pytest.mark.parametrize(
    "text",
    [
        f"{APOLOGY}可以申请退款。",  # an action with no time, amount or channel
        f"{APOLOGY}暂不支持退款，3天内会有结果。",  # a negated action
        f"{APOLOGY}我们已经看到了，3天内给大家结果。",  # a time with no action
    ],
)
def test_unbound_or_negated_actions_are_no_remedy(text):
    assert "no_remedy" in lint(text, "cs").codes


def test_remedy_in_another_sentence_than_its_bound_does_not_count():
    assert "no_remedy" in lint(f"{APOLOGY}可以申请退款。3天内我们会公布检测结果。", "statement").codes


def test_a_marked_blank_is_no_remedy_even_with_an_example_inside():
    blank = "【待补充：团队确定的具体补救措施，例如“3天内可申请全额退款”】"
    text = f"非常抱歉让你遇到问题，现在的处理是：{blank}，私信我们。"
    finding = only(lint(text, "cs"), "no_remedy")
    assert finding.text == blank and text[finding.span[0] : finding.span[1]] == blank
    assert "补救" in finding.suggestion and "/补救" in finding.suggestion


def test_kol_brief_needs_a_remedy_only_when_it_promises_one():
    brief = "想请你帮忙做一次真实的实测，不需要替我们说好话，用真实体验说话就好，有问题的地方直接写出来，我们会认真看。"
    assert "no_remedy" not in lint(brief, "kol").codes
    promising = f"品牌承诺后续会处理。{brief}"
    assert "no_remedy" in lint(promising, "kol").codes
    kept = f"品牌已经确定：3天内可申请全额退款，可以如实告诉大家。{brief}"
    assert "no_remedy" not in lint(kept, "kol").codes


# --- no_empathy -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["reply", "statement", "cs"])
def test_no_apology_is_no_empathy(kind):
    text = "这批货3天内可申请全额退款，私信我们登记就行，我们会在这里同步后面的检测结果，有问题随时说。"
    finding = only(lint(text, kind), "no_empathy")
    assert finding.span == (0, len(text))
    assert "抱歉" in finding.suggestion


@pytest.mark.parametrize(
    "words",
    ["抱歉", "对不起", "不好意思", "理解你的心情", "心疼", "辛苦了", "让你久等了", "给你添麻烦了", "让你失望了"],
)
def test_apology_and_empathy_words_count(words):
    assert "no_empathy" not in lint(f"{words}，3天内可申请全额退款。").codes


def test_thanks_for_understanding_is_not_empathy_and_kol_briefs_need_none():
    assert "no_empathy" in lint("感谢您的理解与支持，3天内可申请全额退款。").codes
    brief = "想请你帮忙做一次真实的实测，不需要替我们说好话，用真实体验说话就好。" * 2
    assert "no_empathy" not in lint(brief, "kol").codes


# --- blame_shift ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "excerpt"),
    [
        ("个别用户反馈", "个别用户"),
        ("属于使用不当", "使用不当"),
        ("与个人体质有关", "个人体质"),
        ("是自身原因", "自身原因"),
        ("属于肤质问题", "属于肤质"),
        ("不排除有人恶意", "不排除有人恶意"),
        ("仅少数用户", "少数用户"),
        ("过敏体质导致", "过敏体质"),
    ],
)
def test_blame_shifting_is_found(phrase, excerpt):
    text = f"{APOLOGY}经核实{phrase}，3天内可申请全额退款。"
    finding = only(lint(text), "blame_shift")
    assert finding.severity == "high"
    assert finding.text == excerpt == text[finding.span[0] : finding.span[1]]
    assert finding.suggestion


def test_owning_the_problem_is_not_blame_shifting():
    assert "blame_shift" not in lint(f"{APOLOGY}这次是我们的问题，和你怎么用没关系，3天内可申请全额退款。").codes


# --- too_formal -------------------------------------------------------------------------------------------------


def test_formal_register_in_a_reply_is_flagged_on_the_first_marker():
    text = "非常抱歉，您反馈的问题我们已记录，3天内可申请全额退款，敬请留意。"
    finding = only(lint(text, "reply"), "too_formal")
    assert finding.text == "您" and finding.span == (text.index("您"), text.index("您") + 1)
    assert "“您”→“你”" in finding.suggestion


def test_statements_may_be_more_formal():
    text = GOOD_STATEMENT.replace("我们安排专人", "本公司安排专人").replace("让用过的朋友", "让用过的您")
    assert "too_formal" not in lint(text, "statement").codes
    # A polite 您 alone is not officialese (issue 17: two blind labellers agreed); a stiff script is.
    assert "too_formal" not in lint("非常抱歉让您久等了，3天内可申请全额退款。", "cs").codes
    assert "too_formal" in lint("您好，鉴于您反映的情况，我方将予以退款，3天内到账。", "cs").codes


def test_many_formal_markers_weigh_more_and_expensive_is_not_formal():
    heavy = lint("您好，非常抱歉，鉴于您的情况，本公司将予以全额退款，3天内到账，敬请留意。", "cs")
    assert only(heavy, "too_formal").severity == "medium"
    assert "too_formal" not in lint("抱歉，这个价格确实贵了，3天内可申请全额退款。", "cs").codes


# --- length -----------------------------------------------------------------------------------------------------


def test_length_bounds_per_kind():
    short = lint("抱歉，已退款。", "reply")
    assert only(short, "length").span == (0, len("抱歉，已退款。"))
    long_reply = f"{APOLOGY}{SEED_REMEDY}。" + "我们一条条看了大家的留言。" * 12
    assert only(lint(long_reply, "reply"), "length").severity == "low"
    very_long = f"{APOLOGY}{SEED_REMEDY}。" + "我们一条条看了大家的留言。" * 30
    assert only(lint(very_long, "reply"), "length").severity == "medium"
    assert "length" not in lint(long_reply, "statement").codes
    assert "length" in lint(SEED_SUPPORT_SCRIPT, "statement").codes
