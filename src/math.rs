//! Transcendental functions that give the same bits on every target.
//!
//! `f64::ln`, `exp`, `powf`, ... call the platform's C library natively (glibc here) but a
//! Rust port of musl's libm in WebAssembly, and the two differ in the last bits for some
//! inputs: a decision in the browser would then differ from the CLI's. Everything here goes
//! through the `libm` crate on every target instead. (`+ − × ÷` and `sqrt` are exactly rounded
//! by IEEE 754 and need nothing.)

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// `ln(1 + x)`, accurate near 0.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// `e^x`.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// `e^x − 1`, accurate near 0.
#[inline]
pub fn exp_m1(x: f64) -> f64 {
    libm::expm1(x)
}

/// `x^y`.
#[inline]
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// Sine.
#[inline]
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

/// Arc tangent.
#[inline]
pub fn atan(x: f64) -> f64 {
    libm::atan(x)
}
