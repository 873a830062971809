-- Passkeys (issue 19): a staff account's second step can be its phone's or computer's own
-- unlock (fingerprint, face or screen lock) through WebAuthn. Each row is one passkey: the
-- credential's id (base64url, unique across accounts), the name its owner gave it, and
-- webauthn-rs's record of it as JSON (public key, algorithm, signature counter).
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_by_account ON passkeys (account_id);

-- A passkey being added: the challenge sent to the browser and webauthn-rs's state for
-- checking the answer, kept in the database so any instance can finish it (one per account;
-- a new start replaces it; it lasts ten minutes).
CREATE TABLE passkey_setups (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    options TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The WebAuthn user handle given to an account's passkeys: random, never the email address.
ALTER TABLE accounts ADD COLUMN passkey_user TEXT;

-- A sign-in at its second step keeps the challenge its passkey must answer.
ALTER TABLE sign_in_challenges ADD COLUMN passkey_options TEXT;
ALTER TABLE sign_in_challenges ADD COLUMN passkey_state TEXT;
