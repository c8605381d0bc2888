"""Procurement notices for SMEs: subscriptions (/tenders), search (/search), followed notices, coordinators."""
