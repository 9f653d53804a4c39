"""The retrospective: computed as data (the retro JSON: `compute` with `reading`, `listed_steps`, `propagation`,
`findings`, `json_values`, `level_reasons`), rendered as Markdown and HTML (`render`, `report_view`, `strategies`,
`timetable`, `phrases`) with charts (`charts/`), signed report links, optional LLM polish, the retro card
(`messaging`), and the one flow that builds it for /复盘, the close, the report link and the CLI (`flows`)."""
