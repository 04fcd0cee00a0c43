//! TypeScript types of every document and result, carried into the package's `.d.ts`.
//! They mirror the serde types of the core (camelCase); the Rust docs define each field.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** ISO 8601 text ("2024-03-01", "2024-03-01T10:30:00+03:00") or epoch milliseconds. */
export type TimeValue = string | number;

export interface Item { sku?: string; category?: string; price: number; qty?: number; }
export interface Order { id?: string | number; at: TimeValue; amount: number; items?: Item[]; }
export interface PointsLot { amount: number; earnedAt?: TimeValue; expiresAt?: TimeValue; }
export interface Loyalty { tier?: string; points?: PointsLot[]; }
export interface Customer {
  id: string | number;
  orders?: Order[];
  loyalty?: Loyalty;
  attributes?: Record<string, unknown>;
}

export interface DecideOptions {
  /** The instant of the decision: the engine never reads a clock. */
  now: TimeValue;
  /** Minutes east of UTC of the shop's time zone (default 0). */
  timeZoneOffsetMinutes?: number;
}

export interface Features {
  recencyDays: number | null;
  frequency: number;
  purchaseDays: number;
  monetary: number;
  totalSpend: number;
  tenureDays: number | null;
  meanDaysBetweenPurchases: number | null;
  spendLast365d: number;
  ordersLast365d: number;
  categoryShares: Record<string, number>;
  pointsBalance: number;
  pointsExpiringSoon: number;
  nextPointsExpiry: string | null;
}

export interface SegmentAssignment { id: number; name: string; distance: number; }
export type TierMeasure = "spend" | "orders";
export interface TierState {
  id: string; name: string; measure: TierMeasure; qualifyingValue: number; fromAccount: boolean;
}
export type OfferKind = "discount" | "bonusPoints" | "cashback" | "freeDelivery" | "gift"
  | "birthday" | "partner" | "referral" | "paidTier" | "valueBased";
export interface OfferPick { id: string; kind: OfferKind; title: string; value: number; score: number; reason: string; }
export interface ExperimentAssignment { key: string; variant: string | null; bucket: number; }
export type Nudge =
  | { kind: "nextTier"; tier: string; tierName: string; measure: TierMeasure; remaining: number; message: string }
  | { kind: "pointsExpiring"; points: number; expiresAt: string; daysLeft: number; pointsWithinHorizon: number; message: string };

/** Lifetime value (BG/NBD + Gamma-Gamma); null without the model's clv part or orders. */
export interface ClvState {
  pAlive: number; expectedPurchases: number; horizonDays: number;
  expectedOrderValue: number | null; clv: number | null; months: number;
}

export interface Decision {
  customerId: string;
  modelVersion: string;
  program: string;
  now: string;
  features: Features;
  segment: SegmentAssignment | null;
  clv: ClvState | null;
  tier: TierState;
  offers: OfferPick[];
  experiments: ExperimentAssignment[];
  nudges: Nudge[];
}

/** A trained model bundle (models/*.json), written by `offerwise train`. */
export interface ModelBundle {
  formatVersion: 1;
  kind: "offerwise.model";
  name: string;
  version: string;
  features: string[];
  scaler: { transform: "log1p" | "identity"; mean: number[]; std: number[] };
  segments: { id: number; name: string; centroid: number[]; size: number; profile?: Record<string, number> }[];
  training: Record<string, unknown>;
  clv?: {
    timeUnit: "days" | "weeks";
    bgnbd: { r: number; alpha: number; a: number; b: number };
    gammaGamma: { p: number; q: number; v: number } | null;
    fit: Record<string, unknown>;
  };
}

export interface Eligibility {
  segments?: string[]; tiers?: string[];
  minRecencyDays?: number; maxRecencyDays?: number;
  minOrders?: number; maxOrders?: number; minTotalSpend?: number; noHistory?: boolean;
  minPAlive?: number; maxPAlive?: number; minClv?: number; maxClv?: number;
}
export interface Offer {
  id: string; kind: OfferKind; title: string; value: number;
  eligibility?: Eligibility; weight?: number; segmentWeights?: Record<string, number>;
}
export interface Variant { key: string; weight: number; holdout?: boolean; excludeOffers?: string[]; }
export interface Experiment { key: string; seed?: string; coverage?: number; variants: Variant[]; }
/** A programme document (models/default-program.json). */
export interface Program {
  formatVersion: 1;
  kind: "offerwise.program";
  name: string;
  currency: string;
  currencySymbol?: string;
  earn: { pointsPerUnit: number; rounding?: "floor" | "round" | "ceil" };
  tiers: { measure: TierMeasure; windowDays: number; levels: { id: string; name: string; threshold: number }[] };
  offers?: Offer[];
  maxOffers?: number;
  nudges?: { max?: number; pointsExpiryHorizonDays?: number };
  experiments?: Experiment[];
  clv?: { expectedPurchasesHorizonDays?: number; months?: number; margin?: number; monthlyDiscountRate?: number };
}

/** What every function of this package throws on bad input. */
export interface OfferwiseError extends Error {
  name: "OfferwiseError";
  /** Stable machine-readable code: "customer.invalid", "model.syntax", "program.unsupported_version", ... */
  code: string;
  /** Where: a JSON path ("orders[3].at"), "line L, column C" for JSON syntax, or "". */
  path: string;
}
"#;
