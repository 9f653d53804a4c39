"""Command arguments: positional words, key=value options with English or Chinese keys, free text."""

from __future__ import annotations

import pytest

from bot.core.args import Args, ArgsProblem, parse_args

OPEN_KEYS = {
    "type": "type",
    "类型": "type",
    "level": "level",
    "级别": "level",
    "since": "since",
    "开始": "since",
}
METRIC_KEYS = {"at": "at", "时间": "at"}
ACTION_KEYS = {"due": "due", "截止": "due"}


def test_words_options_and_text():
    args = parse_args("面霜 过敏 type=product_defect level=1", OPEN_KEYS)
    assert args.words == ["面霜", "过敏"]
    assert args.options == {"type": "product_defect", "level": "1"}
    assert args.text == "面霜 过敏"


def test_chinese_keys_map_to_canonical_keys():
    args = parse_args("面霜过敏 类型=product_defect 级别=1 开始=09:10", OPEN_KEYS)
    assert args.options == {"type": "product_defect", "level": "1", "since": "09:10"}
    assert args.text == "面霜过敏"


def test_full_width_equals_sign():
    args = parse_args("面霜过敏 类型＝product_defect 级别＝2", OPEN_KEYS)
    assert args.options == {"type": "product_defect", "level": "2"}


def test_ascii_keys_match_case_insensitively():
    args = parse_args("标题 TYPE=service_lag Level=1", OPEN_KEYS)
    assert args.options == {"type": "service_lag", "level": "1"}


def test_value_case_is_kept():
    assert parse_args("x type=Product_Defect", OPEN_KEYS).options["type"] == "Product_Defect"


def test_options_anywhere_among_the_words():
    args = parse_args("level=1 面霜 since=09:10 过敏 事件", OPEN_KEYS)
    assert args.words == ["面霜", "过敏", "事件"]
    assert args.text == "面霜 过敏 事件"
    assert args.options == {"level": "1", "since": "09:10"}


@pytest.mark.parametrize(
    ("raw", "since", "text"),
    [
        ("标题 since=2026-11-24 09:10", "2026-11-24 09:10", "标题"),
        ("since=2026-11-24 09:10 标题", "2026-11-24 09:10", "标题"),
        ("标题 开始=11-24 9:10 后文", "11-24 9:10", "标题 后文"),
        ("标题 开始=11月24日 09：10", "11月24日 09：10", "标题"),
        ("标题 开始=昨天 23:50", "昨天 23:50", "标题"),
        ("标题 开始=昨天 下午3点", "昨天 下午3点", "标题"),
        ("标题 since=2026-11-24T09:10", "2026-11-24T09:10", "标题"),
        ("标题 since=09:10 10:00", "09:10", "标题 10:00"),  # only a date takes a following time
        ("标题 since=2026-11-24 整改", "2026-11-24", "标题 整改"),
        ('标题 since="2026-11-24 09:10"', "2026-11-24 09:10", "标题"),
        ("标题 开始=“2026-11-24 09:10”", "2026-11-24 09:10", "标题"),
    ],
)
def test_date_value_continues_with_a_time_of_day(raw, since, text):
    args = parse_args(raw, OPEN_KEYS)
    assert args.options["since"] == since
    assert args.text == text


def test_quotes_keep_spaces_together():
    args = parse_args('“面霜 过敏 事件” "second word" 三', OPEN_KEYS)
    assert args.words == ["面霜 过敏 事件", "second word", "三"]
    assert args.text == '“面霜 过敏 事件” "second word" 三'


def test_a_single_quoted_title_loses_its_quotes_in_text():
    args = parse_args("“某品牌 面霜 过敏” level=1", OPEN_KEYS)
    assert args.words == ["某品牌 面霜 过敏"]
    assert args.text == "某品牌 面霜 过敏"


def test_mixed_straight_and_curly_quotes_close():
    assert parse_args('“面霜 过敏" 三', OPEN_KEYS).words == ["面霜 过敏", "三"]
    assert parse_args('"面霜 过敏” 三', OPEN_KEYS).words == ["面霜 过敏", "三"]


def test_quote_inside_a_word_is_just_a_character():
    args = parse_args("用户说“太 差 了” 已回复", OPEN_KEYS)
    assert args.words == ["用户说“太", "差", "了”", "已回复"]
    assert args.text == "用户说“太 差 了” 已回复"


def test_unclosed_quote_is_just_a_character():
    args = parse_args("“面霜 过敏", OPEN_KEYS)
    assert args.words == ["“面霜", "过敏"]
    assert args.text == "“面霜 过敏"


def test_quoted_option_value_keeps_spaces():
    args = parse_args('标题 type="product defect" 级别=“1”', OPEN_KEYS)
    assert args.options == {"type": "product defect", "level": "1"}
    assert args.text == "标题"


