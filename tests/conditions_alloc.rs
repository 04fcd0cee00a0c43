//! `Condition::eval` allocates nothing: every case of the corpus is evaluated under a counting
//! global allocator (after one warm-up pass, in which the regex crate creates each pattern's
//! matching cache).

use offerwise::offers::conditions::{Condition, SavedGroups};
use serde_json::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: as for `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn eval_allocates_nothing() {
    let corpus: Value =
        serde_json::from_str(include_str!("vectors/conditions.json")).expect("corpus");
    let cases: Vec<(Condition, Value, SavedGroups, bool)> = corpus["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (
                Condition::parse(&c[2]).expect("condition"),
                c[1].clone(),
                SavedGroups::parse(&c[3]).expect("groups"),
                c[4].as_bool().expect("expected"),
            )
        })
        .collect();
    for (cond, attrs, groups, _) in &cases {
        cond.eval(attrs, groups);
    }
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let mut agree = 0usize;
    for (cond, attrs, groups, expected) in &cases {
        if cond.eval(attrs, groups) == *expected {
            agree += 1;
        }
    }
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(agree, cases.len());
    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        0,
        "evaluating {} conditions allocated",
        cases.len()
    );
}
