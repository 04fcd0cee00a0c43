//! The analysis as one self-contained HTML page: no script, no font, no request; the plots are
//! inline SVG drawn here.
//!
//! * the sample-ratio check, first, as a warning when it fails (verdicts are then withheld);
//! * per metric, the relative lift of each variant with its fixed-horizon interval and, wider
//!   and lighter, its confidence sequence;
//! * with a time column, per metric, the cumulative lift day by day with the fixed-horizon
//!   interval (a band) and the sequential boundary (dashed): a result is only trustworthy on a
//!   day when the dashed lines exclude 0;
//! * the units that entered each day, by variant;
//! * the table of every number, for those who read numbers.

use super::{Analysis, MetricKind, MetricResult};
use std::fmt::Write;

pub(super) const PALETTE: [&str; 6] = [
    "#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2",
];

/// The reports' style sheet (this one and [`super::programme_report`]'s).
pub(super) const STYLE: &str = r#"body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111;margin:0;background:#f8fafc}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px} h3{font-size:15px;margin:18px 0 6px}
.meta{color:#475569;margin:0 0 16px}
.banner{padding:12px 16px;border-radius:8px;margin:12px 0}
.ok{background:#ecfdf5;border:1px solid #a7f3d0} .warn{background:#fffbeb;border:1px solid #fde68a} .seg td:nth-child(3),.seg th:nth-child(3){text-align:left} main>p.meta:last-child{margin-top:24px} .warn ul{margin:4px 0 0;padding-left:20px} .bad{background:#fef2f2;border:1px solid #fecaca;font-weight:600}
figure{background:#fff;border:1px solid #e2e8f0;border-radius:8px;margin:10px 0;padding:12px;overflow-x:auto}
figcaption{color:#475569;font-size:13px;margin-top:4px}
svg{width:100%;height:auto} .scroll{overflow-x:auto} .tick{font-size:11px;fill:#475569} .label{font-size:13px;fill:#111}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #e2e8f0;padding:5px 7px;text-align:right;white-space:nowrap} th{background:#f1f5f9}
td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
.better{color:#047857;font-weight:600} .worse{color:#b91c1c;font-weight:600} .legend span{margin-right:14px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
"#;

/// The start of a report page, to its title: no script, no request (the content security
/// policy forbids them; an empty icon keeps the browser from asking for /favicon.ico), the
/// style sheet inline.
pub(super) fn page_head(title: &str) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>{t}</title>
<style>
{STYLE}</style></head><body><main>
<h1>{t}</h1>
"#,
        t = esc(title)
    );
    s
}

/// Horizontal grid lines and labels at `y`'s ticks, from `left` to `right` (pixels).
pub(super) fn y_grid(
    s: &mut String,
    y: &Scale,
    left: f64,
    right: f64,
    label: &dyn Fn(f64) -> String,
) {
    for t in y.ticks(5) {
        let py = y.at(t);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{right}" y1="{py:.1}" y2="{py:.1}" stroke="{c}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{lab}</text>"##,
            c = if t == 0.0 { "#334155" } else { "#e2e8f0" },
            tx = left - 6.0,
            ty = py + 4.0,
            lab = label(t)
        );
    }
}

pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number for people: 4 significant digits, never `NaN` (an em dash).
pub(super) fn num(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let a = x.abs();
    if x == x.trunc() && a < 1e15 {
        // Counts: whole, with thousands separators.
        let digits = format!("{a:.0}");
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        return if x < 0.0 { format!("-{out}") } else { out };
    }
    if a != 0.0 && !(1e-4..1e6).contains(&a) {
        format!("{x:.3e}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    }
}

pub(super) fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.2}%", 100.0 * x)
    } else {
        "—".into()
    }
}

pub(super) fn p(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x < 1e-4 {
        "< 0.0001".into()
    } else {
        format!("{x:.4}")
    }
}

/// A linear scale from `[lo, hi]` to `[a, b]` pixels.
#[derive(Clone, Copy)]
pub(super) struct Scale {
    lo: f64,
    hi: f64,
    a: f64,
    b: f64,
}

impl Scale {
    pub(super) fn new(lo: f64, hi: f64, a: f64, b: f64) -> Scale {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 1.0, hi + 1.0)
        };
        Scale { lo, hi, a, b }
    }
    pub(super) fn at(&self, x: f64) -> f64 {
        self.a + (x - self.lo) / (self.hi - self.lo) * (self.b - self.a)
    }
    /// About `n` round ticks inside the domain.
    pub(super) fn ticks(&self, n: usize) -> Vec<f64> {
        let span = self.hi - self.lo;
        let raw = span / n.max(1) as f64;
        let mag = libm::pow(10.0, libm::floor(libm::log10(raw)));
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let mut t = (self.lo / step).ceil() * step;
        let mut out = Vec::new();
        while t <= self.hi + step * 1e-9 && out.len() < 50 {
            out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
            t += step;
        }
        out
    }
}

