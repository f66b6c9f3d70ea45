//! Half-open spans of time and the few set operations availability needs, over lists kept
//! sorted by start.

/// The instants from `start` (included) to `end` (excluded), in seconds since the Unix epoch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    /// The first instant.
    pub start: i64,
    /// The first instant after.
    pub end: i64,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: i64, end: i64) -> Self {
        Span { start, end }
    }

    /// Whether the two share an instant.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether `other` lies wholly inside this one.
    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// The union of `spans` as sorted, disjoint spans (touching ones joined).
pub(crate) fn merged(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| !s.is_empty());
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// The instants in both; each list sorted and disjoint.
pub(crate) fn intersect(a: &[Span], b: &[Span]) -> Vec<Span> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let s = Span::new(a[i].start.max(b[j].start), a[i].end.min(b[j].end));
        if !s.is_empty() {
            out.push(s);
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The instants of `free` outside every span of `busy`; both sorted and disjoint.
pub(crate) fn subtract(free: &[Span], busy: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut j = 0;
    for f in free {
        let mut start = f.start;
        while j < busy.len() && busy[j].end <= start {
            j += 1;
        }
        let mut k = j;
        while k < busy.len() && busy[k].start < f.end {
            if busy[k].start > start {
                out.push(Span::new(start, busy[k].start));
            }
            start = start.max(busy[k].end);
            k += 1;
        }
        if start < f.end {
            out.push(Span::new(start, f.end));
        }
    }
    out
}

/// The first span of `busy` (sorted and disjoint) that overlaps `span`, if any.
pub(crate) fn first_overlap(busy: &[Span], span: Span) -> Option<Span> {
    let i = busy.partition_point(|b| b.end <= span.start);
    busy.get(i).copied().filter(|b| b.start < span.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(start: i64, end: i64) -> Span {
        Span::new(start, end)
    }

    #[test]
    fn merging_joins_overlapping_and_touching_spans_and_drops_empty_ones() {
        let m = merged(vec![s(10, 20), s(0, 5), s(5, 8), s(15, 30), s(40, 40)]);
        assert_eq!(m, vec![s(0, 8), s(10, 30)]);
    }

    #[test]
    fn intersection_keeps_what_both_cover() {
        let a = [s(0, 10), s(20, 30)];
        let b = [s(5, 25), s(28, 40)];
        assert_eq!(intersect(&a, &b), vec![s(5, 10), s(20, 25), s(28, 30)]);
        assert_eq!(intersect(&a, &[]), vec![]);
    }

    #[test]
    fn subtraction_cuts_busy_spans_out_of_free_ones() {
        let free = [s(0, 100), s(200, 300)];
        let busy = [s(-10, 5), s(20, 30), s(90, 210), s(250, 260)];
        assert_eq!(
            subtract(&free, &busy),
            vec![s(5, 20), s(30, 90), s(210, 250), s(260, 300)]
        );
        assert_eq!(subtract(&free, &[]), free.to_vec());
        assert_eq!(subtract(&[s(0, 10)], &[s(0, 10)]), vec![]);
    }

    #[test]
    fn the_first_overlap_is_found_by_search_and_touching_is_not_overlapping() {
        let busy = [s(0, 10), s(20, 30), s(40, 50)];
        assert_eq!(first_overlap(&busy, s(10, 20)), None);
        assert_eq!(first_overlap(&busy, s(25, 45)), Some(s(20, 30)));
        assert_eq!(first_overlap(&busy, s(49, 60)), Some(s(40, 50)));
        assert_eq!(first_overlap(&busy, s(50, 60)), None);
    }
}
