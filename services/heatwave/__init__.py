"""Heat waves: the kit, alerts to volunteers, their answers, coverage and escalation."""
