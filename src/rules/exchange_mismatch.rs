use std::collections::BTreeSet;

use crate::catalog::Collection;
use crate::diagnostic::{Finding, ObjectRef};
use crate::idscheme::IdScheme;
use crate::job::Job;
use crate::model::{AggregateDataExchange, ExchangeRequest, Identifiable, ProgramIndicator};

declare_rule! {
    /// ## What it does
    /// Checks each aggregate data exchange of the source against what its program
    /// indicators hold, request by request:
    /// - the request names the mapping attribute in its output id scheme, but some PIs
    ///   lack it: their rows leave under the PI's UID, which no target knows;
    /// - the value a PI sends does not resolve in the target under the exchange
    ///   target's data element id scheme;
    /// - the exchange target reads option combos under another id scheme than the PIs
    ///   write them in (e.g. `categoryOptionComboIdScheme: UID` while they send codes);
    /// - on a 2.43 target, the request's data elements span several data sets: the
    ///   exchange posts no `dataSet`, and 2.43 rejects the whole payload (E8002).
    ///
    /// Exchange period types are `period-type-mismatch`'s. One diagnostic per request
    /// and cause, naming its program indicators.
    ///
    /// ## Why is this bad?
    /// DHIS2 runs exchanges on a schedule without checking any of this: the import
    /// summary reports ignored values, and the HMIS stays empty or partly filled.
    ///
    /// ## How to fix
    /// Give the PIs the mapping attribute (or take them out of the request), correct the
    /// values, set the exchange target's id schemes to how the PIs write their values,
    /// or split the request per data set.
    ///
    /// ## Example
    /// TB_CS exchange `voMPF0PmX6U` sends 5 PIs whose codes the TB HMIS lacks.
    pub static RULE = {
        id: EXCHANGE_MISMATCH,
        summary: "an aggregate data exchange in the source would not deliver what its program indicators' mapping says",
        check: check,
    }
}

fn scheme(s: Option<&str>) -> Option<IdScheme> {
    s.and_then(|s| s.parse::<IdScheme>().ok())
}

/// The program indicators a request names (by its input id scheme, UID by default).
fn pis_of<'a>(
    s: &'a Collection<ProgramIndicator>,
    r: &ExchangeRequest,
) -> Vec<&'a ProgramIndicator> {
    let input = scheme(r.input_id_scheme.as_deref()).unwrap_or(IdScheme::Uid);
    r.dx.iter()
        .filter_map(|d| s.resolve(&input, d).map(|i| &s[i]))
        .collect()
}

struct Ctx<'a> {
    ex: &'a AggregateDataExchange,
    request: &'a ExchangeRequest,
}

