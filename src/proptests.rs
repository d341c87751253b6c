//! Property tests of every parser that reads what a user or a server hands us: the job
//! config, metadata files, periods, import answers and exported values. None may panic
//! on any input, every diagnostic must render (spans inside the text), and where two
//! parsers read the same input (sonic-rs and serde_json) they must agree.

use std::path::Path;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::config::sync::SYNC_KEYS;
use crate::config::{Config, ENDPOINT_KEYS, MAPPING_KEYS, ROOT_KEYS};
use crate::dhis2::import::parse_summary;
use crate::dhis2::rows::{Row, for_each_row, for_each_row_in};
use crate::period::{Period, PeriodType, expand};

/// A diagnostic rendered as a user sees it (this is where a span outside its text, or
/// inside a character, would panic).
fn render(d: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    let _ = handler.render_report(&mut out, d);
    out
}

/// Text with what breaks naive parsers: quotes, escapes, brackets, non-ASCII, controls.
fn nasty_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_ ]{0,12}",
        "[\\\\\"'{}\\[\\]=,.:#\n\t ]{0,8}",
        "\\PC{0,10}",
        Just("é€😀\u{0}\u{feff}".to_string()),
    ]
}

// ---- config -------------------------------------------------------------------

fn toml_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        nasty_text().prop_map(|s| format!("{:?}", s)),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<f64>()
            .prop_filter("TOML floats", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        Just("\"https://hmis.example.org\"".to_string()),
        Just("\"1ms\"".to_string()),
        Just("\"5 minutes\"".to_string()),
        Just("\"LAST_MONTH\"".to_string()),
        Just("\"202401\"".to_string()),
        Just("\"CODE\"".to_string()),
        Just("\"skip\"".to_string()),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(("[a-z_]{1,8}", inner), 0..3).prop_map(|kv| {
                let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", body.join(", "))
            }),
        ]
    })
}

fn keys_of(section: &str) -> &'static [&'static str] {
    match section {
        "source" | "target" => ENDPOINT_KEYS,
        "mapping" => MAPPING_KEYS,
        "sync" => SYNC_KEYS,
        "ignore" => crate::config::ignore::IGNORE_KEYS,
        _ => &[
            "stale-analytics",
            "unknown-data-element",
            "T2A003",
            "no-such-rule",
        ],
    }
}

/// A job config of the real sections and keys, with values of any type.
fn config_text() -> impl Strategy<Value = String> {
    let section = prop::sample::select(ROOT_KEYS.to_vec()).prop_flat_map(|name| {
        let key = prop_oneof![
            8 => prop::sample::select(keys_of(name).to_vec()).prop_map(str::to_string),
            1 => "[a-z_]{1,10}",
        ];
        prop::collection::vec((key, toml_value()), 0..6).prop_map(move |kv| {
            let mut t = format!("[{name}]\n");
            for (k, v) in kv {
                t.push_str(&format!("{k} = {v}\n"));
            }
            t
        })
    });
    prop::collection::vec(section, 0..5).prop_map(|s| s.concat())
}

fn parse_config(text: String) {
    if let Err(e) = Config::parse(Path::new("/jobs/job.toml"), text) {
        let shown = render(&e);
        assert!(!shown.is_empty());
    }
}

proptest! {
    #[test]
    fn config_text_of_any_shape_is_judged_never_panicked_on(text in config_text()) {
        parse_config(text);
    }

    #[test]
    fn config_of_any_characters_is_judged_never_panicked_on(text in "\\PC{0,200}") {
        parse_config(text);
    }
}

// ---- metadata -----------------------------------------------------------------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers", |f| f.is_finite())
            .prop_map(Value::from),
        nasty_text().prop_map(Value::from),
        "[A-Za-z][A-Za-z0-9]{10}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        let field = prop::sample::select(vec![
            "id",
            "code",
            "name",
            "displayName",
            "attributeValues",
            "attribute",
            "value",
            "categoryCombo",
            "categoryOptionCombos",
            "dataSetElements",
            "dataElement",
            "organisationUnits",
            "periodType",
            "aggregateExportCategoryOptionCombo",
            "aggregateExportAttributeOptionCombo",
            "program",
            "parent",
            "path",
            "level",
            "valueType",
            "domainType",
            "version",
            "categories",
            "categoryOptions",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((field, inner), 0..5).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// A metadata document: the real collections, holding objects of any shape.
