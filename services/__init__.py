"""Domain logic as plain async functions taking a session and plain values. No aiogram import here."""
