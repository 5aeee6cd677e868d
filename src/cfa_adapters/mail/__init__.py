"""Mail adapter: templates of the outbox messages, the relay, and its senders (SMTP, .eml files)."""
