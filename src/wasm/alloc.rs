//! The wasm build's allocator: the standard one (dlmalloc), growing the memory in steps.
//!
//! dlmalloc grows the wasm memory by what the allocation at hand needs, 64 KiB at a time for
//! small ones, and every `memory.grow` costs the JS engine about half a millisecond (V8 in
//! Node 20: 4,400 one-page grows take 1.9 s). A first call that builds a large document (a
//! 6 MB condition becomes 275 MiB of nodes) grew the memory thousands of times: 4.7 s in a
//! fresh instance against 230 ms once the memory was there (found by the wasm fuzzing). So
//! whenever an allocation made dlmalloc grow the memory, a block as large as the memory was
//! (at least 1 MiB, at most 64 MiB) is allocated and freed at once: dlmalloc grows once for it
//! and carves the next allocations from the freed block. The memory grows a few dozen times
//! instead of thousands, and holds at most 64 MiB it does not use yet (wasm memory never
//! shrinks, whatever the allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::arch::wasm32::memory_size;

const PAGE: usize = 64 * 1024;
const MIN_STEP: usize = 1 << 20;
const MAX_STEP: usize = 64 << 20;

pub struct Stepped;

/// After an allocation that grew the memory from `before` pages: reserve the next step.
///
/// # Safety
/// Called from the allocator only, outside any other allocation.
#[cold]
#[inline(never)]
unsafe fn step(before: usize) {
    if memory_size(0) == before {
        return;
    }
    let size = (before * PAGE).clamp(MIN_STEP, MAX_STEP);
    if let Ok(layout) = Layout::from_size_align(size, 16) {
        // SAFETY: a non-zero size; the block is freed with the layout it was made with.
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            // SAFETY: allocated just above with this layout.
            unsafe { System.dealloc(block, layout) };
        }
    }
}

// Every method is `#[inline(never)]`, as the default allocator's entry points are: at
// opt-level 3 (the data build) LTO inlined `System`'s dlmalloc into every allocation and drop
// site, 1,031,228 -> 1,071,787 B of gzip, 40 KB of it from `dealloc` alone.
//
// SAFETY: every call goes to `System` unchanged; `step` only allocates and frees a block of
// its own.
unsafe impl GlobalAlloc for Stepped {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let before = memory_size(0);
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc(layout) };
        // SAFETY: outside any other allocation.
        unsafe { step(before) };
        p
    }

    #[inline(never)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let before = memory_size(0);
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        // SAFETY: outside any other allocation.
        unsafe { step(before) };
        p
    }

    #[inline(never)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline(never)]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = memory_size(0);
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        // SAFETY: outside any other allocation.
        unsafe { step(before) };
        p
    }
}

#[global_allocator]
static ALLOCATOR: Stepped = Stepped;