/// A scale whose pixels stay inside its range.
#[derive(Clone, Copy)]
struct Clamped(Scale);

impl Clamped {
    fn at(&self, v: f64) -> f64 {
        let s = self.0;
        let (a, b) = if s.a < s.b { (s.a, s.b) } else { (s.b, s.a) };
        s.at(v).clamp(a, b)
    }
    fn ticks(&self, n: usize) -> Vec<f64> {
        self.0.ticks(n)
    }
}

/// Extends `[lo, hi]` by 8% each side, and to 0.
pub(super) fn domain(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let pad = (hi - lo) * 0.08;
    (lo - pad, hi + pad)
}

pub(super) fn tick_label(x: f64, percent: bool) -> String {
    if percent {
        let v = 100.0 * x;
        if (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}%")
        } else {
            format!("{v:.1}%")
        }
    } else {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.into()
        }
    }
}

/// Relative lift per variant: the fixed interval, the sequence behind it, the estimate.
fn forest(metric: &str, rows: &[&MetricResult], colour: &dyn Fn(&str) -> &'static str) -> String {
    let (w, row_h, left, right, top) = (720.0, 34.0, 140.0, 30.0, 30.0);
    let h = top + row_h * rows.len() as f64 + 36.0;
    let values = rows.iter().flat_map(|r| {
        let mut v: Vec<f64> = r.rel_lift.into_iter().collect();
        v.extend(r.rel_lift_ci.iter().flat_map(|&(a, b)| [a, b]));
        if let Some((a, b)) = r.sequential.as_ref().and_then(|q| q.rel_lift_ci) {
            v.extend([a, b]);
        }
        v
    });
    let (lo, hi) = domain(values);
    let x = Scale::new(lo, hi, left, w - right);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="Relative lift of {m} per variant, with intervals">"#,
        m = esc(metric)
    );
    for t in x.ticks(6) {
        let px = x.at(t);
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{y2:.1}" stroke="{c}" stroke-width="{sw}"/><text x="{px:.1}" y="{ty:.1}" text-anchor="middle" class="tick">{l}</text>"##,
            y2 = h - 30.0,
            c = if t == 0.0 { "#111" } else { "#e5e7eb" },
            sw = if t == 0.0 { 1.5 } else { 1.0 },
            ty = h - 12.0,
            l = tick_label(t, true)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * (i as f64 + 0.5);
        let c = colour(&r.variant);
        let _ = write!(
            s,
            r#"<text x="{tx}" y="{ty:.1}" text-anchor="end" class="label">{v}</text>"#,
            tx = left - 10.0,
            ty = y + 4.0,
            v = esc(&r.variant)
        );
        if let Some((a, b)) = r.sequential.as_ref().and_then(|q| q.rel_lift_ci) {
            let _ = write!(
                s,
                r#"<rect x="{x1:.1}" y="{y1:.1}" width="{wd:.1}" height="10" fill="{c}" opacity="0.18"><title>confidence sequence {a} to {b}</title></rect>"#,
                x1 = x.at(a),
                y1 = y - 5.0,
                wd = (x.at(b) - x.at(a)).max(1.0),
                a = pct(a),
                b = pct(b)
            );
        }
        let (Some(l), Some((a, b))) = (r.rel_lift, r.rel_lift_ci) else {
            let _ = write!(
                s,
                r#"<text x="{tx}" y="{ty:.1}" class="tick">no relative lift: the control's mean is 0 (absolute lift {al})</text>"#,
                tx = left + 4.0,
                ty = y + 4.0,
                al = num(r.abs_lift)
            );
            continue;
        };
        let _ = write!(
            s,
            r#"<line x1="{x1:.1}" x2="{x2:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{c}" stroke-width="3"><title>fixed-horizon interval {a} to {b}</title></line><circle cx="{cx:.1}" cy="{y:.1}" r="5" fill="{c}"><title>{v}: {l}</title></circle>"#,
            x1 = x.at(a),
            x2 = x.at(b),
            cx = x.at(l),
            a = pct(a),
            b = pct(b),
            v = esc(&r.variant),
            l = pct(l)
        );
    }
    s.push_str("</svg>");
    s
}

