"""When to look: the APScheduler wake-ups, the sweep over DB state, the send-once ledgers."""
