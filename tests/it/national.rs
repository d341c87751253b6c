//! A generated national-shape pair (t2a::synth, medium size): the check finds exactly
//! the defects the generator seeded, through the whole load path (files on disk).

use std::fs::File;
use std::io::BufWriter;

use t2a::synth::{KEY_KINDS, Key, Pair, Params, counts};

use crate::support::check_json;

#[test]
fn medium_generated_pair_gives_exactly_the_seeded_findings() {
    let pair = Pair::generate(Params::medium());
    let dir = tempfile::tempdir().expect("temp dir");
    let (src, tgt) = (
        dir.path().join("source.json"),
        dir.path().join("target.json"),
    );
    pair.write_source(&mut BufWriter::new(File::create(&src).expect("source")))
        .expect("write source");
    pair.write_target(&mut BufWriter::new(File::create(&tgt).expect("target")))
        .expect("write target");

    let report = check_json(
        None,
        &src.display().to_string(),
        Some(&tgt.display().to_string()),
    );
    // The generator seeds defects of the core rules (T2A001-T2A013); the depth rules
    // also find what a generated package holds (zeros not stored, partial combos).
    let core = |code: &str| {
        code.strip_prefix("T2A")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n <= 13)
    };
    let mut found: Vec<Key> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| core(d["code"].as_str().unwrap_or("")))
        // A bulk-rename note explains seeded unknown codes; it is no seeded defect.
        .filter(|d| !(d["code"] == "T2A003" && d["severity"] == "note"))
        .map(|d| {
            let mut objects: Vec<String> = d["objects"]
                .as_array()
                .expect("objects")
                .iter()
                .filter(|o| KEY_KINDS.contains(&o["kind"].as_str().unwrap_or("")))
                .map(|o| o["id"].as_str().unwrap_or("").to_string())
                .collect();
            objects.sort();
            objects.dedup();
            Key {
                code: d["code"].as_str().unwrap_or("").to_string(),
                objects,
            }
        })
        .collect();
    found.sort();
    let expected = pair.expected();
    assert_eq!(report["summary"]["mappings"], expected.mappings);
    assert_eq!(counts(&found), expected.counts());
    assert_eq!(found, expected.findings);
}