fn metadata_doc() -> impl Strategy<Value = Value> {
    let collection = prop::sample::select(vec![
        "programIndicators",
        "dataElements",
        "categoryOptionCombos",
        "categoryCombos",
        "dataSets",
        "organisationUnits",
        "attributes",
        "programs",
        "system",
        "package",
        "aggregateDataExchanges",
        "categories",
        "categoryOptions",
    ]);
    prop::collection::vec(
        (collection, prop::collection::vec(json_value(), 0..4)),
        0..5,
    )
    .prop_map(|cols| {
        Value::Object(
            cols.into_iter()
                .map(|(k, v)| (k.to_string(), Value::from(v)))
                .collect(),
        )
    })
}

fn load(bytes: &[u8]) -> Option<crate::model::Metadata> {
    match crate::model::parse_metadata(Path::new("metadata.json"), bytes) {
        Ok(m) => Some(m),
        Err(e) => {
            assert!(!render(&*e).is_empty());
            None
        }
    }
}

proptest! {
    #[test]
    fn metadata_of_any_shape_loads_or_is_refused_as_serde_would(doc in metadata_doc()) {
        let text = doc.to_string();
        let ours = load(text.as_bytes());
        let serde = serde_json::from_str::<crate::model::Metadata>(&text);
        prop_assert_eq!(ours.is_some(), serde.is_ok(), "{}", text);
        if let (Some(a), Ok(b)) = (ours, serde) {
            prop_assert_eq!(a.program_indicators.as_ref().map(Vec::len), b.program_indicators.as_ref().map(Vec::len));
            prop_assert_eq!(a.organisation_units.as_ref().map(Vec::len), b.organisation_units.as_ref().map(Vec::len));
            prop_assert_eq!(a.data_sets.as_ref().map(Vec::len), b.data_sets.as_ref().map(Vec::len));
        }
    }

    #[test]
    fn metadata_cut_anywhere_is_refused_with_a_diagnostic(doc in metadata_doc(), cut in any::<prop::sample::Index>()) {
        let text = doc.to_string();
        let at = cut.index(text.len().max(1));
        load(&text.as_bytes()[..at.min(text.len())]);
    }

    #[test]
    fn metadata_of_any_bytes_is_refused_never_panicked_on(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        load(&bytes);
    }
}

// ---- periods ------------------------------------------------------------------

proptest! {
    #[test]
    fn any_period_text_parses_or_is_refused(text in "\\PC{0,12}", iso in "[0-9]{4}[A-Za-z]{0,6}[0-9]{0,3}") {
        let _ = Period::parse(&text);
        let _ = Period::parse(&iso);
        let _ = PeriodType::of_iso(&iso);
    }

    #[test]
    fn every_period_prints_and_parses_back(
        // (TwoYearly has no ISO form of its own.)
        t in prop::sample::select(PeriodType::ALL.iter().copied().filter(|&t| t != PeriodType::TwoYearly).collect::<Vec<_>>()),
        days in 0i64..(200 * 366),
    ) {
        let day = jiff::civil::date(1900, 1, 1) + jiff::Span::new().days(days);
        if let Some(p) = Period::containing(t, day) {
            prop_assert!(p.start <= day && day <= p.end);
            prop_assert_eq!(Period::parse(&p.iso()), Some(p));
            // (BiW27 of a 53-week year overlaps the next BiW1, as in DHIS2: stepping
            // back from that BiW1 skips it. See `period::dates` tests.)
            if !p.iso().ends_with("BiW27") {
                prop_assert_eq!(p.next().previous(), p);
            }
        }
    }

    #[test]
    fn relative_periods_expand_or_are_refused(
        name in prop_oneof![
            "[A-Z_0-9]{0,24}",
            prop::sample::select(vec!["LAST_MONTH", "LAST_12_MONTHS", "THIS_QUARTER", "LAST_52_WEEKS", "LAST_5_FINANCIAL_YEARS", "LAST_BIWEEK", "LAST_6_BIMONTHS"]).prop_map(str::to_string),
        ],
        days in 0i64..(200 * 366),
        fin in prop::sample::select(vec![PeriodType::FinancialApril, PeriodType::FinancialJuly, PeriodType::FinancialOct, PeriodType::FinancialNov]),
    ) {
        let day = jiff::civil::date(1900, 1, 1) + jiff::Span::new().days(days);
        if let Some(ps) = expand(&name, day, fin) {
            for p in ps {
                prop_assert!(p.end < day || p.start <= day, "{name}: {p:?} after {day}");
            }
        }
    }
}

