"""The Feishu transport: the only package that knows Feishu wire formats and lark-oapi."""
