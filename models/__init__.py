"""SQLModel tables, one module per feature; each feature's manifest (bot/features/) names its modules."""