// ---- import answers -----------------------------------------------------------

fn counts() -> impl Strategy<Value = [u64; 4]> {
    [0u64..100_000, 0u64..100_000, 0u64..100_000, 0u64..100_000]
}

/// An import summary; `v243` writes conflicts as 2.43 does (§12.1: no `object`, the
/// arguments under `objects.args`, an `errorCode`, and `rejectedIndexes`).
fn summary(status: &str, c: [u64; 4], conflicts: Vec<(String, Vec<usize>)>, v243: bool) -> Value {
    let conflict = |(v, ix): &(String, Vec<usize>)| {
        if v243 {
            json!({"objects": {"args": format!("[{v}]")}, "value": v, "errorCode": "E8024", "indexes": ix})
        } else {
            json!({"object": "x", "value": v, "indexes": ix})
        }
    };
    let mut s = json!({
        "responseType": "ImportSummary",
        "status": status,
        "importCount": {"imported": c[0], "updated": c[1], "ignored": c[2], "deleted": c[3]},
        "conflicts": conflicts.iter().map(conflict).collect::<Vec<_>>(),
    });
    if v243 {
        s["rejectedIndexes"] = json!(
            conflicts
                .iter()
                .flat_map(|(_, ix)| ix.clone())
                .collect::<Vec<_>>()
        );
        s["dataSetComplete"] = json!("false");
    }
    s
}

