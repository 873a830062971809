-- A request sent with an `Idempotency-Key` header (a phone sending what it kept while it had
-- no signal, perhaps more than once) is done once: the first answer is kept here, by account
-- and key, and a repeat gets that answer back without doing anything again. `status` is 0
-- while the first request is still being done. Kept for 14 days (`Store::sweep`).
CREATE TABLE replays (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    content_type TEXT,
    location TEXT,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);
CREATE INDEX replays_created ON replays (created_at);
