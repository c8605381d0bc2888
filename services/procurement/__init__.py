"""Public procurement for SMEs: notices read from DECP, OCDS, eForms and BOAMP files, subscriptions, matching.

Modules: `formats` (DECP and OCDS JSON), `eforms` (TED XML), `boamp` (DILA JSON), `streaming` (bounded readers),
`importing` (batches into the database), `matching` (the subscription index), `cpv` (the vocabulary and
trade search), `subscriptions` (subscriptions, deliveries, digests, search), `deadlines` (follows, reminders),
`renewals` (renewal leads).
"""