proptest! {
    #[test]
    fn import_answers_of_every_shape_give_their_counts(
        status in prop::sample::select(vec!["SUCCESS", "WARNING", "ERROR"]),
        c in counts(),
        conflicts in prop::collection::vec((nasty_text(), prop::collection::vec(0usize..50, 0..3)), 0..3),
        shape in 0..3,
        v243 in any::<bool>(),
    ) {
        let inner = summary(status, c, conflicts.clone(), v243);
        let body = match shape {
            // 2.36/2.37: the summary bare.
            0 => inner,
            // 2.38+: a WebMessage wrapping it (409 on conflicts).
            1 => json!({"httpStatus": "OK", "httpStatusCode": 200, "status": "OK", "message": "Import was successful.", "response": inner}),
            _ => json!({"httpStatus": "Conflict", "httpStatusCode": 409, "status": "WARNING", "message": "One more conflicts encountered", "response": inner}),
        };
        let s = parse_summary(body.to_string().as_bytes()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(s.status.as_str(), status);
        let got = s.import_count;
        prop_assert_eq!([got.imported, got.updated, got.ignored, got.deleted], c);
        prop_assert_eq!(s.conflicts.len(), conflicts.len());
    }

    #[test]
    fn any_import_answer_reads_or_is_refused(doc in json_value(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_summary(doc.to_string().as_bytes());
        let _ = parse_summary(&bytes);
    }
}

// ---- exported values ----------------------------------------------------------

#[derive(Debug, Clone)]
struct GenRow {
    de: String,
    pe: Option<String>,
    ou: Option<String>,
    coc: Option<Option<String>>,
    value: Option<Value>,
    extra: Option<(String, Value)>,
}

fn gen_row() -> impl Strategy<Value = GenRow> {
    (
        nasty_text(),
        prop::option::of(nasty_text()),
        prop::option::of(nasty_text()),
        prop::option::of(prop::option::of(nasty_text())),
        prop::option::of(prop_oneof![
            nasty_text().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            Just(Value::Null),
        ]),
        prop::option::of((
            prop::sample::select(vec![
                "storedBy",
                "comment",
                "followup",
                "lastUpdated",
                "created",
            ])
            .prop_map(str::to_string),
            json_value(),
        )),
    )
        .prop_map(|(de, pe, ou, coc, value, extra)| GenRow {
            de,
            pe,
            ou,
            coc,
            value,
            extra,
        })
}

fn row_json(r: &GenRow) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("dataElement".into(), Value::from(r.de.clone()));
    if let Some(p) = &r.pe {
        m.insert("period".into(), Value::from(p.clone()));
    }
    if let Some(o) = &r.ou {
        m.insert("orgUnit".into(), Value::from(o.clone()));
    }
    if let Some(c) = &r.coc {
        m.insert(
            "categoryOptionCombo".into(),
            c.clone().map_or(Value::Null, Value::from),
        );
    }
    if let Some(v) = &r.value {
        m.insert("value".into(), v.clone());
    }
    if let Some((k, v)) = &r.extra {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

fn owned(r: Row<'_>) -> [Option<String>; 6] {
    [
        Some(r.data_element.into_owned()),
        Some(r.period.into_owned()),
        Some(r.org_unit.into_owned()),
        r.category_option_combo.map(|c| c.into_owned()),
        r.attribute_option_combo.map(|c| c.into_owned()),
        r.value.map(|v| v.into_owned()),
    ]
}

/// The rows a reader gave, owned, or its error.
type Read = Result<Vec<[Option<String>; 6]>, String>;

/// Both readers of an export body: in memory (sonic-rs, then serde_json) and streamed.
fn both(body: &[u8]) -> (Read, Read) {
    let mut a = Vec::new();
    let ra = for_each_row(body, |r| a.push(owned(r)))
        .map(|_| a)
        .map_err(|e| e.to_string());
    let mut b = Vec::new();
    let rb = for_each_row_in(body, |r| b.push(owned(r)))
        .map(|_| b)
        .map_err(|e| e.to_string());
    (ra, rb)
}

proptest! {
    #[test]
    fn export_bodies_read_alike_in_memory_and_streamed(
        rows in prop::collection::vec(gen_row(), 0..6),
        envelope in prop::option::of((nasty_text(), nasty_text())),
        envelope_first in any::<bool>(),
        pager in any::<bool>(),
    ) {
        let values = Value::from(rows.iter().map(row_json).collect::<Vec<_>>());
        let mut parts = Vec::new();
        let env = envelope.as_ref().map(|(p, o)| format!("\"period\":{},\"orgUnit\":{}", json!(p), json!(o)));
        if let (Some(e), true) = (&env, envelope_first) {
            parts.push(e.clone());
        }
        parts.push(format!("\"dataValues\":{values}"));
        if let (Some(e), false) = (&env, envelope_first) {
            parts.push(e.clone());
        }
        if pager {
            parts.push("\"pager\":{\"page\":1}".to_string());
        }
        let body = format!("{{{}}}", parts.join(","));
        let (mem, streamed) = both(body.as_bytes());
        // Streamed reading cannot see an envelope written after the values; otherwise
        // the two agree on every row and on whether the body reads at all.
        if envelope.is_none() || envelope_first {
            prop_assert_eq!(mem.as_ref().ok(), streamed.as_ref().ok(), "{}", body);
        }
        if let Ok(read) = &mem {
            prop_assert_eq!(read.len(), rows.len());
            for (got, want) in read.iter().zip(&rows) {
                prop_assert_eq!(got[0].as_deref(), Some(want.de.as_str()));
            }
        }
        let complete = rows.iter().all(|r| (r.pe.is_some() && r.ou.is_some()) || envelope.is_some());
        prop_assert_eq!(mem.is_ok(), complete, "{}", body);
    }

    #[test]
    fn export_bodies_cut_anywhere_are_refused_alike(
        rows in prop::collection::vec(gen_row(), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let body = json!({"dataValues": rows.iter().map(row_json).collect::<Vec<_>>()}).to_string();
        let at = cut.index(body.len() - 1);
        let (mem, streamed) = both(&body.as_bytes()[..at]);
        prop_assert!(mem.is_err() && streamed.is_err(), "{}", &body[..at]);
    }

    #[test]
    fn any_bytes_as_an_export_read_alike(bytes in prop::collection::vec(any::<u8>(), 0..120), doc in json_value()) {
        let (mem, streamed) = both(&bytes);
        prop_assert_eq!(mem.is_ok(), streamed.is_ok());
        let text = doc.to_string();
        let (mem, streamed) = both(text.as_bytes());
        // (The messages may place an error a column apart; the verdicts agree.)
        prop_assert_eq!(mem.ok(), streamed.ok(), "{}", text);
    }
}

// ---- program indicator expressions -----------------------------------------------

/// Expression text from the language's own pieces, well-formed or not.
fn expression_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("#{abcdefghijk.bcdefghijkl}".to_string()),
        Just("A{abcdefghijk}".to_string()),
        Just("V{event_date}".to_string()),
        Just("d2:condition('".to_string()),
        Just("d2:count(".to_string()),
        Just("is(".to_string()),
        Just(" in ".to_string()),
        Just("if(".to_string()),
        Just("/*".to_string()),
        Just("*/".to_string()),
        Just(".stageOffset(".to_string()),
        "[-+*/%^!<>=&|(),.'\"{}#:0-9 ]{1,3}",
        "[a-zA-Z_]{1,12}",
        nasty_text(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

/// Well-formed expressions, built from the grammar.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "(0|[1-9][0-9]{0,3})(\\.[0-9]{1,2})?",
        Just("#{abcdefghijk.bcdefghijkl}".to_string()),
        Just("A{abcdefghijk}".to_string()),
        Just("V{event_count}".to_string()),
        Just("C{abcdefghijk}".to_string()),
        Just("PS_EVENTDATE:abcdefghijk".to_string()),
        Just("'text'".to_string()),
        Just("\"x\\\"y\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("d2:count(#{abcdefghijk.bcdefghijkl})".to_string()),
        Just("d2:relationshipCount()".to_string()),
    ];
    leaf.prop_recursive(4, 32, 3, |inner| {
        let op = prop_oneof![
            Just("^"),
            Just("*"),
            Just("/"),
            Just("%"),
            Just("+"),
            Just("-"),
            Just("<"),
            Just(">="),
            Just("=="),
            Just("!="),
            Just("&&"),
            Just("and"),
            Just("||"),
            Just("or"),
        ];
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            (
                prop_oneof![Just("-"), Just("!"), Just("not ")],
                inner.clone()
            )
                .prop_map(|(o, a)| format!("{o}{a}")),
            inner.clone().prop_map(|a| format!("( {a} )")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("if({a},{b}, {c})")),
            prop::collection::vec(inner.clone(), 1..4)
                .prop_map(|v| format!("greatest({})", v.join(", "))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("is({a} in {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("d2:condition('1 > 0', {a}, {b})")),
        ]
    })
}

/// The tree without positions.
fn shape(e: &crate::expr::Expr) -> String {
    let debug = format!("{e:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').map_or(rest.len(), |j| i + j + 1);
        out.push('S');
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn expressions_of_any_shape_are_judged_never_panicked_on(text in expression_soup()) {
        let v = crate::dhis2::Version::new(2, 40, 0);
        let checked = crate::expr::pi::check(&text, v);
        for p in &checked.problems {
            prop_assert!(p.span.start <= p.span.end && p.span.end <= text.len(), "{text:?}: {p:?}");
            prop_assert!(text.is_char_boundary(p.span.start) && text.is_char_boundary(p.span.end));
            let _ = crate::diagnostic::FieldSpan::new("expression", &text, p.span.start, p.span.end);
        }
        let _ = crate::expr::parse(&text, false);
    }

    #[test]
    fn printing_a_parsed_expression_parses_to_the_same_tree(text in expression()) {
        let tree = crate::expr::parse(&text, true);
        prop_assert!(tree.is_ok(), "{text}: {:?}", tree.as_ref().err().map(|e| e.message(&text)));
        if let Ok(tree) = tree {
            let printed = crate::expr::print::print(&tree);
            let again = crate::expr::parse(&printed, true);
            prop_assert!(again.is_ok(), "{printed}");
            if let Ok(again) = again {
                prop_assert_eq!(shape(&again), shape(&tree), "{} -> {}", text, printed);
            }
        }
    }
}

/// A line-list job over one file, with blocks comparing, listing and testing columns.
fn line_list_job(dir: &std::path::Path, file: &str, format: &str) -> crate::config::Config {
    let text = format!(
        "[source]\nkind = \"linelist\"\npath = \"{file}\"\nformat = \"{format}\"\nid_column = \"id\"\ndate_formats = [\"%Y-%m-%d\", \"%d/%m/%Y\"]\n[source.org_units]\ncolumn = \"ou\"\n[source.columns.sex]\nallowed = [\"F\", \"M\"]\n[[aggregate]]\ndata_element = \"X\"\nperiod = \"day\"\nwhere = {{ age = {{ gte = 1 }} }}\n[aggregate.categories.SEX]\nF = {{ sex = [\"F\", \"f\"] }}\nM = {{ sex = {{ not_in = [\"F\"] }} }}\nU = \"else\"\n"
    );
    crate::config::Config::parse(&dir.join("job.toml"), text).expect("the job reads")
}

fn read_line_list(dir: &std::path::Path, file: &str, format: &str, bytes: &[u8]) {
    use crate::config::records::RecordSource;
    use crate::source::aggregate::{Disaggregation, Engine, EngineBlock};
    use crate::source::predicate::{Canonical, Compiled};
    let path = dir.join(file);
    std::fs::write(&path, bytes).expect("write");
    let c = line_list_job(dir, file, format);
    let Some(RecordSource::LineList(l)) = &c.records else {
        panic!("a line list");
    };
    let fields = crate::source::compile::line_list_fields(l, &c.aggregates);
    let none: Canonical<'_> = &|_, _| Vec::new();
    let Ok(filter) = Compiled::compile(&c.aggregates[0].filter, &fields.table, none) else {
        return;
    };
    let blocks = [EngineBlock {
        filter,
        period: fields.table.id("day").unwrap_or(0),
        period_type: crate::period::PeriodType::Weekly,
        planned: Default::default(),
        location: fields.location,
        sum: None,
        disaggregation: Disaggregation::Single(0),
        allowed: None,
    }];
    let locate = |_: &str| Some(0u32);
    let mut engine = Engine::new(&blocks, &locate);
    let reader = crate::source::linelist::LineListReader {
        source: l,
        fields: &fields.table,
        id_field: fields.id,
    };
    // Read or refused with a diagnostic; never a panic.
    let _ = crate::source::linelist::LineListReader::header(l);
    if let Err(e) = reader.read(&mut |cells, id| engine.add(cells, id)) {
        assert!(!render(&e).is_empty());
    }
}

proptest! {
    #[test]
    fn line_lists_of_any_bytes_are_read_or_refused_never_panicked_on(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        head in prop::sample::select(vec!["", "id,sex,age,day,ou\n", "\u{feff}id;sex;age;day;ou\r\n"]),
    ) {
        let dir = tempfile::tempdir().expect("dir");
        let mut csv = head.as_bytes().to_vec();
        csv.extend_from_slice(&bytes);
        read_line_list(dir.path(), "a.csv", "csv", &csv);
        read_line_list(dir.path(), "a.json", "json", &bytes);
        read_line_list(dir.path(), "a.ndjson", "ndjson", &bytes);
    }

    #[test]
    fn line_list_cells_of_any_text_are_read_or_refused(
        rows in prop::collection::vec(("\\PC{0,6}", "\\PC{0,4}", "[0-9/\\-]{0,10}", "\\PC{0,3}"), 0..8),
    ) {
        let dir = tempfile::tempdir().expect("dir");
        let mut csv = String::from("id,sex,age,day,ou\n");
        for (i, (sex, age, day, ou)) in rows.iter().enumerate() {
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            csv.push_str(&format!("{i},{},{},{},{}\n", q(sex), q(age), q(day), q(ou)));
        }
        read_line_list(dir.path(), "a.csv", "csv", csv.as_bytes());
    }
}
