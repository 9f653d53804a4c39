"""The sandbox transport: a web chat at `/` that stands in for a Feishu group, so the bot
can be tried on a fresh machine without any credentials."""
