"""Monthly drills: scripted scenarios played into a flagged drill incident and scored."""
