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

    #[test]
    fn what_it_rejects_is_left_to_the_exact_path() {
        for text in [r#"{"dataSets":[}"#, r#"{"dataSets":[{"id":1}]}"#] {
            assert!(parse(text).is_none(), "{text}");
        }
    }
}
