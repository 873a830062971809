//! Passkeys (WebAuthn) as the second step of signing in: the phone's or computer's own unlock
//! (fingerprint, face, screen lock or PIN) after the password. kanidm's `webauthn-rs` does
//! the checking (origin, challenge, relying party, signature, user verification, counter);
//! this module only turns its values into text the store keeps between the two halves of a
//! ceremony, so any instance behind a load balancer can finish what another began.
//!
//! A passkey is bound to a site name (the relying party id): the host of `--public-url`.
//! Browsers refuse a bare IP address there, so on `http://127.0.0.1:8080` passkeys are not
//! offered (use `http://localhost:8080`, or the real name behind https).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use webauthn_rs::prelude::{
    COSEAlgorithm, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// COSE's number for RS256 (RSASSA-PKCS1-v1_5 with SHA-256), which ASVS 5.0's Appendix C
/// lists as disallowed: never asked for, and refused if an authenticator answers with it.
const RS256: i64 = -257;

/// How long a passkey being added, or a sign-in's passkey challenge, can be answered.
pub const CEREMONY_TTL: i64 = 600;

/// Why a passkey was not accepted (or could not be asked for).
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// What the browser sent is not a WebAuthn answer at all.
    #[error("the browser's answer could not be read: {0}")]
    Unreadable(String),
    /// A well-formed answer that does not check out: a wrong or unknown passkey, another
    /// site's, a replayed challenge, no user verification, a bad signature.
    #[error("the passkey was refused: {0}")]
    Refused(String),
    /// Stored state that no longer reads (a newer Hearth changed it): start again.
    #[error("stored passkey state could not be read: {0}")]
    State(String),
}

/// What the browser is asked, and what the server keeps to check its answer.
#[derive(Debug, Clone)]
pub struct Ceremony {
    /// The options for `navigator.credentials.create` or `.get`, as JSON.
    pub options: String,
    /// webauthn-rs's state, as JSON (kept server side only).
    pub state: String,
}

/// A passkey just added: its credential id (base64url) and its record as JSON.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub credential_id: String,
    pub record: String,
}

/// A passkey that answered a sign-in: its credential id, and its record again when the
/// counter or backup state moved (to be saved).
#[derive(Debug, Clone)]
pub struct UsedPasskey {
    pub credential_id: String,
    pub updated_record: Option<String>,
}

/// This site's passkey checker.
pub struct Passkeys {
    webauthn: Webauthn,
}

impl std::fmt::Debug for Passkeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkeys").finish_non_exhaustive()
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, PasskeyError> {
    serde_json::to_string(value).map_err(|e| PasskeyError::State(e.to_string()))
}

fn state<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(text).map_err(|e| PasskeyError::State(e.to_string()))
}