impl Ctx<'_> {
    fn finding(&self, cause: String, help: &str, pis: &[&ProgramIndicator]) -> Finding {
        let names: Vec<String> = pis
            .iter()
            .map(|p| format!("\"{}\" ({})", p.name(), p.id))
            .collect();
        Finding::new(
            &RULE,
            format!(
                "exchange \"{}\", request \"{}\": {cause}: {}",
                self.ex.name(),
                self.request.name.as_deref().unwrap_or("(unnamed)"),
                crate::rules::help::list_some(&names, 8)
            ),
            help,
        )
        .object(ObjectRef::of(self.ex))
        .objects(pis.iter().map(|p| ObjectRef::of(*p)))
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let (s, t) = (cx.source, cx.target);
    let source_41 = s
        .system
        .as_ref()
        .and_then(|v| v.version.as_deref())
        .and_then(crate::dhis2::Version::parse)
        .is_none_or(|v| v.at_least(41));
    let target_43 = cx.target_version().is_none_or(|v| v.at_least(43));
    let mut out = Vec::new();
    for ex in s.exchanges.iter() {
        let tr = ex.target.request.clone().unwrap_or_default();
        let id_scheme = scheme(tr.id_scheme.as_deref()).unwrap_or(IdScheme::Uid);
        let de_scheme =
            scheme(tr.data_element_id_scheme.as_deref()).unwrap_or_else(|| id_scheme.clone());
        let coc_scheme = scheme(tr.category_option_combo_id_scheme.as_deref())
            .unwrap_or_else(|| id_scheme.clone());
        for request in &ex.source.requests {
            let c = Ctx { ex, request };
            let pis = pis_of(&s.program_indicators, request);
            // What names a PI's row: the data item scheme (2.41+), else the general one.
            let item_scheme = if source_41 {
                request
                    .output_data_item_id_scheme
                    .as_deref()
                    .or(request.output_id_scheme.as_deref())
            } else {
                request.output_id_scheme.as_deref()
            };
            let Some(IdScheme::Attribute(attr)) = scheme(item_scheme) else {
                continue;
            };
            let (mut without, mut unknown, mut coc_codes, mut coc_uids) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut data_sets: BTreeSet<usize> = BTreeSet::new();
            for &p in &pis {
                let Some(value) = p.attribute_value(&attr).filter(|v| !v.is_empty()) else {
                    without.push(p);
                    continue;
                };
                match t.data_elements.resolve(&de_scheme, value) {
                    None => unknown.push(p),
                    Some(de) => {
                        data_sets.extend(t.memberships(de).iter().map(|m| m.data_set));
                    }
                }
                if let Some(coc) = p
                    .aggregate_export_category_option_combo
                    .as_deref()
                    .filter(|c| !c.is_empty())
                {
                    let by_uid = t.category_option_combos.id(coc).is_some();
                    let by_code = t
                        .category_option_combos
                        .resolve(&IdScheme::Code, coc)
                        .is_some();
                    match (&coc_scheme, by_uid, by_code) {
                        (IdScheme::Uid, false, true) => coc_codes.push(p),
                        (IdScheme::Code, true, false) => coc_uids.push(p),
                        _ => {}
                    }
                }
            }
            if !without.is_empty() {
                out.push(c.finding(
                    format!("these PIs lack the attribute {attr} its output id scheme names, so their rows leave under the PI's UID"),
                    "set the mapping attribute on them, or take them out of the request",
                    &without,
                ));
            }
            if !unknown.is_empty() {
                out.push(c.finding(
                    format!("these PIs send data elements the target does not hold (matched by {de_scheme}, the exchange target's data element id scheme)"),
                    "correct the mapping attribute values, or the exchange target's `dataElementIdScheme`",
                    &unknown,
                ));
            }
            if !coc_codes.is_empty() {
                out.push(c.finding(
                    "the exchange target reads option combos by UID (`categoryOptionComboIdScheme`), but these PIs send codes".to_string(),
                    "set the exchange target's `categoryOptionComboIdScheme` (or `idScheme`) to CODE",
                    &coc_codes,
                ));
            }
            if !coc_uids.is_empty() {
                out.push(c.finding(
                    "the exchange target reads option combos by CODE, but these PIs send UIDs".to_string(),
                    "set the exchange target's `categoryOptionComboIdScheme` to UID, or write the PIs' option combos as codes",
                    &coc_uids,
                ));
            }
            if target_43 && data_sets.len() > 1 {
                let names: Vec<String> = data_sets
                    .iter()
                    .map(|&d| format!("\"{}\"", t.data_sets[d].name()))
                    .collect();
                let version = cx
                    .target_version()
                    .map_or("2.43 (assumed)".to_string(), |v| v.to_string());
                let mut f = c.finding(
                    format!(
                        "its data elements span {} data sets ({}); the exchange posts no data set, and DHIS2 {version} rejects such a payload (E8002)",
                        data_sets.len(),
                        names.join(", ")
                    ),
                    "split the request so that each holds the data elements of one data set",
                    &pis,
                );
                f = f.objects(data_sets.iter().map(|&d| cx.data_set_ref(d)));
                out.push(f);
            }
        }
    }
    out
}
