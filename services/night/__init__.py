"""Night of Solidarity: rules (`rules`), the solver (`assignment`), messages (`publication`), the roster
(`roster`), files (`files`)."""
