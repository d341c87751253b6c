use crate::dhis2::Version;
use crate::diagnostic::{FieldSpan, Finding, ObjectRef};
use crate::expr::facts;
use crate::expr::{Expr, Node, Span};
use crate::job::Job;
use crate::job::expressions::{BoundaryForm, PiTexts};
use crate::model::ProgramIndicator;

declare_rule! {
    /// ## What it does
    /// Points at program indicators whose numbers depend on *which* events DHIS2 reads
    /// (`../shared/reference/pi-expressions.md` §2, §5, §8):
    ///
    /// - an ENROLLMENT PI reads `#{stage.dataElement}` of a repeatable stage outside
    ///   `d2:count*` / `d2:minValue` / `d2:maxValue`: only the latest event with a
    ///   value counts, and ties between events of one date are broken arbitrarily;
    /// - an ENROLLMENT PI reads event data without a `BEFORE_*` `EVENT_DATE`
    ///   boundary: events entered later change the figures of past periods;
    /// - an EVENT PI uses `d2:count`, `d2:countIfValue` or `d2:countIfCondition` (a
    ///   count over the whole enrollment, repeated on each of its event rows) or
    ///   `PS_EVENTDATE:` (the current event's date, whatever the stage);
    /// - on 2.36–2.38.5, 2.39.0–2.39.3 and 2.40.0–2.40.1, an EVENT PI reads
    ///   `#{stage.dataElement}` of a data element that is in several stages of the
    ///   program: DHIS2 ignores the stage there (DHIS2-15873).
    ///
    /// ## Why is this bad?
    /// None of these is an error, and each is sometimes intended; but each makes a
    /// figure that moves when events are added or re-ordered, or counts a person once
    /// per event. Worth a look when two figures disagree.
    ///
    /// ## How to fix
    /// Bound the event reads, count with the function that means what is intended, or
    /// move the PI to the analytics type whose rows are the unit counted.
    ///
    /// ## Example
    /// ENROLLMENT PI `#{followUp.weight} < 10` on a repeatable follow-up stage: only the
    /// last weighing counts.
    pub static RULE = {
        id: STAGE_VALUE_SEMANTICS,
        summary: "a program indicator reads event values in a way that depends on which events DHIS2 picks: the latest of a repeatable stage, events after the period, an enrollment-wide count on each event row, or a stage DHIS2 ignores",
        check: check,
    }
}

/// `#{s.d}` items not under an aggregating item function, with their spans.
fn plain_stage_reads(e: &Expr, out: &mut Vec<(String, String, Span)>) {
    match &e.kind {
        Node::ItemFunction { name, value, .. }
            if name.starts_with("d2:count") || matches!(*name, "d2:minValue(" | "d2:maxValue(") =>
        {
            if let Some(v) = value {
                plain_stage_reads(v, out);
            }
        }
        Node::StageDe { stage, de } => out.push((stage.clone(), de.clone(), e.span)),
        _ => {
            for c in direct_children(e) {
                plain_stage_reads(c, out);
            }
        }
    }
}

fn direct_children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        Node::Paren(x) | Node::Unary(_, x) => vec![x],
        Node::Binary(_, a, b) => vec![a, b],
        Node::Call { args, .. } => args.iter().collect(),
        Node::Is { x, set } => std::iter::once(&**x).chain(set.iter()).collect(),
        Node::Condition {
            then, otherwise, ..
        } => vec![then, otherwise],
        Node::ItemFunction { arg, value, .. } => std::iter::once(&**arg)
            .chain(value.iter().map(|v| &**v))
            .collect(),
        Node::Round { arg, .. } => vec![arg],
        Node::Postfix { target, .. } => vec![target],
        _ => Vec::new(),
    }
}

/// Versions whose EVENT PIs ignore the stage of `#{s.d}`.
fn ignores_stage(v: Version) -> bool {
    matches!(
        (v.minor, v.patch),
        (36 | 37, _) | (38, 0..=5) | (39, 0..=3) | (40, 0..=1)
    )
}

struct Ctx<'a> {
    cx: &'a Job<'a>,
    pi: &'a ProgramIndicator,
    label: String,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn note(&mut self, field: &str, text: &str, span: Option<Span>, why: String, fix: &str) {
        let mut f = Finding::new(
            &RULE,
            format!("program indicator {}: {why}", self.label),
            fix.to_string(),
        )
        .object(ObjectRef::of(self.pi));
        if let Some(s) = span {
            f = f.at_field(FieldSpan::new(field, text, s.start, s.end));
        }
        self.out.push(f);
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &cx.texts().pis {
        if !t.valid() || super::unknown_reference::has_unknown_reference(cx, t) {
            continue;
        }
        let pi = &cx.source.program_indicators[t.pi];
        let mut c = Ctx {
            cx,
            pi,
            label: format!("\"{}\" ({})", crate::model::Identifiable::name(pi), pi.id),
            out: Vec::new(),
        };
        if pi.analytics_type.as_deref() == Some("ENROLLMENT") {
            enrollment(&mut c, t);
        } else {
            event(&mut c, t);
        }
        out.extend(c.out);
    }
    out
}

