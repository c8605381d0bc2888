import bot  # noqa: F401  (first: the tests run with aiogram's models built on first use, as the bot does)
