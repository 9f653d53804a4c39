"""The Feishu transport: the only package that knows Feishu wire formats and lark-oapi."""

from bot.feishu import lark_import

lark_import.install()  # before anything here imports lark_oapi
