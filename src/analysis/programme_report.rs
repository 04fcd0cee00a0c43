//! "Does the programme pay?" as one self-contained HTML page (no script, no font, no request;
//! inline SVG), from an [`Effectiveness`]:
//!
//! 1. the answer first: the programme's effect per customer against the holdout (causal), the
//!    matched difference-in-differences per member (assumptions stated), and the naive
//!    members-vs-non-members difference they correct, side by side with their intervals;
//! 2. the holdout comparison metric by metric (relative lift, CUPED), and the ROI;
//! 3. the matched design: the balance plot (standardised mean differences before and after
//!    matching), the event-time plot around enrolment and the placebo;
//! 4. the KPIs with their intervals and the retention curves of the first-purchase cohorts;
//! 5. the points: issued, redeemed and expired month by month with the outstanding balance,
//!    breakage and the liability;
//! 6. NPS.

use super::effectiveness::Effectiveness;
use super::kpis::Interval;
use super::report::{domain, esc, num, p, page_head, tick_label, y_grid, Scale, PALETTE};
use std::fmt::Write;

/// One row of an interval plot: label, estimate, interval, colour.
struct Row<'a> {
    label: String,
    value: f64,
    ci: (f64, f64),
    colour: &'a str,
}

/// Horizontal intervals against a zero line (`percent`: the values are fractions).
fn interval_plot(rows: &[Row], percent: bool, id: &str, caption: &str) -> String {
    let (w, row_h, left, right, top) = (720.0, 30.0, 230.0, 30.0, 24.0);
    let h = top + row_h * rows.len() as f64 + 30.0;
    let (lo, hi) = domain(rows.iter().flat_map(|r| [r.ci.0, r.ci.1, r.value]));
    let x = Scale::new(lo, hi, left, w - right);
    let mut s = format!(
        r#"<figure id="{id}"><svg viewBox="0 0 {w} {h}" role="img" aria-label="{cap}">"#,
        cap = esc(caption)
    );
    for t in x.ticks(6) {
        let px = x.at(t);
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{y2:.1}" stroke="{c}"/><text class="tick" x="{px:.1}" y="{ty:.1}" text-anchor="middle">{l}</text>"##,
            y2 = h - 24.0,
            ty = h - 8.0,
            c = if t == 0.0 { "#334155" } else { "#e2e8f0" },
            l = tick_label(t, percent)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * (i as f64 + 0.5);
        let (a, b) = (x.at(r.ci.0), x.at(r.ci.1));
        let _ = write!(
            s,
            r#"<text class="label" x="{tx}" y="{ly:.1}" text-anchor="end">{l}</text>"#,
            tx = left - 10.0,
            ly = y + 4.0,
            l = esc(&r.label)
        );
        if a.is_finite() && b.is_finite() {
            let _ = write!(
                s,
                r#"<line x1="{a:.1}" x2="{b:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{c}" stroke-width="3" stroke-linecap="round"/>"#,
                c = r.colour
            );
        }
        if r.value.is_finite() {
            let _ = write!(
                s,
                r#"<circle cx="{cx:.1}" cy="{y:.1}" r="5" fill="{c}"/>"#,
                cx = x.at(r.value),
                c = r.colour
            );
        }
    }
    let _ = write!(
        s,
        "</svg><figcaption>{}</figcaption></figure>",
        esc(caption)
    );
    s
}

/// Lines (`series`: name, colour, points), optionally with an interval band per point, a
/// vertical marker at `x = marker`, and y as percent.
/// A named line: name, colour, `(x, y)` points.
type Series<'a> = (String, &'a str, Vec<(f64, f64)>);
/// An interval band: colour, `(x, low, high)` points.
type Band<'a> = (&'a str, Vec<(f64, f64, f64)>);

struct Lines<'a> {
    series: Vec<Series<'a>>,
    bands: Vec<Band<'a>>,
    marker: Option<f64>,
    percent: bool,
    zero: bool,
    x_label: &'a str,
}

