//! Write a synthetic national pair (see `t2a::synth`): `source.json`, `target.json` and
//! `expected.json` (the findings its seeded defects cause).
//!
//! Run: `cargo run --release --example national -- [ORG_UNITS] [DIR]`
//! (default 100000 org units into `target/national-100000`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use t2a::synth::{Pair, Params};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let org_units: usize = match args.next() {
        Some(a) => a
            .parse()
            .map_err(|_| std::io::Error::other(format!("ORG_UNITS must be a number, not `{a}`")))?,
        None => 100_000,
    };
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| format!("target/national-{org_units}")),
    );
    std::fs::create_dir_all(&dir)?;
    let params = if org_units == Params::national().org_units {
        Params::national()
    } else {
        Params::scaled(org_units)
    };
    let t0 = Instant::now();
    let pair = Pair::generate(params);
    let write = |name: &str, f: &dyn Fn(&mut BufWriter<File>) -> std::io::Result<()>| {
        let path = dir.join(name);
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        f(&mut out)?;
        out.flush()?;
        Ok::<u64, std::io::Error>(std::fs::metadata(&path)?.len())
    };
    let s = write("source.json", &|o| pair.write_source(o))?;
    let t = write("target.json", &|o| pair.write_target(o))?;
    let expected = pair.expected();
    write("expected.json", &|o| {
        serde_json::to_writer_pretty(&mut *o, &expected).map_err(std::io::Error::other)?;
        o.write_all(b"\n")
    })?;
    println!(
        "{}: {params:?}\nsource {:.1} MB, target {:.1} MB; {} mappings, expected findings {:?}; {:.1} s",
        dir.display(),
        s as f64 / 1e6,
        t as f64 / 1e6,
        expected.mappings,
        expected.counts(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
