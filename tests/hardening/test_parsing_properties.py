"""Issue 15, "Also": property tests — whatever a person types or Feishu sends, command, metric, time and event
parsing and card-callback decoding either give a result or the one error the caller turns into a reply;
nothing else escapes. Modest example counts by default; HYPOTHESIS_PROFILE=long runs 20,000 per test (run it with
--timeout=0: the per-test timeout of the suite is meant for the default profile)."""

from __future__ import annotations

import json
import math
import os
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock.parse import TimeProblem, leading_time, parse_date, parse_since
from bot.core.args import ArgsProblem, parse_args, row_id
from bot.core.messages import CardAction, Inbound
from bot.feishu import events
from bot.library.lexicon import load as load_lexicon
from bot.timeline.readings import extract
from bot.timeline.values import ValueProblem, is_plausible, parse_metric_value
from tests.fakes.feishu_webhook import card_action_event, message_event
from tests.support import BUNDLED_PLAYBOOKS, SH, T0

settings.register_profile("hardening", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "hardening"))
LEXICON = load_lexicon(BUNDLED_PLAYBOOKS)

# What people type: digits of every script, Chinese numerals and units, signs, separators, letters, odd Unicode.
TYPED = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            list(
                "0123456789０１２３４５６７８９²³¹⁰½.,，%％+-−:：/"
                "年月日号点时分前后今明天周星期一二两三四五六七八九十百千万亿wWkK "
            )
        ),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)
NUMBERS = st.one_of(st.integers(-(10**40), 10**40).map(str), st.floats(allow_nan=True).map(str))
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
KEYS = {"type": "type", "类型": "type", "since": "since", "开始": "since", "due": "due", "截止": "due"}


@PROFILE
@given(raw=TYPED)
def test_command_arguments_parse_or_explain(raw):
    try:
        args = parse_args(raw, KEYS)
    except ArgsProblem as problem:
        assert str(problem)
        return
    assert set(args.options) <= set(KEYS.values())


@PROFILE
@given(metric=st.sampled_from(sorted(LEXICON.metrics)), raw=st.one_of(TYPED, NUMBERS))
def test_metric_values_are_plausible_or_refused_in_words(metric, raw):
    try:
        value = parse_metric_value(metric, raw, LEXICON)
    except ValueProblem as problem:
        assert str(problem)
        return
    assert math.isfinite(value) and is_plausible(metric, value, LEXICON)


@PROFILE
@given(
    prefix=st.sampled_from(["话题阅读量破", "负面占比升至", "转发", "投诉量：", "收到", ""]),
    raw=st.one_of(TYPED, NUMBERS),
)
def test_readings_in_free_text_are_always_plausible(prefix, raw):
    for reading in extract(prefix + raw, LEXICON):
        assert is_plausible(reading.metric, reading.value, LEXICON)


@PROFILE
@given(raw=TYPED, minutes=st.integers(0, 60 * 24 * 400))
def test_times_people_type_parse_or_explain(raw, minutes):
    now = T0 + timedelta(minutes=minutes)
    try:
        since = parse_since(raw, now=now, tz=SH)
        assert since <= now
    except TimeProblem as problem:
        assert str(problem)
    try:
        assert isinstance(parse_date(raw, today=now.date()), date)
    except TimeProblem as problem:
        assert str(problem)
    lead = leading_time(raw, sent_at=now, tz=SH)
    assert lead is None or lead.at <= now + timedelta(minutes=5)


@PROFILE
@given(content=JSONISH, kind=st.sampled_from(["text", "post", "image", "file", "audio", "sticker"]))
def test_any_message_content_becomes_a_message(content, kind):
    event = message_event(event_id="ev_p", message_id="om_p", chat_id="oc_p", text="")
    event["event"]["message"].update(message_type=kind, content=json.dumps(content))
    message = events.to_event(event)
    assert isinstance(message, Inbound)
    message.text.encode("utf-8")  # storable


@PROFILE
@given(text=st.text(max_size=30))
def test_any_text_content_string_becomes_a_message(text):
    event = message_event(event_id="ev_p", message_id="om_p", chat_id="oc_p", text="")
    event["event"]["message"]["content"] = text
    message = events.to_event(event)
    assert isinstance(message, Inbound)
    message.text.encode("utf-8")


@PROFILE
@given(value=st.one_of(JSONISH, st.text(max_size=30)))
def test_card_callbacks_decode_to_an_action_and_row_ids(value):
    event = card_action_event(event_id="ev_c", open_id="ou_p", chat_id="oc_p", message_id="om_p", value={})
    event["event"]["action"]["value"] = value
    action = events.to_event(event)
    assert isinstance(action, CardAction) and isinstance(action.value, dict)
    for key in ("incident", "draft", "item"):
        number = row_id(action.value.get(key))
        assert number is None or 0 < number < 2**31


@PROFILE
@given(value=st.one_of(JSONISH, TYPED, NUMBERS))
def test_row_ids_are_small_positive_integers_or_none(value):
    number = row_id(value)
    assert number is None or (isinstance(number, int) and 0 < number < 2**31)


def test_the_profile_is_modest_by_default():
    if "HYPOTHESIS_PROFILE" not in os.environ:
        assert PROFILE.max_examples == 200 and PROFILE.deadline is None
