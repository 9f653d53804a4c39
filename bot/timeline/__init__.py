"""The timeline: every group message turned into entries at event time, metric samples, severity
changes and evidence."""
