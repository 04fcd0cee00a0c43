//! Members against non-members without a holdout: matched difference-in-differences.
//!
//! Members spend more than non-members because they were different before they joined, so
//! comparing the two groups after enrolment (the **naive** estimate, reported beside the
//! others) mostly measures who joins. This module compares each member with a non-member who
//! behaved the same way before the member enrolled, and compares the *changes* of the two
//! across the enrolment date, so that what moves both (seasons, campaigns, the shop's growth)
//! cancels out:
//!
//! 1. **Risk-set matching** (Li, Propert & Rosenbaum 2001). Each member is matched, on the
//!    day they enrolled (days are UTC), with the nearest customer who was not a member on
//!    that day and did not enrol before the member's post window ended. Nearness is the
//!    Euclidean distance on standardised covariates computed from the orders before that day:
//!    orders and revenue so far, days since the last and since the first order, orders and
//!    revenue in the pre window (the counts and amounts as `ln(1 + x)`). Members with a
//!    segment are matched within it. Matching is with replacement; ties go to the customer
//!    given first. With a caliper, members with no non-member that close are left out.
//! 2. **The balance table**: each covariate's mean among members and among the non-members
//!    before and after matching, and the standardised mean difference
//!    `(m̄ − c̄) / √((s²_m + s²_c) / 2)` with the spread of the groups before matching (Austin
//!    2009), so that the two columns are comparable. |SMD| < 0.1 is the usual bar.
//! 3. **The estimate**: the OLS regression
//!    `y = α + β·member + γ·post + τ·member·post` on the stacked pre and post windows of every
//!    pair (`window` days each side), errors clustered by customer; `τ` is the effect on the
//!    members in the window ([`crate::stats::ols`], equal to statsmodels).
//! 4. **The event-time plot**: the matched difference in each `binDays` period around the
//!    enrolment day, less the difference in the period just before it, with its interval.
//! 5. **The placebo**: the same pairs and regression on a fake enrolment `placeboDays` before
//!    the real one, with windows of that length (the second ending on the real day), where
//!    the programme cannot have had an effect yet. An effect there means the matched
//!    non-members did not move as the members did before enrolment (trends that are not
//!    parallel), and the estimate is not to be trusted.
//!
//! The estimate rests on assumptions a holdout does not need: that the matched non-members'
//! change is what the members' change would have been without the programme (parallel
//! trends given the covariates), and that nothing but the covariates made members join. The
//! holdout comparison ([`super::logs`]) is the causal one; this is the best a team can do
//! without one.

use super::AnalysisError;
use crate::error::quoted;
use crate::stats::ols::ols_cluster;
use crate::stats::special::norm_ppf;
use crate::time::DAY_MS;
use serde::Serialize;
use std::collections::BTreeMap;

/// One customer's history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub id: String,
    /// `(epoch ms, amount)` of each order, in any order.
    pub orders: Vec<(i64, f64)>,
    /// When the customer enrolled, if a member.
    pub enrolled_at: Option<i64>,
    /// Members are matched within their segment (if given).
    pub segment: Option<String>,
}

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DidMetric {
    /// Money spent in the window.
    Revenue,
    /// Orders in the window.
    Orders,
}

/// The design's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DidOptions {
    /// The end of the data (exclusive): members whose post window ends later are left out.
    pub now: i64,
    /// Days before and after enrolment compared (default 180).
    pub window_days: u32,
    /// The placebo's shift in days (default 90; `None`: no placebo).
    pub placebo_days: Option<u32>,
    /// The widest match accepted, in standardised units (default none).
    pub caliper: Option<f64>,
    /// The event-time plot's period in days (default 30) and periods each side (default 6).
    pub bin_days: u32,
    pub bins: u32,
    pub metric: DidMetric,
    /// Intervals at `1 − alpha` (default 0.05).
    pub alpha: f64,
}

impl DidOptions {
    /// The defaults, with the end of the data.
    pub fn new(now: i64) -> DidOptions {
        DidOptions {
            now,
            window_days: 180,
            placebo_days: Some(90),
            caliper: None,
            bin_days: 30,
            bins: 6,
            metric: DidMetric::Revenue,
            alpha: 0.05,
        }
    }

