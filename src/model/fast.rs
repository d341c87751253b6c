//! The fast path for metadata files: sonic-rs (SIMD) reads a national HMIS export in
//! about two thirds of serde_json's time.
//!
//! It only ever succeeds on input the exact path (serde_json, `load.rs`) reads the same
//! way: anything it rejects goes to the exact path, which decides, and gives the
//! diagnostic with line and column.

use super::Metadata;

/// Parse a metadata file; `None` when the exact path must decide.
pub fn parse(text: &str) -> Option<Metadata> {
    sonic_rs::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_exact_path_reads() {
        let text = r#"{"system":{"version":"2.41.0"},"unknown":[1,{"a":null}],
            "dataSets":[{"id":"d1","organisationUnits":[{"id":"o1"},{"id":"o\u0032","name":"x"}]}],
            "programIndicators":[{"id":"p1","attributeValues":[{"attribute":{"id":"a"},"value":12.50}]}]}"#;
        let fast = parse(text).unwrap();
        let exact: Metadata = serde_json::from_str(text).unwrap();
        assert_eq!(
            serde_json::to_string(&fast).unwrap(),
            serde_json::to_string(&exact).unwrap()
        );
    }

    /// It must never accept what serde_json rejects: the diagnostic would be lost.
    #[test]
    fn what_serde_json_rejects_it_rejects() {
        for text in [
            r#"{"dataSets":[}"#,
            r#"{"dataSets":[{"id":1}]}"#,
            r#"{"dataSets":[],}"#,
            r#"{"dataSets":[{"id":"a"},]}"#,
            "{\"dataSets\":[{\"id\":\"a\u{1}\"}]}",
            r#"{"dataSets":[{"id":"\ud800"}]}"#,
            r#"{"dataSets":[{"id":"a","id":"b"}]}"#,
            r#"{"dataSets":[{"id":"a","expiryDays":01}]}"#,
            r#"{"dataSets":[{"id":"a","expiryDays":NaN}]}"#,
            r#"{"dataSets":[{"id":"a"}]} x"#,
            r#"{"dataSets":[{"id":"a\x"}]}"#,
            r#"{"organisationUnits":[{"id":"a","level":-1}]}"#,
            r#"{"organisationUnits":[{"id":"a","level":1.0}]}"#,
            r#"{"dataSets":[{"id":"a","expiryDays":1e400}]}"#,
            r#"{"system":{"version":"2.41"},"system":{"version":"2.40"}}"#,
        ] {
            assert!(serde_json::from_str::<Metadata>(text).is_err(), "{text}");
            assert!(parse(text).is_none(), "{text}");
        }
    }
}