/// Cumulative absolute lift over the days, with the fixed band and the sequential boundary.
fn over_time(a: &Analysis, metric: &str, colour: &dyn Fn(&str) -> &'static str) -> Option<String> {
    let points: Vec<_> = a.timeline.iter().filter(|t| t.metric == metric).collect();
    if points.is_empty() {
        return None;
    }
    let days: Vec<&str> = {
        let mut d: Vec<&str> = a.split.iter().map(|s| s.day.as_str()).collect();
        d.dedup();
        d
    };
    let (w, h, left, right, top, bottom) = (720.0, 300.0, 70.0, 20.0, 20.0, 40.0);
    // The first days' boundaries are far out: the scale follows the last four fifths of the
    // days, and what lies beyond is drawn at the edge.
    let skip = days.len() / 5;
    let late = |d: &str| days.iter().position(|k| *k == d).is_some_and(|i| i >= skip);
    let (lo, hi) = domain(points.iter().filter(|t| late(&t.day)).flat_map(|t| {
        let mut v = vec![t.abs_lift];
        if let Some((a, b)) = t.abs_lift_ci {
            v.extend([a, b]);
        }
        if let Some((a, b)) = t.sequential_ci {
            v.extend([a, b]);
        }
        v
    }));
    let y = Scale::new(lo, hi, h - bottom, top);
    let y = Clamped(y);
    let x = Scale::new(0.0, (days.len().max(2) - 1) as f64, left, w - right);
    let day_x = |d: &str| days.iter().position(|k| *k == d).map(|i| x.at(i as f64));
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="Cumulative lift of {m} by day, with the sequential boundary">"#,
        m = esc(metric)
    );
    for t in y.ticks(5) {
        let py = y.at(t);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{x2}" y1="{py:.1}" y2="{py:.1}" stroke="{c}" stroke-width="{sw}"/><text x="{tx}" y="{ty:.1}" text-anchor="end" class="tick">{l}</text>"##,
            x2 = w - right,
            c = if t == 0.0 { "#111" } else { "#e5e7eb" },
            sw = if t == 0.0 { 1.5 } else { 1.0 },
            tx = left - 6.0,
            ty = py + 4.0,
            l = tick_label(t, false)
        );
    }
    let every = (days.len() / 6).max(1);
    for (i, d) in days.iter().enumerate() {
        if i % every == 0 || i + 1 == days.len() {
            let _ = write!(
                s,
                r#"<text x="{px:.1}" y="{py}" text-anchor="middle" class="tick">{d}</text>"#,
                px = x.at(i as f64),
                py = h - 14.0,
                d = d.get(5..).unwrap_or(d)
            );
        }
    }
    let mut variants: Vec<&str> = points.iter().map(|t| t.variant.as_str()).collect();
    variants.sort_unstable();
    variants.dedup();
    for v in variants {
        let c = colour(v);
        let series: Vec<_> = points.iter().filter(|t| t.variant == v).collect();
        let band: Vec<(f64, f64, f64)> = series
            .iter()
            .filter_map(|t| Some((day_x(&t.day)?, t.abs_lift_ci?.0, t.abs_lift_ci?.1)))
            .collect();
        if band.len() > 1 {
            let mut d = String::new();
            for (i, (px, a, _)) in band.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{px:.1},{:.1} ",
                    if i == 0 { "M" } else { "L" },
                    y.at(*a)
                );
            }
            for (px, _, b) in band.iter().rev() {
                let _ = write!(d, "L{px:.1},{:.1} ", y.at(*b));
            }
            let _ = write!(
                s,
                r#"<path d="{d}Z" fill="{c}" opacity="0.15"><title>{v}: fixed-horizon interval</title></path>"#,
                v = esc(v)
            );
        }
        for side in [0, 1] {
            let line: Vec<String> = series
                .iter()
                .filter_map(|t| {
                    let (a, b) = t.sequential_ci?;
                    let val = if side == 0 { a } else { b };
                    Some(format!("{:.1},{:.1}", day_x(&t.day)?, y.at(val)))
                })
                .collect();
            if line.len() > 1 {
                let _ = write!(
                    s,
                    r#"<polyline points="{p}" fill="none" stroke="{c}" stroke-width="1.5" stroke-dasharray="5 4"><title>{v}: sequential boundary</title></polyline>"#,
                    p = line.join(" "),
                    v = esc(v)
                );
            }
        }
        let line: Vec<String> = series
            .iter()
            .filter_map(|t| Some(format!("{:.1},{:.1}", day_x(&t.day)?, y.at(t.abs_lift))))
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{p}" fill="none" stroke="{c}" stroke-width="2.5" class="lift"><title>{v}: cumulative lift</title></polyline>"#,
            p = line.join(" "),
            v = esc(v)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// Units that entered each day, one line per variant.