    fn check(&self) -> Result<(), AnalysisError> {
        let bad = |path: &str, m: String| Err(AnalysisError::new("analysis.invalid", path, m));
        if self.window_days == 0 || self.window_days > 3660 {
            return bad(
                "windowDays",
                format!("{} days: between 1 and 3660", self.window_days),
            );
        }
        if self.placebo_days.is_some_and(|d| d == 0 || d > 3660) {
            return bad("placeboDays", "between 1 and 3660 days".into());
        }
        if self.caliper.is_some_and(|c| !(c.is_finite() && c > 0.0)) {
            return bad("caliper", "a positive number of standard units".into());
        }
        if self.bin_days == 0 || self.bin_days > 3660 || self.bins == 0 || self.bins > 120 {
            return bad(
                "binDays",
                "binDays between 1 and 3660, bins between 1 and 120".into(),
            );
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return bad("alpha", format!("{}: between 0 and 1", self.alpha));
        }
        Ok(())
    }
}

/// The covariates matched on, in order.
pub const COVARIATES: [&str; 6] = [
    "orders",
    "revenue",
    "recencyDays",
    "tenureDays",
    "windowOrders",
    "windowRevenue",
];

/// One row of the balance table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceRow {
    pub covariate: &'static str,
    pub members: f64,
    pub non_members: f64,
    pub matched: f64,
    pub smd_before: f64,
    pub smd_after: f64,
}

/// An estimate with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub effect: f64,
    pub se: f64,
    #[serde(rename = "ci")]
    pub ci: (f64, f64),
    pub p_value: f64,
}

/// The difference-in-differences regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DidEstimate {
    #[serde(flatten)]
    pub estimate: Estimate,
    /// Mean per member: `[pre, post]`; per matched non-member (counted once per match).
    pub members: [f64; 2],
    pub controls: [f64; 2],
    pub rows: usize,
    pub clusters: usize,
    /// Student's t degrees of freedom (clusters − 1).
    pub df: f64,
}

/// One period of the event-time plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPoint {
    /// Periods from enrolment: −1 is the one just before (0 by construction), 0 the first after.
    pub period: i32,
    pub from_day: i64,
    pub to_day: i64,
    pub effect: f64,
    #[serde(rename = "ci")]
    pub ci: (f64, f64),
    /// Pairs whose period lies before the end of the data.
    pub pairs: usize,
}

/// The placebo test.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Placebo {
    pub shift_days: u32,
    pub pairs: usize,
    #[serde(flatten)]
    pub estimate: DidEstimate,
    /// The interval holds 0.
    pub passes: bool,
}

/// Who took part.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DidCounts {
    pub customers: usize,
    pub members: usize,
    /// Members matched and analysed.
    pub matched: usize,
    /// Distinct non-members used as matches.
    pub controls: usize,
    /// Members with no order before enrolment: nothing to match on.
    pub no_history: usize,
    /// Members whose post window ends after the data.
    pub incomplete_window: usize,
    /// Members with no non-member within the caliper (or none at all).
    pub unmatched: usize,
}

/// The analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Did {
    pub metric: DidMetric,
    pub window_days: u32,
    pub alpha: f64,
    pub counts: DidCounts,
    /// Mean and largest standardised distance of the matches.
    pub mean_distance: f64,
    pub max_distance: f64,
    pub caliper: Option<f64>,
    pub balance: Vec<BalanceRow>,
    /// The matched difference-in-differences: the effect on a member in the window.
    pub effect: DidEstimate,
    /// Members' post window against every non-member's at the same dates (biased by who joins).
    pub naive: Estimate,
    pub event_time: Vec<EventPoint>,
    pub placebo: Option<Placebo>,
    /// What the estimate rests on.
    pub assumptions: &'static str,
}

const ASSUMPTIONS: &str = "Not causal by design: it assumes that the matched non-members' change \
    is what the members' change would have been without the programme (parallel trends given \
    the covariates) and that nothing but the covariates made members join. Only a holdout \
    estimate is causal.";

/// A customer's orders, sorted, with running totals.
struct Series {
    times: Vec<i64>,
    /// `cum[i]`: the amount of the first `i` orders.
    cum: Vec<f64>,
}