fn fields<'a>(
    pi: &'a ProgramIndicator,
    t: &'a PiTexts,
) -> Vec<(&'static str, &'a str, &'a crate::expr::pi::Checked)> {
    let mut v = Vec::new();
    if let Some(c) = &t.expression {
        v.push(("expression", pi.expression.as_deref().unwrap_or(""), c));
    }
    if let Some(c) = &t.filter {
        v.push(("filter", pi.filter.as_deref().unwrap_or(""), c));
    }
    v
}

fn enrollment(c: &mut Ctx<'_>, t: &PiTexts) {
    let s = c.cx.source;
    for (field, text, checked) in fields(c.pi, t) {
        let mut reads = Vec::new();
        if let Some(tree) = &checked.tree {
            plain_stage_reads(tree, &mut reads);
        }
        for inner in &checked.inner {
            let mut r = Vec::new();
            plain_stage_reads(&inner.tree, &mut r);
            reads.extend(r.into_iter().map(|(a, b, sp)| (a, b, inner.outer(sp))));
        }
        let mut named: Vec<String> = Vec::new();
        for (stage, _, span) in reads {
            let Some(st) = s.program_stages.get(&stage).filter(|st| st.repeatable) else {
                continue;
            };
            if named.contains(&stage) {
                continue;
            }
            named.push(stage.clone());
            c.note(
                field,
                text,
                Some(span),
                format!(
                    "its {field} reads a value of repeatable stage \"{}\": only the latest event with a value counts (events of one date in no fixed order)",
                    crate::model::Identifiable::name(st)
                ),
                "count over the stage's events with d2:count*, d2:minValue or d2:maxValue, or read it with an EVENT program indicator",
            );
        }
    }
    let upper_event = t.boundaries.iter().any(|b| {
        b.form == BoundaryForm::Fixed("EVENT_DATE")
            && c.pi
                .analytics_period_boundaries
                .as_deref()
                .and_then(|l| l.get(b.index))
                .and_then(|x| x.analytics_period_boundary_type.as_deref())
                .is_some_and(|k| k.starts_with("BEFORE_"))
    });
    if c.pi.analytics_period_boundaries.is_some() && !upper_event && t.any(&facts::reads_event_data)
    {
        c.note(
            "expression",
            "",
            None,
            "it reads event data without a BEFORE_* EVENT_DATE boundary: events entered after a period change that period's figure".into(),
            "add a BEFORE_END_OF_REPORTING_PERIOD boundary on EVENT_DATE",
        );
    }
}

fn event(c: &mut Ctx<'_>, t: &PiTexts) {
    for (field, text, checked) in fields(c.pi, t) {
        let mut hits: Vec<(String, Span)> = Vec::new();
        let mut look = |e: &Expr, place: &dyn Fn(Span) -> Span| {
            e.walk(&mut |x| match &x.kind {
                Node::ItemFunction { name, .. }
                    if matches!(*name, "d2:count(" | "d2:countIfValue(" | "d2:countIfCondition(") =>
                {
                    hits.push((format!("`{name}…)`, which counts over the whole enrollment and repeats that count on each of its event rows"), place(x.span)))
                }
                Node::PsEventDate(_) => hits.push((
                    "`PS_EVENTDATE:`, which in an EVENT PI is the current event's date, whatever the stage".into(),
                    place(x.span),
                )),
                _ => {}
            });
        };
        if let Some(tree) = &checked.tree {
            look(tree, &|s| s);
        }
        for inner in &checked.inner {
            look(&inner.tree, &|s| inner.outer(s));
        }
        let mut said: Vec<String> = Vec::new();
        for (why, span) in hits {
            if said.contains(&why) {
                continue;
            }
            said.push(why.clone());
            c.note(field, text, Some(span), format!("its {field} uses {why}"), "read the current event's value with #{stage.dataElement}, or count with an ENROLLMENT program indicator");
        }
        if ignores_stage(c.cx.texts().version) {
            several_stage_reads(c, field, text, checked);
        }
    }
}

/// On versions that ignore the stage of `#{s.d}` in EVENT PIs: data elements that are
/// in several stages of the program.
fn several_stage_reads(
    c: &mut Ctx<'_>,
    field: &str,
    text: &str,
    checked: &crate::expr::pi::Checked,
) {
    let s = c.cx.source;
    let program = c.pi.program.as_ref().map(|r| r.id.as_str());
    let Some(tree) = &checked.tree else { return };
    let mut reads = Vec::new();
    tree.walk(&mut |x| {
        if let Node::StageDe { de, .. } = &x.kind {
            reads.push((de.clone(), x.span));
        }
    });
    let mut said: Vec<String> = Vec::new();
    for (de, span) in reads {
        let stages = s
            .program_stages
            .iter()
            .filter(|st| {
                st.program.as_ref().map(|r| r.id.as_str()) == program
                    && st
                        .program_stage_data_elements
                        .iter()
                        .any(|p| p.data_element.id == de)
            })
            .count();
        if stages < 2 || said.contains(&de) {
            continue;
        }
        said.push(de.clone());
        let v = c.cx.texts().version;
        c.note(
            field,
            text,
            Some(span),
            format!("data element {de} is in {stages} stages of the program, and DHIS2 {v} ignores the stage in EVENT program indicators (fixed in 2.38.6, 2.39.4, 2.40.2): events of every stage count"),
            "filter on the stage (`V{program_stage_id} == '…'`), or upgrade",
        );
    }
}
