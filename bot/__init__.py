"""Runtime of the Paris Volunteers Bot: configuration, database, app factory, middlewares, CLI."""
