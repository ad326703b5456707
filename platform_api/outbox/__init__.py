"""The outbox: every message to WhatsApp (bot replies and reminders, advisor replies, wa.me
links, re-engagement templates) is an outbound `message` row with status `pending`, committed
before Graph is called, then claimed with a lease, sent once per attempt, retried with backoff
and Meta's pacing, and finished as `sent` or `failed` (with Meta's code and reason)."""
