"""Time: the one injectable clock, times people type, the one local-time formatter, quarters and
working days."""