fn line_plot(l: &Lines, id: &str, caption: &str) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 300.0, 60.0, 20.0, 16.0, 44.0);
    let xs = l
        .series
        .iter()
        .flat_map(|s| s.2.iter().map(|p| p.0))
        .chain(l.bands.iter().flat_map(|b| b.1.iter().map(|p| p.0)));
    let (xlo, xhi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let ys = l.series.iter().flat_map(|s| s.2.iter().map(|p| p.1)).chain(
        l.bands
            .iter()
            .flat_map(|b| b.1.iter().flat_map(|p| [p.1, p.2])),
    );
    let (ylo, yhi) = if l.zero {
        domain(ys)
    } else {
        let (a, b) = ys
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        (a.min(0.0), b * 1.05)
    };
    let x = Scale::new(xlo, xhi, left, w - right);
    let y = Scale::new(ylo, yhi, h - bottom, top);
    let mut s = format!(
        r#"<figure id="{id}"><svg viewBox="0 0 {w} {h}" role="img" aria-label="{cap}">"#,
        cap = esc(caption)
    );
    y_grid(&mut s, &y, left, w - right, &|t| tick_label(t, l.percent));
    for t in x.ticks(8) {
        let _ = write!(
            s,
            r#"<text class="tick" x="{px:.1}" y="{ty}" text-anchor="middle">{lab}</text>"#,
            px = x.at(t),
            ty = h - bottom + 16.0,
            lab = tick_label(t, false)
        );
    }
    let _ = write!(
        s,
        r#"<text class="tick" x="{cx}" y="{ty}" text-anchor="middle">{xl}</text>"#,
        cx = (left + w - right) / 2.0,
        ty = h - 6.0,
        xl = esc(l.x_label)
    );
    if let Some(m) = l.marker {
        let px = x.at(m);
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{y2}" stroke="#64748b" stroke-dasharray="4 3"/>"##,
            y2 = h - bottom
        );
    }
    for (colour, pts) in &l.bands {
        let upper: Vec<String> = pts
            .iter()
            .filter(|p| p.2.is_finite())
            .map(|p| format!("{:.1},{:.1}", x.at(p.0), y.at(p.2)))
            .collect();
        let lower: Vec<String> = pts
            .iter()
            .rev()
            .filter(|p| p.1.is_finite())
            .map(|p| format!("{:.1},{:.1}", x.at(p.0), y.at(p.1)))
            .collect();
        if !upper.is_empty() {
            let _ = write!(
                s,
                r#"<polygon points="{} {}" fill="{colour}" opacity="0.15"/>"#,
                upper.join(" "),
                lower.join(" ")
            );
        }
    }
    for (name, colour, pts) in &l.series {
        let path: Vec<String> = pts
            .iter()
            .filter(|p| p.1.is_finite())
            .map(|p| format!("{:.1},{:.1}", x.at(p.0), y.at(p.1)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"><title>{}</title></polyline>"#,
            path.join(" "),
            esc(name)
        );
        for p in pts.iter().filter(|p| p.1.is_finite()) {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{colour}"/>"#,
                x.at(p.0),
                y.at(p.1)
            );
        }
    }
    let _ = write!(s, "</svg>");
    if l.series.len() > 1 {
        s.push_str(r#"<div class="legend">"#);
        for (name, colour, _) in &l.series {
            let _ = write!(
                s,
                r#"<span><i class="sw" style="background:{colour}"></i>{}</span>"#,
                esc(name)
            );
        }
        s.push_str("</div>");
    }
    let _ = write!(s, "<figcaption>{}</figcaption></figure>", esc(caption));
    s
}

