"""Playbook steps of an incident: which apply, when they are due, who owns them, completion."""
