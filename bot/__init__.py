"""crisis-retro-bot: the transport-independent core."""