/// Monthly points: issued up, redeemed and expired down, the outstanding balance as a line.
fn points_plot(e: &Effectiveness) -> Option<String> {
    let p = e.kpis.points.as_ref()?;
    if p.months.is_empty() {
        return None;
    }
    let (w, h, left, right, top, bottom) = (720.0, 300.0, 70.0, 20.0, 16.0, 56.0);
    let hi = p
        .months
        .iter()
        .map(|m| (m.issued as f64).max(m.outstanding as f64))
        .fold(0.0, f64::max);
    let lo = -p
        .months
        .iter()
        .map(|m| (m.redeemed + m.expired) as f64)
        .fold(0.0, f64::max);
    let y = Scale::new(lo * 1.05, hi * 1.05, h - bottom, top);
    let n = p.months.len() as f64;
    let bw = (w - left - right) / n;
    let mut s = format!(
        r#"<figure id="points-flow"><svg viewBox="0 0 {w} {h}" role="img" aria-label="Points issued, redeemed, expired and outstanding by month">"#
    );
    y_grid(&mut s, &y, left, w - right, &num);
    let zero = y.at(0.0);
    let mut line = Vec::new();
    for (i, m) in p.months.iter().enumerate() {
        let x0 = left + bw * i as f64 + bw * 0.15;
        let bar = bw * 0.7;
        let up = y.at(m.issued as f64);
        let red = y.at(-(m.redeemed as f64));
        let exp = y.at(-((m.redeemed + m.expired) as f64));
        let _ = write!(
            s,
            r#"<rect x="{x0:.1}" y="{up:.1}" width="{bar:.1}" height="{hu:.1}" fill="{c0}"><title>{mo}: {iss} issued</title></rect><rect x="{x0:.1}" y="{zero:.1}" width="{bar:.1}" height="{hr:.1}" fill="{c1}"><title>{mo}: {rd} redeemed</title></rect><rect x="{x0:.1}" y="{red:.1}" width="{bar:.1}" height="{he:.1}" fill="{c2}"><title>{mo}: {ex} expired</title></rect>"#,
            hu = (zero - up).max(0.0),
            hr = (red - zero).max(0.0),
            he = (exp - red).max(0.0),
            c0 = PALETTE[0],
            c1 = PALETTE[2],
            c2 = PALETTE[1],
            mo = m.month,
            iss = num(m.issued as f64),
            rd = num(m.redeemed as f64),
            ex = num(m.expired as f64),
        );
        line.push(format!(
            "{:.1},{:.1}",
            x0 + bar / 2.0,
            y.at(m.outstanding as f64)
        ));
        if p.months.len() <= 12 || i % 3 == 0 {
            let _ = write!(
                s,
                r#"<text class="tick" x="{tx:.1}" y="{ty}" text-anchor="middle">{mo}</text>"#,
                tx = x0 + bar / 2.0,
                ty = h - bottom + 16.0,
                mo = m.month
            );
        }
    }
    let _ = write!(
        s,
        r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/></svg><div class="legend"><span><i class="sw" style="background:{}"></i>issued</span><span><i class="sw" style="background:{}"></i>redeemed</span><span><i class="sw" style="background:{}"></i>expired</span><span><i class="sw" style="background:{}"></i>outstanding (balance)</span></div><figcaption>Points by month: issued above the line, redeemed and expired below it; the line is the points outstanding at the end of each month.</figcaption></figure>"#,
        line.join(" "),
        PALETTE[3],
        PALETTE[0],
        PALETTE[2],
        PALETTE[1],
        PALETTE[3]
    );
    Some(s)
}

fn ci(i: &Interval, percent: bool) -> String {
    if percent {
        format!(
            "{:.2}% [{:.2}%, {:.2}%]",
            100.0 * i.value,
            100.0 * i.ci.0,
            100.0 * i.ci.1
        )
    } else {
        format!("{} [{}, {}]", num(i.value), num(i.ci.0), num(i.ci.1))
    }
}

