//! The two degenerate fits of issue 7, reproduced, and how they are refused now.
//!
//! 1. `offerwise train --k 2` on four customers stored BG/NBD `r = 67 833 557` with
//!    `converged: true`. On the four customers below the raw optimiser runs away the same
//!    way in another direction (`a ≈ 1.1e8, b ≈ 4.3e7`, "converged"); the lifetime-value fit
//!    that `train` calls (`offerwise::train::fit_clv`) now refuses it.
//! 2. `offerwise clv --penalizer 0.001` printed `a = 0, b = 0` ("converged") on CDNOW (master
//!    file, calibration end 1997-01-08: `a ≈ 3e-5, b ≈ 9e-6`): the optimum is at the lower
//!    edge of the parameter space; the fit the `clv` command calls
//!    (`offerwise::clv::fit_clv_model`) now refuses it.

use offerwise::clv::{fit_bgnbd, fit_clv_model, CustomerSummary, PurchaseModelKind, TimeUnit};
use offerwise::train;
use offerwise::transactions::{self, Format};

/// Four customers, three of them repeat buyers (CDNOW text format).
const FOUR: &str = "1 19970101 1 10\n1 19970201 1 20\n1 19970301 1 15\n2 19970105 1 30\n\
                    2 19970110 1 25\n3 19970201 1 12\n4 19970301 1 40\n4 19970315 1 5\n";

fn customers(text: &str) -> Vec<offerwise::customer::Customer> {
    let (rows, report) = transactions::read(text.as_bytes(), Format::Cdnow, false).expect("read");
    assert_eq!(report.skipped, 0);
    transactions::customers(&rows)
}

fn at(date: &str) -> i64 {
    offerwise::time::parse_instant(date, 0).expect("date")
}

#[test]
fn four_customers_train_k2_is_refused_not_stored_as_converged() {
    let cs = customers(FOUR);
    assert_eq!(cs.len(), 4);
    let now = at("1997-06-01");
    // The defect: the plain BG/NBD optimiser "converges" to exploding parameters.
    let rows = train::clv_summaries(&cs, now, None, TimeUnit::Weeks).expect("summaries");
    let summaries: Vec<CustomerSummary> = rows.iter().map(|(s, _)| *s).collect();
    let raw = fit_bgnbd(&summaries, 0.0).expect("raw fit");
    eprintln!(
        "raw BG/NBD fit on four customers: {:?} {:?}",
        raw.params, raw.optimizer
    );
    assert!(
        raw.params.r > 1e4 || raw.params.a < 1e-4 || raw.params.b > 1e4 || !raw.optimizer.converged,
        "the raw fit no longer runs away: {raw:?}"
    );
    // The fix: the fit `offerwise train` calls refuses, with every model choice.
    let e = train::fit_clv(&cs, now, TimeUnit::Weeks, 0.0).unwrap_err();
    assert!(e.contains("clv.too_few_repeat_buyers"), "{e}");
    for kind in PurchaseModelKind::ALL {
        let e = train::fit_clv_with(&cs, now, TimeUnit::Weeks, 0.0, Some(kind)).unwrap_err();
        assert!(e.contains("clv.too_few_repeat_buyers"), "{kind:?}: {e}");
        assert!(e.contains("at least 10 repeat buyers"), "{e}");
    }
    // With enough (identical) repeat buyers the repeat-buyer check passes, and the runaway
    // parameters are caught by the bounds check instead.
    let many: Vec<CustomerSummary> = summaries.iter().cycle().take(40).copied().collect();
    let e = fit_clv_model(&many, PurchaseModelKind::BgNbd, TimeUnit::Weeks, now, 0.0).unwrap_err();
    assert!(
        matches!(e.code(), "clv.degenerate_fit" | "clv.not_converged"),
        "{e}"
    );
}

#[test]
fn cdnow_penalized_fit_with_a_at_zero_is_refused() {
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/cdnow/CDNOW_master.txt"
    ))
    .expect("data/cdnow/CDNOW_master.txt");
    let (rows, _) = transactions::read(file, Format::Cdnow, false).expect("CDNOW reads");
    let cs = transactions::customers(&rows);
    let cal = at("1997-01-08");
    let rows = train::clv_summaries(&cs, cal, None, TimeUnit::Weeks).expect("summaries");
    let summaries: Vec<CustomerSummary> = rows.iter().map(|(s, _)| *s).collect();
    // The defect: a "converged" fit with a ≈ 0 (printed as a = 0.0000).
    let raw = fit_bgnbd(&summaries, 0.001).expect("raw fit");
    eprintln!(
        "raw BG/NBD fit, CDNOW to 1997-01-08, penalizer 0.001: {:?}",
        raw.params
    );
    assert!(raw.optimizer.converged && raw.params.a < 5e-5, "{raw:?}");
    // The fix: refused with a message that says which parameter and what to do.
    let e = fit_clv_model(
        &summaries,
        PurchaseModelKind::BgNbd,
        TimeUnit::Weeks,
        cal,
        0.001,
    )
    .unwrap_err();
    assert_eq!(e.code(), "clv.degenerate_fit", "{e}");
    let msg = e.to_string();
    assert!(msg.contains("a = ") && msg.contains("below 1e-4"), "{msg}");
    assert!(msg.contains("smaller penalizer"), "{msg}");
}
