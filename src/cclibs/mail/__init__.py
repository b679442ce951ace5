"""Mail: messages of plain text and HTML, queued in the database and sent by a worker.

``message`` holds a message and builds its MIME form; ``addresses`` reads ``CCLIBS_SMTP_URL``
and ``CCLIBS_MAIL_FROM``; ``ports`` names the contracts (a sender, the outbox); ``smtp`` sends
through an SMTP server, ``eml_files`` writes ``.eml`` files when none is configured;
``service`` queues a message in the caller's transaction; ``worker`` sends the outbox with
retries. Framework-free: no SQLAlchemy or web framework here (``cclibs.storage.mail``
implements the outbox).
"""
