"""Drafts of replies, statements, KOL briefs and support scripts, the lint that checks them, and the
lint of statements the team published."""
