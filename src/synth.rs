//! Synthetic customers for benchmarks at scale: any number, any one of them made on its own
//! from `(seed, index)`, so that a batch job generates them in parallel and streaming, without
//! holding them (`examples/batch_bench.rs` scores 10,000,000).
//!
//! Each customer has 1 to 60 orders (geometric, mean about 5) over the two years before
//! [`NOW_MS`], gaps between orders exponential with a customer-specific mean of 15 to 120 days,
//! amounts log-normal around a customer-specific typical basket of 15 to 120 (two decimals),
//! and one order line in one of eight categories. The generator is xoshiro256++ seeded by
//! SplitMix64 of `seed` and `index`; it is not a model of any real shop.

use crate::customer::{Customer, Id, Item, Order, TimeValue};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The `now` the customers are made for: 2025-06-01T00:00:00Z.
pub const NOW_MS: i64 = 1_748_736_000_000;
const DAY_MS: f64 = 86_400_000.0;
const CATEGORIES: [&str; 8] = [
    "jazz",
    "rock",
    "classical",
    "pop",
    "soundtracks",
    "world",
    "electronic",
    "folk",
];

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    // 53 random bits in [0, 1).
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    // Box-Muller; 1 - u keeps the logarithm finite.
    let (u, v) = (1.0 - uniform(rng), uniform(rng));
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Customer `index` of the population `seed`.
pub fn customer(seed: u64, index: u64) -> Customer {
    let mut rng =
        Xoshiro256PlusPlus::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut n = 1;
    while n < 60 && uniform(&mut rng) < 0.8 {
        n += 1;
    }
    let mean_gap = 15.0 + 105.0 * uniform(&mut rng);
    let basket = 15.0 + 105.0 * uniform(&mut rng);
    let category = CATEGORIES[(rng.next_u64() % 8) as usize];
    let span = 730.0 * DAY_MS;
    let mut at = NOW_MS as f64 - span * uniform(&mut rng);
    let mut orders = Vec::with_capacity(n);
    for _ in 0..n {
        if at > NOW_MS as f64 {
            break;
        }
        let amount = (basket * (0.5 * normal(&mut rng)).exp() * 100.0).round() / 100.0;
        let category = if uniform(&mut rng) < 0.7 {
            category
        } else {
            CATEGORIES[(rng.next_u64() % 8) as usize]
        };
        orders.push(Order {
            id: None,
            at: TimeValue::Millis(at.floor()),
            amount,
            refunded: 0.0,
            items: vec![Item {
                sku: None,
                category: Some(category.to_string()),
                price: amount,
                qty: 1.0,
            }],
        });
        at += -mean_gap * DAY_MS * (1.0 - uniform(&mut rng)).ln();
    }
    Customer {
        id: Id(format!("s{index:08}")),
        orders,
        loyalty: None,
        offer_history: Vec::new(),
        attributes: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_are_reproducible_valid_and_varied() {
        let a: Vec<Customer> = (0..2000).map(|i| customer(42, i)).collect();
        let b: Vec<Customer> = (0..2000).map(|i| customer(42, i)).collect();
        assert_eq!(a, b);
        assert_ne!(customer(43, 7), customer(42, 7));
        let orders: usize = a.iter().map(|c| c.orders.len()).sum();
        let mean = orders as f64 / a.len() as f64;
        assert!((3.0..7.0).contains(&mean), "{mean} orders per customer");
        for c in &a {
            assert!(!c.orders.is_empty());
            c.validate(NOW_MS, 0)
                .expect("a synthetic customer is valid");
        }
    }
}
