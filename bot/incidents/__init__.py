"""Incidents: opening, finding and closing them, the group's roster, their cards and announcements."""
