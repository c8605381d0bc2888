"""The foundation's screens: menus, language, privacy, the coordinator's desk, signup, commands, fallback."""
