"""Core layer: the installation's settings, calendar and due-date rule, procedure catalogue, unit
directory, store and formats. The bottom of the stack: imports nothing from etl/, queries/, ui/."""