/// A credential id as text.
pub fn credential_id(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// A new random WebAuthn user handle for an account.
pub fn new_user_handle() -> String {
    Uuid::new_v4().to_string()
}

impl Passkeys {
    /// The checker for a site reached at `public_url`, or None (with the reason) when passkeys
    /// cannot work there: an address that is not a name, or a scheme other than http(s).
    pub fn for_site(public_url: &str) -> Result<Passkeys, String> {
        let origin = Url::parse(public_url).map_err(|e| format!("{public_url}: {e}"))?;
        if !matches!(origin.scheme(), "https" | "http") {
            return Err(format!("{public_url} is not an http or https address"));
        }
        let Some(domain) = origin.domain() else {
            return Err(format!(
                "{public_url} is reached by an address, not a name: browsers offer passkeys only to a name such as localhost or hearth.example.org"
            ));
        };
        let rp_id = domain.trim_end_matches('.').to_string();
        let webauthn = WebauthnBuilder::new(&rp_id, &origin)
            .and_then(|b| b.rp_name("Hearth").build())
            .map_err(|e| format!("{public_url}: {e}"))?;
        Ok(Passkeys { webauthn })
    }

    /// Starts adding a passkey to an account (`user` its handle, `others` the credential ids it
    /// has, so the same authenticator is not added twice).
    pub fn start_adding(
        &self,
        user: &str,
        email: &str,
        name: &str,
        others: &[String],
    ) -> Result<Ceremony, PasskeyError> {
        let user = Uuid::parse_str(user).map_err(|e| PasskeyError::State(e.to_string()))?;
        let exclude: Vec<Vec<u8>> = others
            .iter()
            .filter_map(|id| URL_SAFE_NO_PAD.decode(id).ok())
            .collect();
        let (options, reg) = self
            .webauthn
            .start_passkey_registration(user, email, name, Some(exclude).filter(|e| !e.is_empty()))
            .map_err(|e| PasskeyError::State(e.to_string()))?;
        // Only elliptic-curve keys (ES256, ES384) are asked for.
        let mut options =
            serde_json::to_value(&options).map_err(|e| PasskeyError::State(e.to_string()))?;
        if let Some(params) = options
            .pointer_mut("/publicKey/pubKeyCredParams")
            .and_then(|p| p.as_array_mut())
        {
            params.retain(|p| p["alg"].as_i64() != Some(RS256));
        }
        Ok(Ceremony {
            options: json(&options)?,
            state: json(&reg)?,
        })
    }

    /// Checks the browser's answer to `start_adding` against the state kept.
    pub fn finish_adding(&self, answer: &str, kept: &str) -> Result<NewPasskey, PasskeyError> {
        let answer: RegisterPublicKeyCredential =
            serde_json::from_str(answer).map_err(|e| PasskeyError::Unreadable(e.to_string()))?;
        let kept: PasskeyRegistration = state(kept)?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&answer, &kept)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        if passkey.get_public_key().type_ == COSEAlgorithm::RS256 {
            return Err(PasskeyError::Refused(
                "an RS256 (RSA PKCS#1 v1.5) key, which is not allowed".into(),
            ));
        }
        Ok(NewPasskey {
            credential_id: credential_id(passkey.cred_id()),
            record: json(&passkey)?,
        })
    }

    /// Starts a sign-in's passkey step over the account's passkeys (their records).
    pub fn start_sign_in(&self, records: &[String]) -> Result<Ceremony, PasskeyError> {
        let passkeys = records
            .iter()
            .map(|r| state::<Passkey>(r))
            .collect::<Result<Vec<_>, _>>()?;
        let (options, auth) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| PasskeyError::State(e.to_string()))?;
        Ok(Ceremony {
            options: json(&options)?,
            state: json(&auth)?,
        })
    }

    /// Checks the browser's answer to `start_sign_in`. `record_of` finds the stored record of
    /// the credential that answered (to update its counter).
    pub fn finish_sign_in(
        &self,
        answer: &str,
        kept: &str,
        record_of: impl Fn(&str) -> Option<String>,
    ) -> Result<UsedPasskey, PasskeyError> {
        let answer: PublicKeyCredential =
            serde_json::from_str(answer).map_err(|e| PasskeyError::Unreadable(e.to_string()))?;
        let kept: PasskeyAuthentication = state(kept)?;
        let result = self
            .webauthn
            .finish_passkey_authentication(&answer, &kept)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let id = credential_id(result.cred_id());
        let mut updated_record = None;
        if result.needs_update()
            && let Some(record) = record_of(&id)
        {
            let mut passkey: Passkey = state(&record)?;
            if passkey.update_credential(&result) == Some(true) {
                updated_record = Some(json(&passkey)?);
            }
        }
        Ok(UsedPasskey {
            credential_id: id,
            updated_record,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkeys_need_a_site_name() {
        assert!(Passkeys::for_site("http://localhost:8080").is_ok());
        assert!(Passkeys::for_site("https://hearth.example.org").is_ok());
        let ip = Passkeys::for_site("http://127.0.0.1:8080").expect_err("an address is refused");
        assert!(ip.contains("not a name"), "{ip}");
        assert!(Passkeys::for_site("ftp://example.org").is_err());
        assert!(Passkeys::for_site("not a url").is_err());
    }

    #[test]
    fn adding_asks_the_browser_for_this_site_and_keeps_the_state() {
        let p = Passkeys::for_site("https://hearth.example.org").expect("a site");
        let c = p
            .start_adding(&new_user_handle(), "fern@example.org", "Fern", &[])
            .expect("options");
        let options: serde_json::Value = serde_json::from_str(&c.options).expect("json");
        assert_eq!(options["publicKey"]["rp"]["id"], "hearth.example.org");
        assert_eq!(
            options["publicKey"]["authenticatorSelection"]["userVerification"],
            "required"
        );
        // Elliptic-curve keys only: RS256 is never asked for.
        let algs: Vec<i64> = options["publicKey"]["pubKeyCredParams"]
            .as_array()
            .expect("algorithms")
            .iter()
            .filter_map(|p| p["alg"].as_i64())
            .collect();
        assert!(!algs.is_empty() && !algs.contains(&RS256), "{algs:?}");
        // Garbage is unreadable, and a well-formed answer to another challenge is refused.
        assert!(matches!(
            p.finish_adding("{}", &c.state),
            Err(PasskeyError::Unreadable(_))
        ));
        assert!(matches!(
            p.finish_adding("{}", "not state"),
            Err(PasskeyError::Unreadable(_) | PasskeyError::State(_))
        ));
    }
}
