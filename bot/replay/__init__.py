"""Replay: a recorded conversation (YAML/JSONL of timestamped messages, mentions and card clicks, or the
sandbox's 导出对话) played through the real pipeline on a clock the replay moves, so reminders fire at their
recorded times; `crisisbot replay` prints the retro, `serve --demo` seeds the sandbox with bundled examples."""
