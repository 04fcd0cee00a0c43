//! The benchmark's account, history, programme and cart (shared by the native and the wasm
//! benchmark).
//!
//! The account: 500 opening lots (expiries spread over two years, some already expired) and
//! 500 orders, each with an `earn` operation (500 more lots, pending for 14 days), 100
//! redemptions and 10 returns; the programme has a calendar spend tier ladder, promotions,
//! caps, a membership, birthday and referral rules and a donation; the cart has 10 lines.

use offerwise::time::{format_instant, DAY_MS};
use serde_json::{json, Value};

/// `now` of the benchmark: 2024-06-15T12:00:00Z.
pub const NOW: i64 = 1_718_452_800_000;

pub fn rules() -> Value {
    json!({
        "earn": {"pointsPerUnit": 1, "pendingDays": 14, "rounding": "floor",
                 "categoryMultipliers": {"books": 2, "gift-cards": 0}, "skuMultipliers": {"SKU-7": 3},
                 "maxPointsPerOrder": 50000, "periodCap": {"points": 200000, "period": "month"},
                 "promotions": [
                   {"id": "wknd", "name": "Weekend x2", "daysOfWeek": [6, 7], "multiplier": 2},
                   {"id": "june", "name": "June bonus", "start": "2024-06-01", "end": "2024-07-01", "bonusPoints": 100, "minOrder": 50}]},
        "redeem": {"maxSharePercent": 50, "minBalance": 100, "excludedCategories": ["tobacco"]},
        "expiry": {"days": 365},
        "tiers": {"measure": "spend", "period": "year", "graceDays": 30, "levels": [
            {"id": "base", "name": "Base", "threshold": 0},
            {"id": "silver", "name": "Silver", "threshold": 20000, "benefits": {"earnMultiplier": 1.25}},
            {"id": "gold", "name": "Gold", "threshold": 60000, "benefits": {"earnMultiplier": 1.5, "cashbackPercent": 1, "freeDelivery": true}},
            {"id": "platinum", "name": "Platinum", "threshold": 150000, "benefits": {"earnMultiplier": 2, "discountPercent": 5}}]},
        "membership": {"name": "Plus", "fee": 299, "periodDays": 30, "benefits": {"discountPercent": 3, "earnMultiplier": 2}},
        "birthday": {"points": 500, "multiplier": 2, "daysBefore": 3, "daysAfter": 3},
        "referral": {"points": 300, "minFirstOrder": 1000},
        "donation": {"cause": "Forest fund", "percentOfPurchase": 1}
    })
}

pub fn account_and_history(now: i64) -> (Value, Value) {
    let start = now - 2 * 365 * DAY_MS;
    let mut points = Vec::new();
    for i in 0..500i64 {
        let earned = start + i * 12 * 3_600_000;
        points.push(json!({"id": format!("L{i}"), "amount": 100 + i % 37,
                           "earnedAt": format_instant(earned),
                           "expiresAt": format_instant(earned + 365 * DAY_MS + (i % 50) * DAY_MS)}));
    }
    let mut orders = Vec::new();
    let mut ops = Vec::new();
    for i in 0..500i64 {
        let at = start + i * 35 * 3_600_000;
        let amount = 50.0 + (i % 90) as f64 * 3.5;
        orders.push(json!({"id": format!("O{i}"), "at": format_instant(at), "amount": amount}));
        ops.push(
            json!({"type": "earn", "key": format!("e{i}"), "at": format_instant(at),
                        "points": (amount as i64), "orderId": format!("O{i}")}),
        );
        if i % 5 == 4 {
            ops.push(
                json!({"type": "redeem", "key": format!("r{i}"), "at": format_instant(at + 1000),
                            "points": 40, "orderId": format!("O{i}")}),
            );
        }
        if i % 50 == 10 {
            ops.push(
                json!({"type": "reverse", "key": format!("x{i}"), "at": format_instant(at + 2000),
                            "orderId": format!("O{i}")}),
            );
        }
    }
    let account = json!({"points": points, "operations": ops, "birthday": "06-14",
                         "referrals": [{"friendId": "f1", "firstPurchaseAt": format_instant(now - DAY_MS), "firstPurchaseAmount": 1500}]});
    (account, Value::Array(orders))
}

pub fn cart() -> Value {
    let cats = ["books", "food", "tobacco", "toys", "gift-cards"];
    let items: Vec<Value> = (0..10)
        .map(|i| json!({"sku": format!("SKU-{i}"), "category": cats[i % cats.len()], "price": 12.5 + i as f64, "qty": 1 + i % 3}))
        .collect();
    json!({"items": items})
}