def test_space_after_equals_takes_the_next_word():
    args = parse_args("标题 类型= product_defect 级别= 1", OPEN_KEYS)
    assert args.options == {"type": "product_defect", "level": "1"}
    assert args.text == "标题"


def test_urls_and_sums_in_free_text_are_not_options():
    raw = "转载 http://x.com/?a=b https://weibo.com/p?id=1&x=y 1+1=2 a.b=c 负面=65%? 不"
    with pytest.raises(ArgsProblem):
        parse_args(raw, OPEN_KEYS)  # "负面=" looks like an option …
    raw = "转载 http://x.com/?a=b https://weibo.com/p?id=1&x=y 1+1=2 a.b=c =x"
    args = parse_args(raw, OPEN_KEYS)  # … none of these do
    assert args.options == {}
    assert args.words == raw.split()
    assert args.text == raw


def test_mentions_stay_in_words_and_text():
    args = parse_args("整改客服话术 @王运营 @李客服 due=2026-12-01", ACTION_KEYS)
    assert args.words == ["整改客服话术", "@王运营", "@李客服"]
    assert args.options == {"due": "2026-12-01"}
    assert args.text == "整改客服话术 @王运营 @李客服"


def test_text_keeps_what_was_typed_between_words():
    raw = "第一行  两个空格\n第二行\t制表"
    args = parse_args(raw, OPEN_KEYS)
    assert args.text == raw
    assert args.words == ["第一行", "两个空格", "第二行", "制表"]


def test_full_width_space_separates_words():
    assert parse_args("面霜\u3000过敏", OPEN_KEYS).words == ["面霜", "过敏"]


def test_removed_option_leaves_one_separator():
    assert parse_args("甲 level=1 乙", OPEN_KEYS).text == "甲 乙"
    assert parse_args("甲\nlevel=1\n乙", OPEN_KEYS).text == "甲\n乙"
    assert parse_args("  level=1   甲   ", OPEN_KEYS).text == "甲"


def test_rest_after_leading_words():
    args = parse_args("initial 我们非常抱歉，  3天内可申请全额退款", {})
    assert args.words[0] == "initial"
    assert args.rest(1) == "我们非常抱歉，  3天内可申请全额退款"
    assert args.rest(2) == "3天内可申请全额退款"
    assert args.rest(5) == ""
    assert Args(words=["a", "b"], options={}, text="a b").rest(1) == "b"


def test_metric_with_at():
    args = parse_args("话题阅读 1200万 微博 时间=09:10", METRIC_KEYS)
    assert args.words == ["话题阅读", "1200万", "微博"]
    assert args.options == {"at": "09:10"}


def test_no_accepted_keys_means_everything_is_free_text():
    args = parse_args("客服回复 a=b 类型=x", {})
    assert args.options == {}
    assert args.words == ["客服回复", "a=b", "类型=x"]
    assert args.text == "客服回复 a=b 类型=x"


def test_empty_input():
    args = parse_args("", OPEN_KEYS)
    assert (args.words, args.options, args.text) == ([], {}, "")
    assert parse_args("   \n ", OPEN_KEYS).text == ""


# ------------------------------------------------------------------ problems


def test_unknown_chinese_key_lists_chinese_keys():
    with pytest.raises(ArgsProblem) as problem:
        parse_args("标题 类别=x", OPEN_KEYS)
    assert str(problem.value) == "不认识参数 类别=…，可用：类型= 级别= 开始="


def test_unknown_english_key_lists_chinese_keys_then_english_ones():
    with pytest.raises(ArgsProblem) as problem:
        parse_args("标题 foo=bar", OPEN_KEYS)
    assert str(problem.value) == "不认识参数 foo=…，可用：类型= 级别= 开始=（英文 type= level= since=）"


def test_unknown_key_with_only_one_script_available():
    with pytest.raises(ArgsProblem) as problem:
        parse_args("x 负责人=y", {"due": "due"})
    assert str(problem.value) == "不认识参数 负责人=…，可用：due="


@pytest.mark.parametrize("raw", ["x type=a type=b", "x type=a 类型=b", "x 级别=1 LEVEL=2"])
def test_duplicate_key(raw):
    with pytest.raises(ArgsProblem, match="重复"):
        parse_args(raw, OPEN_KEYS)


@pytest.mark.parametrize("raw", ["x type=", "x 类型＝", 'x type=""', "x type= level=1"])
def test_empty_value(raw):
    with pytest.raises(ArgsProblem, match="缺少值"):
        parse_args(raw, OPEN_KEYS)


def test_problems_are_value_errors():
    with pytest.raises(ValueError):
        parse_args("x foo=1", OPEN_KEYS)
