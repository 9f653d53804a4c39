"""The team's data files in PLAYBOOK_DIR: one YAML loader (last good), playbooks and severity levels,
the lexicon, roles, drill scenarios and recommendations."""