fn split_per_day(a: &Analysis, colour: &dyn Fn(&str) -> &'static str) -> Option<String> {
    if a.split.is_empty() {
        return None;
    }
    let (w, h, left, right, top, bottom) = (720.0, 220.0, 70.0, 20.0, 20.0, 40.0);
    let max = a
        .split
        .iter()
        .flat_map(|d| d.units.values().copied())
        .fold(0.0, f64::max);
    let y = Scale::new(0.0, max * 1.1, h - bottom, top);
    let x = Scale::new(0.0, (a.split.len().max(2) - 1) as f64, left, w - right);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="Units entering each day, by variant">"#
    );
    for t in y.ticks(4) {
        let py = y.at(t);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{x2}" y1="{py:.1}" y2="{py:.1}" stroke="#e5e7eb"/><text x="{tx}" y="{ty:.1}" text-anchor="end" class="tick">{t}</text>"##,
            x2 = w - right,
            tx = left - 6.0,
            ty = py + 4.0,
        );
    }
    let every = (a.split.len() / 6).max(1);
    for (i, d) in a.split.iter().enumerate() {
        if i % every == 0 || i + 1 == a.split.len() {
            let _ = write!(
                s,
                r#"<text x="{px:.1}" y="{py}" text-anchor="middle" class="tick">{d}</text>"#,
                px = x.at(i as f64),
                py = h - 14.0,
                d = d.day.get(5..).unwrap_or(&d.day)
            );
        }
    }
    let mut variants: Vec<&str> = a.srm.counts.keys().map(String::as_str).collect();
    variants.sort_unstable();
    for v in variants {
        let line: Vec<String> = a
            .split
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let n = d.units.get(v).copied().unwrap_or(0.0);
                format!("{:.1},{:.1}", x.at(i as f64), y.at(n))
            })
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{p}" fill="none" stroke="{c}" stroke-width="2"><title>{v}</title></polyline>"#,
            p = line.join(" "),
            c = colour(v),
            v = esc(v)
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// The report.
pub fn html(a: &Analysis, title: &str) -> String {
    let mut names: Vec<&str> = a.srm.counts.keys().map(String::as_str).collect();
    names.sort_unstable();
    let colour = |v: &str| -> &'static str {
        names
            .iter()
            .position(|n| *n == v)
            .map_or(PALETTE[0], |i| PALETTE[i % PALETTE.len()])
    };
    let mut metrics: Vec<&str> = Vec::new();
    for r in &a.results {
        if !metrics.contains(&r.metric.as_str()) {
            metrics.push(&r.metric);
        }
    }
    let mut s = page_head(title);
    let _ = writeln!(
        s,
        r#"<p class="meta">Intervals at {lvl}% · verdicts on Holm-adjusted {mode} p-values · confidence sequences tuned for N = {n} units</p>"#,
        lvl = num(100.0 * (1.0 - a.alpha)),
        mode = if a.sequential {
            "always-valid"
        } else {
            "fixed-horizon"
        },
        n = a
            .results
            .iter()
            .find_map(|r| r.sequential.as_ref().map(|q| q.tuning))
            .map_or("—".into(), num)
    );
    let counts: Vec<String> = a
        .srm
        .counts
        .iter()
        .map(|(k, n)| format!("{} {}", esc(k), num(*n)))
        .collect();
    if a.srm.ok {
        let _ = write!(
            s,
            r#"<div class="banner ok" id="srm">Sample ratio as planned: {} (χ² {}, p {}).</div>"#,
            counts.join(", "),
            num(a.srm.chi2),
            p(a.srm.p_value)
        );
    } else {
        let _ = write!(
            s,
            r#"<div class="banner bad" id="srm" role="alert">Sample ratio mismatch: {} is not the planned split (χ² {}, p {}). Assignment or logging is broken; the verdicts are withheld until it is found.</div>"#,
            counts.join(", "),
            num(a.srm.chi2),
            p(a.srm.p_value)
        );
    }
    if let Some(j) = &a.join {
        let _ = write!(
            s,
            r#"<p class="meta" id="join">From the logs: {} decisions, {} exposing to <b>{}</b>; {} units ({} left out, exposed to more than one variant); {} outcome events: {} in a unit's {}-day window, {} outside it, {} of no unit.</p>"#,
            j.decisions,
            j.exposures,
            esc(&j.experiment),
            j.units,
            j.multiple_variants,
            j.outcomes,
            j.attributed,
            num(j.window_days),
            j.outside_window,
            j.unmatched
        );
    }
    if let Some(r) = &a.roi {
        let _ = write!(
            s,
            r#"<div class="banner ok" id="roi">Against its holdout, the programme earns {} net margin per customer ({}% interval {} to {}) for {} of incentives per customer: a return on incentives of {}.</div>"#,
            num(r.incremental_net_margin),
            num(100.0 * (1.0 - a.alpha)),
            num(r.incremental_net_margin_ci.0),
            num(r.incremental_net_margin_ci.1),
            num(r.incremental_incentives),
            match (r.roi, r.roi_ci) {
                (Some(x), Some((lo, hi))) => format!("{} ({} to {})", num(x), num(lo), num(hi)),
                _ => "— (the incentives do not differ)".into(),
            }
        );
    }
    if !a.skipped.is_empty() {
        s.push_str(r#"<div class="banner warn" id="skipped"><b>Not compared:</b><ul>"#);
        for e in &a.skipped {
            let _ = write!(
                s,
                "<li><code>{}</code>: {}</li>",
                esc(&e.code),
                esc(&e.message)
            );
        }
        s.push_str("</ul></div>");
    }
    s.push_str(r#"<p class="legend">"#);
    for n in &names {
        let _ = write!(
            s,
            r#"<span><i class="sw" style="background:{}"></i>{}</span>"#,
            colour(n),
            esc(n)
        );
    }
    s.push_str("</p>");
    for m in &metrics {
        let rows: Vec<&MetricResult> = a.results.iter().filter(|r| r.metric == *m).collect();
        let kind = rows.first().map_or("", |r| match r.kind {
            MetricKind::Proportion => "proportion",
            MetricKind::Mean => "mean",
            MetricKind::Ratio => "ratio",
        });
        let _ = write!(s, r#"<h2>{} <small>({kind})</small></h2>"#, esc(m));
        let _ = write!(
            s,
            r#"<figure class="forest">{}<figcaption>Relative lift against {} with its {}% interval (line) and confidence sequence (shaded).</figcaption></figure>"#,
            forest(m, &rows, &colour),
            esc(rows.first().map_or("", |r| r.control.as_str())),
            num(100.0 * (1.0 - a.alpha))
        );
        if let Some(svg) = over_time(a, m, &colour) {
            let _ = write!(
                s,
                r#"<figure class="timeline">{svg}<figcaption>Cumulative absolute lift by day: fixed-horizon interval (band) and sequential boundary (dashed). Read the result on any day only where the dashed lines exclude 0.</figcaption></figure>"#
            );
        }
        for r in &rows {
            let Some(g) = &r.group_sequential else {
                continue;
            };
            let plan = format!(
                "{} of {} planned units, {} looks, {} spending at α {}",
                num((g.information * g.planned_units).round()),
                num(g.planned_units),
                g.looks,
                g.spending,
                num(g.alpha)
            );
            let said = match (&g.crossed, g.crossed_statistic) {
                (Some(day), Some(z)) => format!(
                    "crossed its boundary on {} (statistic {}): the test stops there",
                    esc(day),
                    num(z)
                ),
                _ => format!(
                    "has not crossed its boundary: statistic {} against ±{}",
                    num(g.statistic),
                    g.boundary.map_or("— (past the plan)".into(), num)
                ),
            };
            let _ = write!(
                s,
                r#"<p class="meta gs">Group-sequential plan ({plan}): {} {said}.</p>"#,
                esc(&r.variant)
            );
        }
    }
    if let Some(svg) = split_per_day(a, &colour) {
        let _ = write!(
            s,
            r#"<h2>Units per day</h2><figure class="split">{svg}<figcaption>Units entering the experiment each day, by variant.</figcaption></figure>"#
        );
    }
    s.push_str(
        r#"<h2>All results</h2><div class="scroll"><table><thead><tr><th>variant</th><th>metric</th><th>n</th><th>mean</th><th>control mean</th><th>abs. lift</th><th>interval</th><th>rel. lift</th><th>interval</th><th>p</th><th>Holm</th><th>BH</th><th>always-valid p</th><th>P(beats control)</th><th>verdict</th></tr></thead><tbody>"#,
    );
    for r in &a.results {
        let verdict = r.verdict.unwrap_or("withheld");
        let _ = write!(
            s,
            r#"<tr><td>{v}</td><td>{m}</td><td>{n}</td><td>{mt}</td><td>{mc}</td><td>{al}</td><td>[{a0}, {a1}]</td><td>{rl}</td><td>[{r0}, {r1}]</td><td>{pv}</td><td>{ph}</td><td>{pb}</td><td>{ps}</td><td>{pw}</td><td class="{verdict}">{verdict}</td></tr>"#,
            v = esc(&r.variant),
            m = esc(&r.metric),
            n = num(r.n[0]),
            mt = num(r.mean[0]),
            mc = num(r.mean[1]),
            al = num(r.abs_lift),
            a0 = num(r.abs_lift_ci.0),
            a1 = num(r.abs_lift_ci.1),
            rl = r.rel_lift.map_or("—".into(), pct),
            r0 = r.rel_lift_ci.map_or("—".into(), |c| pct(c.0)),
            r1 = r.rel_lift_ci.map_or("—".into(), |c| pct(c.1)),
            pv = p(r.p_value),
            ph = p(r.p_holm),
            pb = p(r.p_bh),
            ps = r.sequential.as_ref().map_or("—".into(), |q| p(q.p_value)),
            pw = r.bayes.as_ref().map_or("—".into(), |b| format!(
                "{:.1}%",
                100.0 * b.prob_beat_control
            )),
        );
    }
    s.push_str("</tbody></table></div>");
    let cuped: Vec<&MetricResult> = a.results.iter().filter(|r| r.cuped.is_some()).collect();
    if !cuped.is_empty() {
        s.push_str(r#"<h2>CUPED</h2><table><thead><tr><th>variant</th><th>metric</th><th>covariate</th><th>θ</th><th>variance removed</th><th>abs. lift</th><th>interval</th><th>p</th></tr></thead><tbody>"#);
        for r in cuped {
            if let Some(c) = &r.cuped {
                let _ = write!(
                    s,
                    r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{}</td><td>[{}, {}]</td><td>{}</td></tr>"#,
                    esc(&r.variant),
                    esc(&r.metric),
                    esc(&c.covariate),
                    num(c.theta),
                    100.0 * c.variance_reduction,
                    num(c.abs_lift),
                    num(c.abs_lift_ci.0),
                    num(c.abs_lift_ci.1),
                    p(c.p_value)
                );
            }
        }
        s.push_str("</tbody></table>");
    }
    if !a.segments.is_empty() {
        s.push_str(
            r#"<h2 id="segments">By segment</h2><p class="meta">Each segment's units analysed on their own (Holm across the segment's comparisons).</p><div class="scroll"><table class="seg"><thead><tr><th>segment</th><th>variant</th><th>metric</th><th>units</th><th>mean</th><th>control mean</th><th>abs. lift</th><th>interval</th><th>p</th><th>verdict</th></tr></thead><tbody>"#,
        );
        for seg in &a.segments {
            match (&seg.analysis, &seg.error) {
                (Some(x), _) => {
                    for r in &x.results {
                        let verdict = r.verdict.unwrap_or("withheld");
                        let _ = write!(
                            s,
                            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td><td>{}</td><td class="{verdict}">{verdict}</td></tr>"#,
                            esc(&seg.segment),
                            esc(&r.variant),
                            esc(&r.metric),
                            num(r.n[0]),
                            num(r.n[1]),
                            num(r.mean[0]),
                            num(r.mean[1]),
                            num(r.abs_lift),
                            num(r.abs_lift_ci.0),
                            num(r.abs_lift_ci.1),
                            p(r.p_value)
                        );
                    }
                    for e in &x.skipped {
                        let _ = write!(
                            s,
                            r#"<tr><td>{}</td><td colspan="9" style="text-align:left">not compared: {}</td></tr>"#,
                            esc(&seg.segment),
                            esc(&e.message)
                        );
                    }
                }
                (None, Some(e)) => {
                    let _ = write!(
                        s,
                        r#"<tr><td>{}</td><td colspan="9" style="text-align:left">{} units, not analysed: {}</td></tr>"#,
                        esc(&seg.segment),
                        num(seg.units),
                        esc(&e.message)
                    );
                }
                (None, None) => {}
            }
        }
        s.push_str("</tbody></table></div>");
    }
    s.push_str("<p class=\"meta\">Made by offerwise analyze.</p></main></body></html>\n");
    s
}