impl Series {
    fn new(orders: &[(i64, f64)]) -> Series {
        let mut o = orders.to_vec();
        o.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut cum = Vec::with_capacity(o.len() + 1);
        let mut s = 0.0;
        cum.push(0.0);
        for (_, a) in &o {
            s += a;
            cum.push(s);
        }
        Series {
            times: o.into_iter().map(|(t, _)| t).collect(),
            cum,
        }
    }

    /// Orders before `t`.
    fn before(&self, t: i64) -> usize {
        self.times.partition_point(|&x| x < t)
    }

    /// `(orders, amount)` in `[from, to)`.
    fn window(&self, from: i64, to: i64) -> (f64, f64) {
        let (a, b) = (self.before(from), self.before(to));
        if b <= a {
            return (0.0, 0.0);
        }
        ((b - a) as f64, self.cum[b] - self.cum[a])
    }

    fn value(&self, metric: DidMetric, from: i64, to: i64) -> f64 {
        let (n, r) = self.window(from, to);
        match metric {
            DidMetric::Revenue => r,
            DidMetric::Orders => n,
        }
    }

    /// The raw covariates at `t` (see [`COVARIATES`]), `None` without an order before `t`.
    fn covariates(&self, t: i64, window: i64) -> Option<[f64; 6]> {
        let k = self.before(t);
        if k == 0 {
            return None;
        }
        let (wn, wr) = self.window(t - window, t);
        Some([
            k as f64,
            self.cum[k],
            (t - self.times[k - 1]) as f64 / DAY_MS as f64,
            (t - self.times[0]) as f64 / DAY_MS as f64,
            wn,
            wr,
        ])
    }
}

/// The covariates as matched on: counts and money as `ln(1 + x)`.
fn transform(c: &[f64; 6]) -> [f64; 6] {
    let l = |x: f64| libm::log1p(x.max(0.0));
    [l(c[0]), l(c[1]), c[2], c[3], l(c[4]), l(c[5])]
}

/// A matched pair on a day.
#[derive(Debug, Clone, Copy)]
struct Pair {
    member: usize,
    control: usize,
    day: i64,
    distance: f64,
}

/// Running moments for the balance table.
#[derive(Debug, Clone, Copy, Default)]
struct Mom {
    n: f64,
    s: f64,
    ss: f64,
}

impl Mom {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        self.s += x;
        self.ss += x * x;
    }
    fn mean(&self) -> f64 {
        if self.n > 0.0 {
            self.s / self.n
        } else {
            f64::NAN
        }
    }
    fn var(&self) -> f64 {
        if self.n > 1.0 {
            ((self.ss - self.s * self.s / self.n) / (self.n - 1.0)).max(0.0)
        } else {
            0.0
        }
    }
}

/// The risk-set matching, windows of `window` days.
struct Design {
    pairs: Vec<Pair>,
    no_history: usize,
    incomplete: usize,
    unmatched: usize,
    /// Members (matched or not) and every eligible non-member, raw covariates.
    before: [(Mom, Mom); 6],
    /// The naive comparison by day: members' and non-members' post-window values.
    naive: BTreeMap<i64, (Mom, Mom)>,
}

