"""After the crisis: action items, the quarterly review and its cadence, the annual risk plan."""
