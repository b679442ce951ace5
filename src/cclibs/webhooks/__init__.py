"""Webhooks: change events of libraries and elements, delivered signed to registered URLs.

``events`` names the event types and builds the envelope (after Adobe's I/O Events, compat
reference §1.13); ``changes`` gathers one transaction's changes into events; ``signing`` signs
and verifies deliveries; ``destinations`` decides which URLs may receive them; ``service``
registers subscriptions; ``worker`` delivers the outbox with retries. Framework-free: no
SQLAlchemy or web framework here (``cclibs.storage.webhooks`` implements the ports).
"""