fn design(series: &[Series], customers: &[History], o: &DidOptions, window: i64) -> Design {
    // Members by (day, segment): the day they enrolled.
    let mut buckets: BTreeMap<(i64, Option<&str>), Vec<usize>> = BTreeMap::new();
    let (mut no_history, mut incomplete) = (0, 0);
    for (i, c) in customers.iter().enumerate() {
        let Some(e) = c.enrolled_at else { continue };
        let day = e.div_euclid(DAY_MS) * DAY_MS;
        if day + window > o.now {
            incomplete += 1;
            continue;
        }
        if series[i].before(day) == 0 {
            no_history += 1;
            continue;
        }
        buckets
            .entry((day, c.segment.as_deref()))
            .or_default()
            .push(i);
    }
    let mut before: [(Mom, Mom); 6] = Default::default();
    let mut naive: BTreeMap<i64, (Mom, Mom)> = BTreeMap::new();
    let mut pairs = Vec::new();
    let mut unmatched = 0;
    for ((day, segment), members) in &buckets {
        // Non-members on `day` who do not enrol before the post window ends.
        let (day, end) = (*day, *day + window);
        let mut cands: Vec<(usize, [f64; 6])> = Vec::new();
        for (j, c) in customers.iter().enumerate() {
            if c.segment.as_deref() != *segment || c.enrolled_at.is_some_and(|e| e < end) {
                continue;
            }
            if let Some(x) = series[j].covariates(day, window) {
                cands.push((j, x));
            }
        }
        let mut mem: Vec<(usize, [f64; 6])> = Vec::with_capacity(members.len());
        for &i in members {
            if let Some(x) = series[i].covariates(day, window) {
                mem.push((i, x));
            }
        }
        let post = |i: usize| series[i].value(o.metric, day, day + window);
        {
            let entry = naive.entry(day).or_default();
            for (i, x) in &mem {
                entry.0.push(post(*i));
                for (k, b) in before.iter_mut().enumerate() {
                    b.0.push(x[k]);
                }
            }
            for (j, x) in &cands {
                entry.1.push(post(*j));
                for (k, b) in before.iter_mut().enumerate() {
                    b.1.push(x[k]);
                }
            }
        }
        if cands.is_empty() {
            unmatched += mem.len();
            continue;
        }
        // Standardise by the spread of members and candidates together.
        let mut sd = [0.0f64; 6];
        let mut mo: [Mom; 6] = Default::default();
        for (_, x) in mem.iter().chain(&cands) {
            let t = transform(x);
            for k in 0..6 {
                mo[k].push(t[k]);
            }
        }
        for k in 0..6 {
            let v = libm::sqrt(mo[k].var());
            sd[k] = if v > 0.0 { 1.0 / v } else { 0.0 };
        }
        let z = |x: &[f64; 6]| {
            let t = transform(x);
            let mut out = [0.0; 6];
            for k in 0..6 {
                out[k] = t[k] * sd[k];
            }
            out
        };
        // Candidates sorted on the pre window's revenue; an exact nearest-neighbour search
        // walks outwards from a member's place until that coordinate alone is farther.
        let mut zc: Vec<(usize, usize, [f64; 6])> = cands
            .iter()
            .enumerate()
            .map(|(pos, (j, x))| (pos, *j, z(x)))
            .collect();
        zc.sort_by(|a, b| a.2[5].total_cmp(&b.2[5]).then(a.0.cmp(&b.0)));
        for (i, x) in &mem {
            let zm = z(x);
            let at = zc.partition_point(|c| c.2[5] < zm[5]);
            let mut best: Option<(f64, usize, usize)> = None; // (d², input position, customer)
            let better = |d: f64, pos: usize, best: &Option<(f64, usize, usize)>| match best {
                None => true,
                Some((bd, bp, _)) => d < *bd || (d == *bd && pos < *bp),
            };
            let dist = |c: &[f64; 6]| -> f64 {
                let mut s = 0.0;
                for k in 0..6 {
                    let d = c[k] - zm[k];
                    s += d * d;
                }
                s
            };
            let mut up = at;
            let mut down = at;
            loop {
                let mut moved = false;
                if up < zc.len() {
                    let c = &zc[up];
                    let g = c.2[5] - zm[5];
                    if best.is_none_or(|b| g * g <= b.0) {
                        let d = dist(&c.2);
                        if better(d, c.0, &best) {
                            best = Some((d, c.0, c.1));
                        }
                        up += 1;
                        moved = true;
                    } else {
                        up = zc.len();
                    }
                }
                if down > 0 {
                    let c = &zc[down - 1];
                    let g = zm[5] - c.2[5];
                    if best.is_none_or(|b| g * g <= b.0) {
                        let d = dist(&c.2);
                        if better(d, c.0, &best) {
                            best = Some((d, c.0, c.1));
                        }
                        down -= 1;
                        moved = true;
                    } else {
                        down = 0;
                    }
                }
                if !moved {
                    break;
                }
            }
            match best {
                Some((d2, _, j)) if o.caliper.is_none_or(|c| libm::sqrt(d2) <= c) => {
                    pairs.push(Pair {
                        member: *i,
                        control: j,
                        day,
                        distance: libm::sqrt(d2),
                    })
                }
                _ => unmatched += 1,
            }
        }
    }
    Design {
        pairs,
        no_history,
        incomplete,
        unmatched,
        before,
        naive,
    }
}

