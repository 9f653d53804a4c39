"""The Feishu fakes behave like Feishu as far as the real lark-oapi client can tell."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator

import httpx
import lark_oapi as lark
import pytest
from lark_oapi.api.im.v1 import (
    CreateImageRequest,
    CreateImageRequestBody,
    CreateMessageRequest,
    CreateMessageRequestBody,
    GetChatMembersRequest,
    GetMessageResourceRequest,
    ListMessageRequest,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)
from lark_oapi.event.custom import CustomizedEvent

from tests.fakes.feishu_openapi import FakeFeishu, history_item, reset_lark_token_cache
from tests.fakes.feishu_webhook import (
    card_action_event,
    encrypt_body,
    message_event,
    signed_headers,
    url_verification,
    webhook_request,
)

ENCRYPT_KEY = "test-encrypt-key"
VERIFICATION_TOKEN = "vtoken"
TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"


@pytest.fixture
def fake() -> Iterator[FakeFeishu]:
    reset_lark_token_cache()
    with FakeFeishu() as server:
        yield server
    reset_lark_token_cache()


def send_text(client: lark.Client, chat_id: str, text: str, uuid: str | None = None):
    body = CreateMessageRequestBody.builder().receive_id(chat_id).msg_type("text")
    body = body.content(json.dumps({"text": text}))
    if uuid:
        body = body.uuid(uuid)
    request = CreateMessageRequest.builder().receive_id_type("chat_id").request_body(body.build()).build()
    return client.im.v1.message.create(request)


def send_card(client: lark.Client, chat_id: str, card: dict):
    body = (
        CreateMessageRequestBody.builder().receive_id(chat_id).msg_type("interactive").content(json.dumps(card)).build()
    )
    return client.im.v1.message.create(
        CreateMessageRequest.builder().receive_id_type("chat_id").request_body(body).build()
    )


# ----- Open API ------------------------------------------------------------------------------


def test_client_fetches_tenant_token_then_sends_message(fake: FakeFeishu) -> None:
    client = fake.lark_client()

    resp = send_text(client, "oc_1", "你好")

    assert resp.success(), resp.msg
    assert resp.data.message_id.startswith("om_")
    assert resp.data.chat_id == "oc_1"
    [token_call] = fake.calls_to(TOKEN_PATH)
    assert token_call.json == {"app_id": "cli_test", "app_secret": "secret_test"}
    [send_call] = fake.calls_to("/open-apis/im/v1/messages", "POST")
    assert send_call.headers["authorization"].startswith("Bearer t-")
    assert fake.sent_messages[0]["chat_id"] == "oc_1"
    assert fake.sent_messages[0]["content"] == {"text": "你好"}
    assert fake.sent_messages[0]["message_id"] == resp.data.message_id


def test_token_is_cached_across_sends(fake: FakeFeishu) -> None:
    client = fake.lark_client()
    send_text(client, "oc_1", "one")
    send_text(client, "oc_1", "two")
    assert len(fake.calls_to(TOKEN_PATH)) == 1


def test_same_uuid_is_sent_once(fake: FakeFeishu) -> None:
    client = fake.lark_client()

    first = send_text(client, "oc_1", "hi", uuid="u-1")
    second = send_text(client, "oc_1", "hi", uuid="u-1")

    assert first.data.message_id == second.data.message_id
    assert len(fake.sent_messages) == 1
    assert len(fake.calls_to("/open-apis/im/v1/messages", "POST")) == 2


def test_injected_server_error_then_recovery(fake: FakeFeishu) -> None:
    client = fake.lark_client()
    fake.fail_next(1, status=500)

    failed = send_text(client, "oc_1", "hi")
    recovered = send_text(client, "oc_1", "hi")

    assert not failed.success() and failed.code == 500
    assert failed.raw.status_code == 500
    assert recovered.success()
    assert len(fake.sent_messages) == 1


def test_injected_feishu_error_codes(fake: FakeFeishu) -> None:
    client = fake.lark_client()
    fake.fail_with_code(1, 230020)
    fake.fail_with_code(1, 99991400)

    per_chat_limit = send_text(client, "oc_1", "a")
    gateway_limit = send_text(client, "oc_1", "b")

    assert (per_chat_limit.code, per_chat_limit.raw.status_code) == (230020, 400)
    assert (gateway_limit.code, gateway_limit.raw.status_code) == (99991400, 429)
    assert gateway_limit.raw.headers["x-ogw-ratelimit-reset"] == "1"


def test_non_json_gateway_error_makes_lark_raise(fake: FakeFeishu) -> None:
    client = fake.lark_client()
    fake.fail_next(1, status=502, raw_body=b"<html>502 Bad Gateway</html>")
    with pytest.raises(json.JSONDecodeError):
        send_text(client, "oc_1", "hi")


def test_revoked_token_answers_99991663_until_cache_is_cleared(fake: FakeFeishu) -> None:
    client = fake.lark_client()
    assert send_text(client, "oc_1", "before").success()
    fake.revoke_tokens()

    rejected = send_text(client, "oc_1", "after")
    reset_lark_token_cache()
    retried = send_text(client, "oc_1", "after")

    assert (rejected.code, rejected.raw.status_code) == (99991663, 400)
    assert retried.success()
    assert len(fake.calls_to(TOKEN_PATH)) == 2


def test_requests_without_token_or_to_unknown_paths(fake: FakeFeishu) -> None:
    missing = httpx.get(f"{fake.base_url}/open-apis/im/v1/chats/oc_1/members")
    unknown = httpx.get(f"{fake.base_url}/open-apis/nope")
    assert (missing.status_code, missing.json()["code"]) == (400, 99991661)
    assert (unknown.status_code, unknown.json()["code"]) == (404, 404)


def test_async_client_uses_httpx_path(fake: FakeFeishu) -> None:
    client = fake.lark_client()
    body = CreateMessageRequestBody.builder().receive_id("oc_1").msg_type("text")
    body = body.content(json.dumps({"text": "async"})).uuid("u-async").build()
    request = CreateMessageRequest.builder().receive_id_type("chat_id").request_body(body).build()

    resp = asyncio.run(client.im.v1.message.acreate(request))

    assert resp.success(), resp.msg
    assert fake.sent_messages[0]["uuid"] == "u-async"


def test_reply_and_card_patch(fake: FakeFeishu) -> None:
    client = fake.lark_client()
    card = send_card(client, "oc_1", {"elements": [{"tag": "markdown", "content": "v1"}]})
    reply_body = ReplyMessageRequestBody.builder().msg_type("text").content('{"text":"re"}').build()
    reply = client.im.v1.message.reply(
        ReplyMessageRequest.builder().message_id(card.data.message_id).request_body(reply_body).build()
    )
    patch_body = PatchMessageRequestBody.builder().content(json.dumps({"elements": []})).build()
    patched = client.im.v1.message.patch(
        PatchMessageRequest.builder().message_id(card.data.message_id).request_body(patch_body).build()
    )

    assert reply.success() and patched.success()
    assert fake.sent_messages[1]["reply_to"] == card.data.message_id
    assert fake.sent_messages[1]["chat_id"] == "oc_1"
    assert fake.card_updates == [{"message_id": card.data.message_id, "content": {"elements": []}}]


def test_image_upload_keeps_bytes(fake: FakeFeishu) -> None:
    client = fake.lark_client()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) + b"\r\n--tail"
    body = CreateImageRequestBody.builder().image_type("message").image(io.BytesIO(png)).build()

    resp = client.im.v1.image.create(CreateImageRequest.builder().request_body(body).build())

    assert resp.success(), resp.msg
    upload = fake.uploads[resp.data.image_key]
    assert upload["data"] == png and upload["type"] == "message"


def test_history_is_filtered_and_paged(fake: FakeFeishu) -> None:
    base = 1_700_000_000_000
    fake.history["oc_1"] = [
        history_item(message_id=f"om_{i}", chat_id="oc_1", create_time_ms=base + i * 1000, text=str(i))
        for i in range(5)
    ]
    client = fake.lark_client()
    seen: list[str] = []
    page_token = None
    while True:
        builder = (
            ListMessageRequest.builder()
            .container_id_type("chat")
            .container_id("oc_1")
            .start_time(str(base // 1000 + 1))
            .end_time(str(base // 1000 + 4))
            .page_size(2)
        )
        if page_token:
            builder = builder.page_token(page_token)
        resp = client.im.v1.message.list(builder.build())
        assert resp.success(), resp.msg
        seen += [item.message_id for item in resp.data.items]
        if not resp.data.has_more:
            break
        page_token = resp.data.page_token
    assert seen == ["om_1", "om_2", "om_3", "om_4"]


def test_chat_members_and_resources(fake: FakeFeishu) -> None:
    fake.chats["oc_1"] = [{"member_id": "ou_a", "name": "甲"}, {"member_id": "ou_b", "name": "乙"}]
    fake.resources[("om_1", "img_1")] = b"image-bytes"
    client = fake.lark_client()

    members = client.im.v1.chat_members.get(
        GetChatMembersRequest.builder().chat_id("oc_1").member_id_type("open_id").build()
    )
    resource = client.im.v1.message_resource.get(
        GetMessageResourceRequest.builder().message_id("om_1").file_key("img_1").type("image").build()
    )
    missing = client.im.v1.message_resource.get(
        GetMessageResourceRequest.builder().message_id("om_1").file_key("nope").type("image").build()
    )

    assert [m.name for m in members.data.items] == ["甲", "乙"]
    assert resource.success() and resource.file.read() == b"image-bytes"
    assert not missing.success()


# ----- webhooks ------------------------------------------------------------------------------


def dispatch(handler: lark.EventDispatcherHandler, body: bytes, headers: dict[str, str]) -> lark.RawResponse:
    request = lark.RawRequest()
    request.uri = "/webhook/event"
    request.headers = headers
    request.body = body
    return handler.do(request)


def message_handler(received: list[CustomizedEvent]) -> lark.EventDispatcherHandler:
    return (
        lark.EventDispatcherHandler.builder(ENCRYPT_KEY, VERIFICATION_TOKEN)
        .register_p2_customized_event("im.message.receive_v1", received.append)
        .build()
    )


def test_dispatcher_accepts_encrypted_signed_message_event() -> None:
    received: list[CustomizedEvent] = []
    event = message_event(
        event_id="ev_1",
        message_id="om_1",
        chat_id="oc_1",
        text="@_user_1 复盘",
        mentions=[{"open_id": "ou_bot", "name": "危机助手"}],
        create_time_ms=1_700_000_000_123,
    )
    body = encrypt_body(event, ENCRYPT_KEY)

    resp = dispatch(message_handler(received), body, signed_headers(body, ENCRYPT_KEY))

    assert resp.status_code == 200, resp.content
    [got] = received
    assert got.header.event_id == "ev_1"
    message = got.event["message"]
    assert json.loads(message["content"]) == {"text": "@_user_1 复盘"}
    assert message["create_time"] == "1700000000123"
    assert message["mentions"][0]["id"]["open_id"] == "ou_bot"


def test_dispatcher_rejects_wrong_signature() -> None:
    received: list[CustomizedEvent] = []
    body = encrypt_body(message_event(event_id="ev_1", message_id="om_1", chat_id="oc_1", text="x"), ENCRYPT_KEY)
    headers = signed_headers(body, ENCRYPT_KEY)
    headers["X-Lark-Signature"] = "0" * 64

    resp = dispatch(message_handler(received), body, headers)

    assert resp.status_code == 500
    assert received == []


def test_dispatcher_answers_encrypted_url_verification() -> None:
    body, headers = webhook_request(url_verification("abc", VERIFICATION_TOKEN), ENCRYPT_KEY)
    resp = dispatch(message_handler([]), body, headers)
    assert json.loads(resp.content) == {"challenge": "abc"}


def test_dispatcher_parses_card_action() -> None:
    received: list[P2CardActionTrigger] = []

    def on_card(data: P2CardActionTrigger) -> P2CardActionTriggerResponse:
        received.append(data)
        return P2CardActionTriggerResponse({"toast": {"type": "success", "content": "ok"}})

    handler = (
        lark.EventDispatcherHandler.builder(ENCRYPT_KEY, VERIFICATION_TOKEN)
        .register_p2_card_action_trigger(on_card)
        .build()
    )
    event = card_action_event(event_id="ev_c", open_id="ou_a", chat_id="oc_1", message_id="om_9", value={"step": "s1"})
    body, headers = webhook_request(event, ENCRYPT_KEY)

    resp = dispatch(handler, body, headers)

    assert resp.status_code == 200, resp.content
    assert json.loads(resp.content)["toast"]["content"] == "ok"
    [got] = received
    assert got.event.action.value == {"step": "s1"}
    assert got.event.operator.open_id == "ou_a"
    assert (got.event.context.open_message_id, got.event.context.open_chat_id) == ("om_9", "oc_1")
