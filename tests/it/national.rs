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
    let mut found: Vec<Key> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
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
