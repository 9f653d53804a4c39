"""The retrospective: computed as data (the retro JSON), rendered as Markdown and HTML with charts,
signed report links, optional LLM polish and delivery to the group."""
