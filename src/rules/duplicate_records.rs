use super::records::{ids, record_job, records, records_do};
use crate::diagnostic::Finding;
use crate::job::Job;

declare_rule! {
    /// ## What it does
    /// Checks that each record is read once. A line list must not repeat a value of its
    /// `id_column` (without one, a note says duplicates cannot be told); a repeated row
    /// is counted once, the first. A Go.Data read must see each case id once across
    /// its pages, and the `filtered-count` asked before and after the read must equal
    /// the records read; after two re-reads that still disagree, the outbreak changed
    /// during the read.
    ///
    /// ## Why is this bad?
    /// A row entered twice counts one case twice. A read during which cases were added
    /// or deleted shifts the pages: some cases are read twice and others not at all,
    /// and the figures are wrong in ways no later check can see.
    ///
    /// ## How to fix
    /// Remove the repeated rows (or set `id_column`); for Go.Data, run again when the
    /// outbreak is quiet.
    ///
    /// ## Example
    /// `epid_number` `NG-LAG-24-0117` appears on two rows of the line list.
    pub static RULE = {
        id: DUPLICATE_RECORDS,
        summary: "a record is read twice, or a Go.Data read saw the outbreak change",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    let Some(rj) = record_job(cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(l) = rj.line_list()
        && l.id_column.is_none()
    {
        let mut f = Finding::note(
            &RULE,
            "the line list has no `id_column`: rows entered twice cannot be told",
            "set `[source] id_column` to the column that identifies a record (an EPID number, a case id)",
        );
        f.config_span = Some(l.path.span.clone());
        out.push(f);
    }
    let Some(data) = cx.record_data else {
        return out;
    };
    if data.duplicates.records > 0 {
        let mut f = Finding::new(
            &RULE,
            format!(
                "{} an id read before{}; each was counted once",
                records_do(data.duplicates.records, "repeats", "repeat"),
                ids(&data.duplicates.examples.0)
            ),
            "remove the repeated rows, or give each record its own id",
        );
        if let Some(l) = rj.line_list() {
            f.config_span = l.id_column.as_ref().map(|c| c.span.clone());
        }
        out.push(f);
    }
    if let Some(read) = &data.read
        && !read.consistent()
    {
        let mut what = Vec::new();
        if read.before != read.after {
            what.push(format!(
                "the count was {} before the read and {} after",
                read.before, read.after
            ));
        }
        if read.after != read.read {
            what.push(format!(
                "{} cases were read for a count of {}",
                read.read, read.after
            ));
        }
        if !read.repeated.is_empty() {
            let rep: Vec<compact_str::CompactString> = read
                .repeated
                .iter()
                .take(3)
                .map(|s| s.as_str().into())
                .collect();
            what.push(format!(
                "{} came twice{}",
                records(read.repeated.len() as u64),
                ids(&rep)
            ));
        }
        out.push(Finding::new(
            &RULE,
            format!(
                "the outbreak changed while it was read, three times over: {}",
                what.join("; ")
            ),
            "run again when no one is entering cases (at night, say); nothing was written",
        ));
    }
    out
}