/// The regression on matched pairs, windows of `window` each side of `shift` before the pair's
/// day.
fn regression(
    series: &[Series],
    pairs: &[Pair],
    metric: DidMetric,
    window: i64,
    shift: i64,
    alpha: f64,
) -> Result<DidEstimate, AnalysisError> {
    let mut x = Vec::with_capacity(pairs.len() * 16);
    let mut y = Vec::with_capacity(pairs.len() * 4);
    let mut g = Vec::with_capacity(pairs.len() * 4);
    let (mut m, mut c) = ([0.0; 2], [0.0; 2]);
    for p in pairs {
        let start = p.day - shift;
        for (who, treated) in [(p.member, 1.0), (p.control, 0.0)] {
            let pre = series[who].value(metric, start - window, start);
            let post = series[who].value(metric, start, start + window);
            let acc = if treated == 1.0 { &mut m } else { &mut c };
            acc[0] += pre;
            acc[1] += post;
            for (is_post, v) in [(0.0, pre), (1.0, post)] {
                x.extend_from_slice(&[1.0, treated, is_post, treated * is_post]);
                y.push(v);
                g.push(who as u64);
            }
        }
    }
    let fit = ols_cluster(&x, 4, &y, &g).map_err(|e| {
        AnalysisError::new(
            match e {
                crate::stats::tests::StatsError::TooFew(_) => "analysis.too_few",
                crate::stats::tests::StatsError::ZeroVariance(_) => "analysis.zero_variance",
                crate::stats::tests::StatsError::Invalid(_) => "analysis.invalid",
            },
            "did",
            format!("the difference-in-differences cannot be estimated: {e}"),
        )
    })?;
    let n = pairs.len() as f64;
    Ok(DidEstimate {
        estimate: Estimate {
            effect: fit.params[3],
            se: fit.bse[3],
            ci: fit.ci(3, alpha),
            p_value: fit.p_value(3),
        },
        members: [m[0] / n, m[1] / n],
        controls: [c[0] / n, c[1] / n],
        rows: fit.nobs,
        clusters: fit.clusters,
        df: fit.df(),
    })
}

fn normal_estimate(effect: f64, var: f64, alpha: f64) -> Estimate {
    let se = libm::sqrt(var.max(0.0));
    let q = norm_ppf(1.0 - alpha / 2.0);
    let p = if se > 0.0 {
        (2.0 * crate::stats::special::norm_sf((effect / se).abs())).min(1.0)
    } else {
        f64::NAN
    };
    Estimate {
        effect,
        se,
        ci: (effect - q * se, effect + q * se),
        p_value: p,
    }
}

