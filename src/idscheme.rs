//! Identifier schemes: how a DE/COC/org unit value in a mapping is matched in the target.

use std::fmt;
use std::str::FromStr;

use crate::model::Identifiable;

/// `UID`, `CODE` or `ATTRIBUTE:<uid>`, as DHIS2 spells them in import and export parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdScheme {
    Uid,
    Code,
    Attribute(String),
}

impl IdScheme {
    /// The scheme names a user may write, for help texts.
    pub const FORMS: &'static str = "CODE, UID or ATTRIBUTE:<attribute uid>";

    /// An object's identifier under this scheme, if it has the property.
    pub fn identifier<'a, T: Identifiable>(&self, o: &'a T) -> Option<&'a str> {
        match self {
            IdScheme::Uid => Some(o.id()),
            IdScheme::Code => o.code(),
            IdScheme::Attribute(a) => o.attribute_value(a),
        }
    }
}

impl fmt::Display for IdScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdScheme::Uid => f.write_str("UID"),
            IdScheme::Code => f.write_str("CODE"),
            IdScheme::Attribute(uid) => write!(f, "ATTRIBUTE:{uid}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdSchemeError {
    #[error("unknown id scheme `{0}`")]
    Unknown(String),
    #[error("`{0}` is not an attribute UID (11 characters: a letter, then letters or digits)")]
    BadAttribute(String),
}

impl FromStr for IdScheme {
    type Err = IdSchemeError;

    /// Case-insensitive like DHIS2; the attribute UID keeps its case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.to_ascii_uppercase();
        match upper.as_str() {
            "UID" | "ID" => Ok(IdScheme::Uid),
            "CODE" => Ok(IdScheme::Code),
            _ if upper.starts_with("ATTRIBUTE:") => {
                let uid = &s["ATTRIBUTE:".len()..];
                if is_uid(uid) {
                    Ok(IdScheme::Attribute(uid.to_string()))
                } else {
                    Err(IdSchemeError::BadAttribute(uid.to_string()))
                }
            }
            _ => Err(IdSchemeError::Unknown(s.to_string())),
        }
    }
}

/// A DHIS2 UID: 11 characters, a letter followed by letters or digits.
pub fn is_uid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_schemes_case_insensitively() {
        assert_eq!("code".parse(), Ok(IdScheme::Code));
        assert_eq!("UID".parse(), Ok(IdScheme::Uid));
        assert_eq!(
            "attribute:vudyDP7jUy5".parse(),
            Ok(IdScheme::Attribute("vudyDP7jUy5".into()))
        );
        assert!(matches!(
            "ATTRIBUTE:short".parse::<IdScheme>(),
            Err(IdSchemeError::BadAttribute(_))
        ));
        assert!(matches!(
            "NAME".parse::<IdScheme>(),
            Err(IdSchemeError::Unknown(_))
        ));
        assert_eq!(
            IdScheme::Attribute("vudyDP7jUy5".into()).to_string(),
            "ATTRIBUTE:vudyDP7jUy5"
        );
    }

    #[test]
    fn uid_shape() {
        assert!(is_uid("vudyDP7jUy5"));
        assert!(!is_uid("1udyDP7jUy5"));
        assert!(!is_uid("vudyDP7jUy"));
        assert!(!is_uid("vudyDP7jU_5"));
    }
}
