-- Staff pages (issue 21): a phone number a programme lead can ring when a facilitator asks for
-- help (empty when not given), and when each person last signed in (NULL: never).
ALTER TABLE accounts ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN last_signed_in_at BIGINT;