/// Matched difference-in-differences of members against non-members (see the module docs).
///
/// Errors: `analysis.invalid` for bad options or an id given twice (path `customers[i].id`),
/// `analysis.too_few` when no member can be matched or there are fewer than two clusters.
pub fn analyze(customers: &[History], o: &DidOptions) -> Result<Did, AnalysisError> {
    o.check()?;
    let mut seen = BTreeMap::new();
    for (i, c) in customers.iter().enumerate() {
        if let Some(first) = seen.insert(c.id.as_str(), i) {
            return Err(AnalysisError::new(
                "analysis.invalid",
                format!("customers[{i}].id"),
                format!("{:?} is also customers[{first}]", quoted(&c.id)),
            ));
        }
        if let Some(k) = c.orders.iter().position(|(_, a)| !a.is_finite()) {
            return Err(AnalysisError::new(
                "analysis.invalid",
                format!("customers[{i}].orders[{k}]"),
                "the amount is not a finite number",
            ));
        }
    }
    let series: Vec<Series> = customers.iter().map(|c| Series::new(&c.orders)).collect();
    let window = i64::from(o.window_days) * DAY_MS;
    let d = design(&series, customers, o, window);
    let members = customers.iter().filter(|c| c.enrolled_at.is_some()).count();
    if d.pairs.is_empty() {
        return Err(AnalysisError::new(
            "analysis.too_few",
            "did",
            format!(
                "no member could be matched: {members} members, {} without an order before \
                 enrolling, {} whose window ends after the data, {} without a non-member to match",
                d.no_history, d.incomplete, d.unmatched
            ),
        ));
    }
    let effect = regression(&series, &d.pairs, o.metric, window, 0, o.alpha)?;

    // Balance: after matching, members against their matches (a match counted once per use).
    let mut after: [(Mom, Mom); 6] = Default::default();
    for p in &d.pairs {
        let xm = series[p.member].covariates(p.day, window);
        let xc = series[p.control].covariates(p.day, window);
        if let (Some(xm), Some(xc)) = (xm, xc) {
            for k in 0..6 {
                after[k].0.push(xm[k]);
                after[k].1.push(xc[k]);
            }
        }
    }
    let balance = (0..6)
        .map(|k| {
            let (bm, bc) = d.before[k];
            let (am, ac) = after[k];
            let s = libm::sqrt((bm.var() + bc.var()) / 2.0);
            let smd = |a: f64, b: f64| if s > 0.0 { (a - b) / s } else { 0.0 };
            BalanceRow {
                covariate: COVARIATES[k],
                members: bm.mean(),
                non_members: bc.mean(),
                matched: ac.mean(),
                smd_before: smd(bm.mean(), bc.mean()),
                smd_after: smd(am.mean(), ac.mean()),
            }
        })
        .collect();

    // The naive comparison, stratified by day: Σ w_d (m̄_d − c̄_d), w_d the members' share.
    let total: f64 = d.naive.values().map(|(m, _)| m.n).sum();
    let (mut eff, mut var) = (0.0, 0.0);
    for (m, c) in d.naive.values() {
        if m.n == 0.0 || c.n == 0.0 {
            continue;
        }
        let w = m.n / total;
        eff += w * (m.mean() - c.mean());
        var += w * w * (m.var() / m.n + c.var() / c.n);
    }
    let naive = normal_estimate(eff, var, o.alpha);

    // Event time: each period's matched difference less the period just before enrolment's.
    let bin = i64::from(o.bin_days) * DAY_MS;
    let bins = o.bins as i32;
    let diff = |p: &Pair, k: i32| {
        let (from, to) = (p.day + i64::from(k) * bin, p.day + i64::from(k + 1) * bin);
        series[p.member].value(o.metric, from, to) - series[p.control].value(o.metric, from, to)
    };
    let q = norm_ppf(1.0 - o.alpha / 2.0);
    let event_time = (-bins..bins)
        .map(|k| {
            let mut mo = Mom::default();
            for p in &d.pairs {
                if p.day + i64::from(k + 1) * bin <= o.now {
                    mo.push(diff(p, k) - diff(p, -1));
                }
            }
            let se = if mo.n > 0.0 {
                libm::sqrt(mo.var() / mo.n)
            } else {
                f64::NAN
            };
            let e = mo.mean();
            EventPoint {
                period: k,
                from_day: i64::from(k) * i64::from(o.bin_days),
                to_day: i64::from(k + 1) * i64::from(o.bin_days),
                effect: e,
                ci: (e - q * se, e + q * se),
                pairs: mo.n as usize,
            }
        })
        .filter(|p| p.pairs > 0)
        .collect();

    let placebo = match o.placebo_days {
        None => None,
        Some(days) => {
            let shift = i64::from(days) * DAY_MS;
            let r = regression(&series, &d.pairs, o.metric, shift, shift, o.alpha)?;
            let passes = r.estimate.ci.0 <= 0.0 && 0.0 <= r.estimate.ci.1;
            Some(Placebo {
                shift_days: days,
                pairs: d.pairs.len(),
                estimate: r,
                passes,
            })
        }
    };

    let mut used: Vec<usize> = d.pairs.iter().map(|p| p.control).collect();
    used.sort_unstable();
    used.dedup();
    let dist = d.pairs.iter().map(|p| p.distance);
    Ok(Did {
        metric: o.metric,
        window_days: o.window_days,
        alpha: o.alpha,
        counts: DidCounts {
            customers: customers.len(),
            members,
            matched: d.pairs.len(),
            controls: used.len(),
            no_history: d.no_history,
            incomplete_window: d.incomplete,
            unmatched: d.unmatched,
        },
        mean_distance: dist.clone().sum::<f64>() / d.pairs.len() as f64,
        max_distance: dist.fold(0.0, f64::max),
        caliper: o.caliper,
        balance,
        effect,
        naive,
        event_time,
        placebo,
        assumptions: ASSUMPTIONS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(id: &str, orders: &[(i64, f64)], enrolled: Option<i64>) -> History {
        History {
            id: id.into(),
            orders: orders.iter().map(|&(d, a)| (d * DAY_MS, a)).collect(),
            enrolled_at: enrolled.map(|d| d * DAY_MS),
            segment: None,
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        let o = DidOptions::new(1000 * DAY_MS);
        let dup = [h("a", &[(1, 5.0)], None), h("a", &[(2, 5.0)], None)];
        let e = analyze(&dup, &o).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.path.as_str()),
            ("analysis.invalid", "customers[1].id")
        );
        let nan = [h("a", &[(1, f64::NAN)], None)];
        assert_eq!(
            analyze(&nan, &o).unwrap_err().path,
            "customers[0].orders[0]"
        );
        for (bad, path) in [
            (
                DidOptions {
                    window_days: 0,
                    ..o.clone()
                },
                "windowDays",
            ),
            (
                DidOptions {
                    caliper: Some(-1.0),
                    ..o.clone()
                },
                "caliper",
            ),
            (
                DidOptions {
                    placebo_days: Some(0),
                    ..o.clone()
                },
                "placeboDays",
            ),
            (
                DidOptions {
                    bins: 0,
                    ..o.clone()
                },
                "binDays",
            ),
            (
                DidOptions {
                    alpha: 1.0,
                    ..o.clone()
                },
                "alpha",
            ),
        ] {
            assert_eq!(analyze(&[], &bad).unwrap_err().path, path);
        }
        // Only members without history, or too late: nothing to estimate, and the counts say why.
        let none = [
            h("m", &[(300, 5.0)], Some(200)),
            h("late", &[(100, 5.0)], Some(900)),
            h("c", &[(100, 5.0)], None),
        ];
        let e = analyze(&none, &o).unwrap_err();
        assert_eq!(e.code, "analysis.too_few");
        assert!(
            e.message.contains("1 without an order before enrolling"),
            "{e}"
        );
        assert!(
            e.message.contains("1 whose window ends after the data"),
            "{e}"
        );
    }

    #[test]
    fn a_customer_who_enrols_during_the_window_is_no_match_and_ties_go_to_the_first() {
        // Two members enrolled on day 400; `soon` enrols on day 450, inside their window.
        let people = [
            h("m1", &[(100, 10.0), (380, 20.0), (420, 40.0)], Some(400)),
            h("m2", &[(100, 10.0), (380, 20.0), (430, 30.0)], Some(400)),
            h("soon", &[(100, 10.0), (380, 20.0)], Some(450)),
            h("c1", &[(100, 10.0), (380, 20.0), (500, 5.0)], None),
            h("c2", &[(100, 10.0), (380, 20.0), (520, 7.0)], None),
            h("far", &[(10, 500.0)], None),
        ];
        // The data end on day 600: `soon`'s own window is incomplete.
        let d = analyze(&people, &DidOptions::new(600 * DAY_MS)).unwrap();
        // `soon` would have been an exact match; c1 and c2 tie exactly and c1 comes first.
        assert_eq!(d.counts.incomplete_window, 1);
        assert_eq!(d.counts.matched, 2);
        assert_eq!(d.counts.controls, 1);
        assert_eq!(d.counts.members, 3);
        assert_eq!(d.mean_distance, 0.0);
        // Pre windows (days 220–399) equal; post: members 40 and 30, the match 5: τ = 30.
        assert_eq!(d.effect.members, [20.0, 35.0]);
        assert_eq!(d.effect.controls, [20.0, 5.0]);
        assert!((d.effect.estimate.effect - 30.0).abs() < 1e-9);
        for b in &d.balance {
            assert_eq!(b.smd_after, 0.0, "{b:?}");
        }
    }
}
