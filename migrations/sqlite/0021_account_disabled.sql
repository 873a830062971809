-- A coordinator can turn a staff account's sign-in off (offboarding) and on again: while
-- `disabled_at` is set, no session or API token of the account signs anyone in and signing in
-- is refused; the account and everything it recorded stay.
ALTER TABLE accounts ADD COLUMN disabled_at BIGINT;
