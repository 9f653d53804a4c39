"""Contract API (stable): `bot.lint.lint(text, kind) -> LintResult`. The linter lives in `bot.drafting.lint`."""

from bot.drafting.lint import Finding, LintResult, lint

__all__ = ["Finding", "LintResult", "lint"]
