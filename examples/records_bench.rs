//! Aggregation speed and memory on a line list: a CSV of N case records (id, sex, age,
//! classification, onset date, district, with names and phone numbers the job never
//! reads) aggregated by a weekly sex × age block, through the same reader and engine as
//! `t2a sync`.
//!
//! Run: `cargo run --release --example records_bench [-- RECORDS [no-ids]]` (default
//! 1000000; `no-ids` reads the same list without `id_column`, so without the duplicate
//! check, whose memory is the one part that grows with the records).
//! The CSV is written once into `target/records-bench-RECORDS/`; the figures printed
//! are records per second, cells, and the peak RSS of the process.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rustc_hash::{FxHashMap, FxHashSet};

use t2a::config::Config;
use t2a::config::blocks::OptionTest;
use t2a::config::records::RecordSource;
use t2a::period::{Period, PeriodType};
use t2a::source::aggregate::{Disaggregation, Engine, EngineBlock, EngineCategory, pack};
use t2a::source::compile::line_list_fields;
use t2a::source::linelist::LineListReader;
use t2a::source::predicate::Compiled;

const DISTRICTS: usize = 500;

fn write_csv(path: &Path, n: usize) -> std::io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        w,
        "case_id,first_name,phone,sex,age,classification,date_onset,district"
    )?;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let start = jiff::civil::date(2024, 1, 1);
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let sex = ["F", "M", "", "U"][(x % 4) as usize];
        let age = match (x >> 8) % 10 {
            0 => String::new(),
            r => ((x >> 16) % 90 + r % 2).to_string(),
        };
        let cls = ["confirmed", "probable", "suspect", "discarded"][((x >> 24) % 4) as usize];
        let day = start
            .checked_add(jiff::Span::new().days(((x >> 32) % 366) as i64))
            .unwrap_or(start);
        let district = (x >> 40) as usize % DISTRICTS;
        writeln!(
            w,
            "C{i:08},\"Name, {i}\",+2547{:08},{sex},{age},{cls},{day},D{district:04}",
            x % 100_000_000
        )?;
    }
    w.flush()
}

const JOB: &str = r#"
[source]
kind = "linelist"
path = "cases.csv"
id_column = "case_id"
[source.org_units]
column = "district"
[[aggregate]]
name = "cases-by-sex-age"
data_element = "CASES"
where = { classification = ["confirmed", "probable"] }
period = "date_onset"
[aggregate.categories.SEX]
FEMALE = { sex = "F" }
MALE = { sex = "M" }
SEX_UNKNOWN = "else"
[aggregate.categories.AGE]
AGE_0_4 = { age = { lt = 5 } }
AGE_5_14 = { age = { gte = 5, lt = 15 } }
AGE_15P = { age = { gte = 15 } }
AGE_UNK = { age = "unknown" }
"#;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(format!("target/records-bench-{n}"));
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("cases.csv");
    if !csv.exists() {
        write_csv(&csv, n)?;
    }
    let no_ids = std::env::args().nth(2).as_deref() == Some("no-ids");
    let job = if no_ids {
        JOB.replace("id_column = \"case_id\"\n", "")
    } else {
        JOB.to_string()
    };
    let config = Config::parse(&dir.join("job.toml"), job)?;
    let Some(RecordSource::LineList(source)) = &config.records else {
        return Err("the bench job is a line list".into());
    };
    let fields = line_list_fields(source, &config.aggregates);
    let none: t2a::source::predicate::Canonical<'_> = &|_, _| Vec::new();
    let block = &config.aggregates[0];
    let categories: Vec<EngineCategory> = block
        .categories
        .iter()
        .map(|c| EngineCategory {
            else_option: c.else_option(),
            options: c
                .options
                .iter()
                .map(|o| match &o.test {
                    OptionTest::Predicate(p) => Compiled::compile(p, &fields.table, none),
                    OptionTest::Else => Ok(Compiled::default()),
                })
                .collect::<Result<_, _>>()
                .unwrap_or_default(),
        })
        .collect();
    let mut combos = FxHashMap::default();
    for s in 0..3u16 {
        for a in 0..4u16 {
            combos.insert(pack(&[s, a]), u32::from(s * 4 + a));
        }
    }
    let mut planned = FxHashSet::default();
    let mut p =
        Period::containing(PeriodType::Weekly, jiff::civil::date(2024, 1, 1)).ok_or("a week")?;
    while p.start.year() <= 2024 {
        planned.insert(p);
        p = p.next();
    }
    let blocks = vec![EngineBlock {
        filter: Compiled::compile(&block.filter, &fields.table, none).map_err(|e| e.message)?,
        period: fields.table.id("date_onset").ok_or("period field")?,
        period_type: PeriodType::Weekly,
        planned,
        location: fields.location,
        sum: None,
        disaggregation: Disaggregation::Categories { categories, combos },
        allowed: None,
    }];
    let units: FxHashMap<String, u32> = (0..DISTRICTS)
        .map(|d| (format!("D{d:04}"), d as u32))
        .collect();
    let locate = |v: &str| units.get(v).copied();
    let reader = LineListReader {
        source,
        fields: &fields.table,
        id_field: fields.id,
    };
    let t = Instant::now();
    let mut engine = Engine::new(&blocks, &locate);
    // As `t2a sync` reads a line list: repeated ids are told, the first one counts.
    let mut seen = t2a::source::data::SeenIds::default();
    let mut data = t2a::source::data::RecordData::default();
    let read = reader.read(&mut |cells, id| {
        if let Some(id) = id
            && seen.repeated(id, &mut data)
        {
            return;
        }
        engine.add(cells, id)
    })?;
    let secs = t.elapsed().as_secs_f64();
    let out = engine.out;
    let dropped: u64 = out.dropped.values().map(|d| d.records).sum();
    println!(
        "records {read}, admitted {}, aggregated {}, dropped {dropped}, cells {}",
        out.admitted[0],
        out.aggregated[0],
        out.cells.len()
    );
    println!(
        "{:.3} s, {:.2}M records/s, peak RSS {:.1} MiB",
        secs,
        read as f64 / secs / 1e6,
        peak_rss_mib()
    );
    Ok(())
}
