//! The users file: customer ids and argon2id password hashes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use gridcast_api::CustomerId;
use serde::{Deserialize, Serialize};

use crate::credentials::ConfigFileError;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<UserEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    customer_id: String,
    /// PHC string, `$argon2id$v=19$...`.
    password_hash: String,
}

/// Customer logins (cheap to clone: the hashes are shared).
#[derive(Debug, Clone, Default)]
pub struct Users {
    hashes: Arc<HashMap<String, String>>,
}

fn read_file(path: &Path) -> Result<UsersFile, ConfigFileError> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ConfigFileError::Invalid {
            path: name,
            problem: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(UsersFile::default()),
        Err(source) => Err(ConfigFileError::Io { path: name, source }),
    }
}

impl Users {
    /// Reads the users file.
    pub fn load(path: &Path) -> Result<Self, ConfigFileError> {
        let file = read_file(path)?;
        let mut hashes = HashMap::new();
        for u in file.users {
            PasswordHash::new(&u.password_hash).map_err(|e| ConfigFileError::Invalid {
                path: path.display().to_string(),
                problem: format!(
                    "customer {}: password_hash is not a PHC string ({e})",
                    u.customer_id
                ),
            })?;
            hashes.insert(u.customer_id, u.password_hash);
        }
        Ok(Self {
            hashes: Arc::new(hashes),
        })
    }

    /// Whether `password` is `customer`'s. Unknown customers cost the same
    /// time as known ones.
    pub fn verify(&self, customer: &str, password: &str) -> bool {
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0JrdGCk4Jjt1XJ3PXmv7JWWdOsDbUvUDfsXyoBXd1/s";
        let stored = self.hashes.get(customer).map_or(DUMMY, String::as_str);
        let ok = PasswordHash::new(stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        ok && self.hashes.contains_key(customer)
    }
}

/// Adds or replaces `customer`'s password in the users file (argon2id,
/// random salt), written atomically.
pub fn add_user(path: &Path, customer: &CustomerId, password: &str) -> Result<(), ConfigFileError> {
    let mut file = read_file(path)?;
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| ConfigFileError::Invalid {
            path: path.display().to_string(),
            problem: e.to_string(),
        })?
        .to_string();
    file.users.retain(|u| u.customer_id != customer.as_str());
    file.users.push(UserEntry {
        customer_id: customer.as_str().to_owned(),
        password_hash: hash,
    });
    file.users.sort_by(|a, b| a.customer_id.cmp(&b.customer_id));
    let json = serde_json::to_vec_pretty(&file).expect("serializes");
    gridcast_pipeline::AtomicFile::write(path, &json).map_err(|source| ConfigFileError::Io {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_file_round_trip_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        add_user(&path, &CustomerId::parse("42").unwrap(), "correct horse").unwrap();
        add_user(&path, &CustomerId::parse("7").unwrap(), "battery staple").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("$argon2id$") && !text.contains("correct horse"));
        let users = Users::load(&path).unwrap();
        assert!(users.verify("42", "correct horse"));
        assert!(!users.verify("42", "battery staple"));
        assert!(!users.verify("43", "correct horse"));
    }
}
