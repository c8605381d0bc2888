"""Night of Solidarity handlers: volunteers and leaders (`volunteer`), coordinators (`coordinator`)."""