/// The page.
pub fn html(e: &Effectiveness, title: &str) -> String {
    let mut s = page_head(title);
    let _ = writeln!(
        s,
        r#"<p class="meta">Data to {now} · windows of {w} days · intervals at {lvl}%</p>"#,
        now = esc(&e.now),
        w = e.window_days,
        lvl = num(100.0 * (1.0 - e.kpis.alpha)),
    );

    // 1. The answer.
    let revenue = e
        .holdout
        .as_ref()
        .and_then(|a| a.results.iter().find(|r| r.metric == "revenue"));
    let mut rows = Vec::new();
    if let Some(r) = revenue {
        let (v, c) = match &r.cuped {
            Some(c) => (c.abs_lift, c.abs_lift_ci),
            None => (r.abs_lift, r.abs_lift_ci),
        };
        rows.push(Row {
            label: "Holdout: per customer reached".into(),
            value: v,
            ci: c,
            colour: PALETTE[2],
        });
    }
    if let Some(d) = &e.matched {
        rows.push(Row {
            label: "Matched DiD: per member".into(),
            value: d.effect.estimate.effect,
            ci: d.effect.estimate.ci,
            colour: PALETTE[0],
        });
        rows.push(Row {
            label: "Naive: members − non-members".into(),
            value: d.naive.effect,
            ci: d.naive.ci,
            colour: PALETTE[3],
        });
    }
    s.push_str("<h2>The answer</h2>");
    if rows.is_empty() {
        s.push_str(r#"<p class="banner warn">No holdout comparison (give the decision log and the outcomes) and no members to match (give the enrolment dates): only the KPIs below.</p>"#);
    } else {
        s.push_str(&interval_plot(
            &rows,
            false,
            "answer",
            &format!(
                "Extra revenue in the {} days after the programme reached a customer (holdout) or a member enrolled (matched), with its interval. Only the holdout estimate is causal by design.",
                e.window_days
            ),
        ));
        s.push_str(r#"<div class="banner ok" id="reading"><b>How to read this.</b> <ul>"#);
        if let Some(r) = revenue {
            let (v, c) = match &r.cuped {
                Some(c) => (c.abs_lift, c.abs_lift_ci),
                None => (r.abs_lift, r.abs_lift_ci),
            };
            let _ = write!(
                s,
                "<li><b>Causal:</b> against the global holdout, the programme adds {} [{}, {}] of revenue per customer it reaches (held-out and reached customers were split at random before the programme touched them).</li>",
                num(v),
                num(c.0),
                num(c.1)
            );
        }
        if let Some(d) = &e.matched {
            let _ = write!(
                s,
                "<li><b>Rests on assumptions:</b> members against matched non-members, {} [{}, {}] per member. {}{}</li><li><b>Biased:</b> the naive difference, {} per member, mostly measures who joins: members were better customers before they enrolled.</li>",
                num(d.effect.estimate.effect),
                num(d.effect.estimate.ci.0),
                num(d.effect.estimate.ci.1),
                esc(d.assumptions),
                match &d.placebo {
                    Some(pl) if pl.passes => format!(" The placebo {} days earlier finds nothing ({} [{}, {}]).", pl.shift_days, num(pl.estimate.estimate.effect), num(pl.estimate.estimate.ci.0), num(pl.estimate.estimate.ci.1)),
                    Some(pl) => format!(" <b>The placebo {} days earlier finds an effect ({} [{}, {}]): the matched non-members did not move as the members did before enrolment, so this estimate is not to be trusted.</b>", pl.shift_days, num(pl.estimate.estimate.effect), num(pl.estimate.estimate.ci.0), num(pl.estimate.estimate.ci.1)),
                    None => String::new(),
                },
                num(d.naive.effect)
            );
        }
        s.push_str("</ul></div>");
    }

    // 2. The holdout, metric by metric.
    if let Some(a) = &e.holdout {
        s.push_str("<h2>Against the global holdout</h2>");
        if !a.srm.ok {
            let _ = write!(
                s,
                r#"<div class="banner bad" role="alert">Sample ratio mismatch (p {}): the holdout is not the planned share of customers; the comparison is withheld until assignment or logging is fixed.</div>"#,
                p(a.srm.p_value)
            );
        }
        let rows: Vec<Row> = a
            .results
            .iter()
            .filter_map(|r| {
                let (v, c) = r.rel_lift.zip(r.rel_lift_ci)?;
                Some(Row {
                    label: r.metric.clone(),
                    value: v,
                    ci: c,
                    colour: PALETTE[2],
                })
            })
            .collect();
        s.push_str(&interval_plot(
            &rows,
            true,
            "holdout-lift",
            "Relative lift of the customers the programme reaches over the held-out ones, per metric.",
        ));
        s.push_str("<table><tr><th>metric</th><th>kind</th><th>reached</th><th>held out</th><th>difference</th><th>interval</th><th>with CUPED</th><th>p</th></tr>");
        for r in &a.results {
            let cu = r.cuped.as_ref().map_or("—".into(), |c| {
                format!(
                    "{} [{}, {}] (−{:.0}% variance)",
                    num(c.abs_lift),
                    num(c.abs_lift_ci.0),
                    num(c.abs_lift_ci.1),
                    100.0 * c.variance_reduction
                )
            });
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{:?}</td><td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td><td>{}</td><td>{}</td></tr>",
                esc(&r.metric),
                r.kind,
                num(r.mean[0]),
                num(r.mean[1]),
                num(r.abs_lift),
                num(r.abs_lift_ci.0),
                num(r.abs_lift_ci.1),
                cu,
                p(r.p_value)
            );
        }
        s.push_str("</table>");
        if let Some(roi) = &a.roi {
            let _ = write!(
                s,
                r#"<p id="roi">Return on incentives: incremental net margin {} [{}, {}] per customer for {} more incentives per customer; ROI {}.</p>"#,
                num(roi.incremental_net_margin),
                num(roi.incremental_net_margin_ci.0),
                num(roi.incremental_net_margin_ci.1),
                num(roi.incremental_incentives),
                match (roi.roi, roi.roi_ci) {
                    (Some(v), Some(c)) => format!("{} [{}, {}]", num(v), num(c.0), num(c.1)),
                    (Some(v), None) => num(v),
                    _ => "— (the incentives do not differ)".into(),
                }
            );
        }
    }

    // 3. The matched design.
    if let Some(d) = &e.matched {
        s.push_str("<h2>Members against matched non-members</h2>");
        let c = &d.counts;
        let _ = write!(
            s,
            r#"<p class="meta">{} members: {} matched with {} distinct non-members (mean distance {}, largest {}); left out: {} without an order before enrolling, {} whose window ends after the data, {} without a match.</p>"#,
            num(c.members as f64),
            num(c.matched as f64),
            num(c.controls as f64),
            num(d.mean_distance),
            num(d.max_distance),
            num(c.no_history as f64),
            num(c.incomplete_window as f64),
            num(c.unmatched as f64)
        );
        let mut rows = Vec::new();
        for b in &d.balance {
            rows.push(Row {
                label: format!("{} before", b.covariate),
                value: b.smd_before,
                ci: (f64::NAN, f64::NAN),
                colour: PALETTE[3],
            });
            rows.push(Row {
                label: format!("{} after", b.covariate),
                value: b.smd_after,
                ci: (f64::NAN, f64::NAN),
                colour: PALETTE[0],
            });
        }
        s.push_str(&interval_plot(
            &rows,
            false,
            "balance",
            "Standardised mean differences of members and non-members before and after matching; |SMD| < 0.1 is balanced.",
        ));
        s.push_str("<table><tr><th>covariate</th><th>members</th><th>non-members</th><th>matched</th><th>SMD before</th><th>SMD after</th></tr>");
        for b in &d.balance {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td></tr>",
                b.covariate,
                num(b.members),
                num(b.non_members),
                num(b.matched),
                b.smd_before,
                b.smd_after
            );
        }
        s.push_str("</table>");
        let mid = |p: &super::did::EventPoint| (p.from_day + p.to_day) as f64 / 2.0;
        s.push_str(&line_plot(
            &Lines {
                series: vec![(
                    "member − match".into(),
                    PALETTE[0],
                    d.event_time.iter().map(|p| (mid(p), p.effect)).collect(),
                )],
                bands: vec![(
                    PALETTE[0],
                    d.event_time
                        .iter()
                        .map(|p| (mid(p), p.ci.0, p.ci.1))
                        .collect(),
                )],
                marker: Some(0.0),
                percent: false,
                zero: true,
                x_label: "days from enrolment",
            },
            "event-time",
            "Event time: the matched difference in each period around enrolment, less the period just before it, with its interval. Flat before the dashed line is what parallel trends look like.",
        ));
    }

    // 4. KPIs.
    let k = &e.kpis;
    s.push_str(
        "<h2>Loyalty KPIs</h2><table id=\"kpis\"><tr><th>KPI</th><th>value [interval]</th></tr>",
    );
    let mut kpi = |name: &str, v: String| {
        let _ = write!(s, "<tr><td>{name}</td><td>{v}</td></tr>");
    };
    kpi("customers", num(k.customers as f64));
    kpi("orders", num(k.orders as f64));
    kpi("revenue", num(k.revenue));
    kpi("repeat-purchase rate", ci(&k.repeat_rate, true));
    kpi("orders per customer", ci(&k.frequency, false));
    if let Some(a) = &k.average_check {
        kpi("average check", ci(a, false));
    }
    kpi(
        &format!("churned (no order in {} days)", k.churn_days),
        ci(&k.churn_recency, true),
    );
    if let Some(c) = &k.churn_model {
        kpi("churn risk (1 − P(alive), model)", ci(c, true));
    }
    if let Some(c) = &k.clv {
        kpi("customer lifetime value (mean)", ci(c, false));
    }
    if let Some(pk) = &k.points {
        kpi("points issued", num(pk.issued as f64));
        kpi("points redeemed", num(pk.redeemed as f64));
        kpi("points expired", num(pk.expired as f64));
        kpi("points outstanding", num(pk.outstanding as f64));
        if let Some(r) = &pk.redemption_rate {
            kpi("redemption rate", ci(r, true));
        }
        kpi(
            "breakage (closed cohorts)",
            pk.breakage.as_ref().map_or(
                "— (no month's points are all spent or expired yet)".into(),
                |b| format!("{} over {} closed months", ci(b, true), pk.closed_cohorts),
            ),
        );
        if let Some(v) = pk.outstanding_value {
            kpi("outstanding points at face value", num(v));
        }
        if let Some(l) = &pk.liability {
            kpi("points liability (expected redemption)", ci(l, false));
        }
    }
    s.push_str("</table>");
    let cohorts: Vec<_> = k.cohorts.iter().filter(|c| c.retention.len() > 1).collect();
    if !cohorts.is_empty() {
        s.push_str(&line_plot(
            &Lines {
                series: cohorts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        (
                            format!("{} ({} customers)", c.month, num(c.customers as f64)),
                            PALETTE[i % PALETTE.len()],
                            c.retention
                                .iter()
                                .enumerate()
                                .skip(1)
                                .map(|(m, r)| (m as f64, *r))
                                .collect(),
                        )
                    })
                    .collect(),
                bands: Vec::new(),
                marker: None,
                percent: true,
                zero: false,
                x_label: "months after the first purchase",
            },
            "retention",
            "Retention of each first-purchase cohort: the share with an order in each later month.",
        ));
        s.push_str(
            "<div class=\"scroll\"><table id=\"cohorts\"><tr><th>cohort</th><th>customers</th>",
        );
        let longest = cohorts.iter().map(|c| c.retention.len()).max().unwrap_or(0);
        for m in 1..longest {
            let _ = write!(s, "<th>+{m}</th>");
        }
        s.push_str("</tr>");
        for c in &cohorts {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td>",
                c.month,
                num(c.customers as f64)
            );
            for m in 1..longest {
                match c.retention.get(m) {
                    Some(r) => {
                        let _ = write!(s, "<td>{:.1}%</td>", 100.0 * r);
                    }
                    None => s.push_str("<td></td>"),
                }
            }
            s.push_str("</tr>");
        }
        s.push_str("</table></div>");
    }

    // 5. Points.
    if let Some(plot) = points_plot(e) {
        s.push_str("<h2>Points</h2>");
        s.push_str(&plot);
    }

    // 6. NPS.
    if let Some(n) = &e.nps {
        let o = &n.overall;
        let _ = write!(
            s,
            r#"<h2>Net Promoter Score</h2><p id="nps">NPS {:+.1} [{:+.1}, {:+.1}] from {} answers ({} promoters, {} passives, {} detractors).</p>"#,
            o.score,
            o.score_ci.0,
            o.score_ci.1,
            num(o.n),
            num(o.promoters),
            num(o.passives),
            num(o.detractors)
        );
        if !n.comparisons.is_empty() {
            s.push_str("<table><tr><th>group</th><th>against</th><th>difference (points)</th><th>p (Holm)</th></tr>");
            for c in &n.comparisons {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{:+.1} [{:+.1}, {:+.1}]</td><td>{}</td></tr>",
                    esc(&c.group),
                    esc(&c.control),
                    c.diff,
                    c.diff_ci.0,
                    c.diff_ci.1,
                    p(c.p_holm)
                );
            }
            s.push_str("</table>");
        }
    }
    // 7. A candidate policy, offline.
    if let Some(pe) = &e.policy {
        s.push_str("<h2>A candidate policy, before running it</h2>");
        let mut rows = vec![Row {
            label: "logging policy (logged)".into(),
            value: pe.ope.logged.value,
            ci: pe.ope.logged.ci,
            colour: PALETTE[3],
        }];
        for (label, est) in [
            ("candidate: IPS", Some(&pe.ope.ips)),
            ("candidate: SNIPS", Some(&pe.ope.snips)),
            ("candidate: doubly robust", pe.ope.dr.as_ref()),
        ] {
            if let Some(x) = est {
                rows.push(Row {
                    label: label.into(),
                    value: x.value,
                    ci: x.ci,
                    colour: PALETTE[0],
                });
            }
        }
        s.push_str(&interval_plot(
            &rows,
            false,
            "ope",
            &format!(
                "Value per decision ({}) of the candidate {}, estimated from the logged propensities of {} decisions, beside the logging policy's.",
                match pe.reward {
                    super::ope::Reward::Value => "net value of the first offer taken up",
                    super::ope::Reward::TakeUp => "take-up of the first offer",
                },
                pe.policy_version.as_deref().unwrap_or(&pe.program_version),
                pe.ope.decisions
            ),
        ));
        let _ = write!(
            s,
            r#"<p id="ope-reading">Candidate − logging policy: {} [{}, {}] per decision; effective sample size {} of {} decisions.</p>"#,
            num(pe.lift.value),
            num(pe.lift.ci.0),
            num(pe.lift.ci.1),
            num(pe.ope.effective_sample_size.round()),
            num(pe.ope.decisions as f64)
        );
        if let Some(w) = &pe.ope.warning {
            let _ = write!(
                s,
                r#"<div class="banner warn" role="alert">{}</div>"#,
                esc(w)
            );
        }
    }
    if !e.skipped.is_empty() {
        s.push_str(r#"<div class="banner warn" id="skipped">Not made: <ul>"#);
        for x in &e.skipped {
            let _ = write!(
                s,
                "<li>{} ({}): {}</li>",
                esc(&x.path),
                esc(&x.code),
                esc(&x.message)
            );
        }
        s.push_str("</ul></div>");
    }
    s.push_str("<p class=\"meta\">Made by offerwise. Every number is in the JSON beside this page.</p></main></body></html>\n");
    s
}
