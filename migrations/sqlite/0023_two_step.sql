-- Two-step sign-in (issue 19). A staff account can add a second step to its password: a
-- six-digit code from an authenticator app (TOTP, RFC 6238). `totp_secret` is the app's key
-- (base32) once confirmed; `totp_last_step` is the newest 30-second step whose code was
-- accepted, so a code works once (RFC 6238 5.2); `two_step_since` is when it was turned on.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN two_step_since BIGINT;

-- A key shown to someone setting up their app, kept until they type a code it makes (one per
-- account; a new start replaces it).
CREATE TABLE totp_setups (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Ten single-use recovery codes per account with a second step, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (account_id, code_hash)
);

-- Someone who gave the right password and still has the second step to pass (`kind`
-- 'code'), or to set up because two-step sign-in is required of them ('setup'). The browser
-- holds the token; only its hash is kept. It ends after ten minutes or five wrong codes.
CREATE TABLE sign_in_challenges (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    next_path TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
