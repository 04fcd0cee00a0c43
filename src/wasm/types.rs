//! TypeScript types of every document and result, carried into the package's `.d.ts`.
//! They mirror the serde types of the core (camelCase); the Rust docs define each field.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** ISO 8601 text ("2024-03-01", "2024-03-01T10:30:00+03:00") or epoch milliseconds. */
export type TimeValue = string | number;

export interface Item { sku?: string; category?: string; price: number; qty?: number; }
export interface Order { id?: string | number; at: TimeValue; amount: number; refunded?: number; items?: Item[]; }
/** A points lot of the account (whole points). */
export interface PointsLot {
  id?: string; amount: number; earnedAt?: TimeValue; availableAt?: TimeValue; expiresAt?: TimeValue;
  source?: string; orderId?: string;
}
/** An idempotent ledger operation; `key` makes replaying it a no-op. */
export type Operation =
  | { type: "earn"; key: string; at: TimeValue; points: number; orderId?: string; source?: string; availableAt?: TimeValue; expiresAt?: TimeValue }
  | { type: "redeem"; key: string; at: TimeValue; points: number; orderId?: string }
  | { type: "reverse"; key: string; at: TimeValue; orderId: string }
  | { type: "adjust"; key: string; at: TimeValue; points: number; reason?: string }
  | { type: "expire"; key: string; at: TimeValue }
  | { type: "partnerEarn"; key: string; at: TimeValue; partner: string; partnerPoints: number; expiresAt?: TimeValue };
/** The loyalty account (src/loyalty/input.rs). */
export interface Loyalty {
  tier?: string; tierUntil?: TimeValue; points?: PointsLot[]; operations?: Operation[];
  membership?: { since?: TimeValue; until: TimeValue }; birthday?: string;
  referrals?: { friendId: string; referredAt?: TimeValue; firstPurchaseAt?: TimeValue; firstPurchaseAmount?: number }[];
}
/** A cart to quote: lines, or just an amount. */
export interface Cart { items?: Item[]; amount?: number; }
export interface Customer {
  id: string | number;
  orders?: Order[];
  loyalty?: Loyalty;
  /** Offers shown or redeemed, and when: offers' per-customer `caps` count them. */
  offerHistory?: { offerId: string; at: TimeValue; event: "shown" | "redeemed" }[];
  attributes?: Record<string, unknown>;
}

/** Options of `engine.prepare`: the instant (and time zone) the history is read at. */
export interface PrepareOptions {
  /** The instant: the engine never reads a clock. */
  now: TimeValue;
  /** Minutes east of UTC of the shop's time zone (default 0). */
  timeZoneOffsetMinutes?: number;
  /** Lenient mode: leave out what can be left out, reported in the prepared page views' `warnings`. */
  lenient?: boolean;
}

export interface DecideOptions {
  /** The instant of the decision: the engine never reads a clock. */
  now: TimeValue;
  /** Minutes east of UTC of the shop's time zone (default 0). */
  timeZoneOffsetMinutes?: number;
  /** The cart on the page: the decision's loyalty.quote quotes it. */
  cart?: Cart;
  /** Where the decision is made: the `context.*` facts of offer conditions. */
  context?: { page?: string; channel?: string; device?: string; country?: string };
  /** What you know of the programme's budgets: id -> spent so far (and optionally the total). */
  budgets?: Record<string, { spent: number; total?: number }>;
  /** Other ids of the visitor by name (`deviceId`, ...), for experiments hashing one of them. */
  ids?: Record<string, string>;
  /** The sticky store kept from the last decision (its `assignments`); one that does not read is ignored and reported in `assignmentsError`. */
  assignments?: AssignmentStore | unknown;
  /** Experiment key -> variant key, for QA. */
  forceVariants?: Record<string, string>;
  /**
   * Lenient mode (the `<offerwise-offers>` widget's default; strict by default): an unknown
   * field, an order or offer event that does not check (an order a few minutes after `now`
   * from a skewed clock), a loyalty account or optional option that does not read is left out
   * and reported in the result's `warnings` instead of failing the call.
   */
  lenient?: boolean;
}

/** What a lenient call left out: code (`customer.order_skipped`, `options.unknown_field`, ...), path, and the strict error. */
export interface InputWarning {
  code: string;
  path: string;
  message: string;
}

/** What a page keeps for a visitor and passes to the next decision: the variants it was given. */
export interface AssignmentStore {
  format: "offerwise.assignments/1";
  entries: Record<string, { variant: string; seed: string; hash: HashVersion; hashAttribute: string;
                            hashValue: string; phase: number; assignedAt: string }>;
}
export type HashVersion = "offerwise-1" | "growthbook-1" | "growthbook-2";

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
}

export interface SegmentAssignment {
  id: number; name: string; role: SegmentRole; distance: number;
  /** Posterior probability of the segment (Gaussian mixture models only). */
  probability?: number;
}
export type TierMeasure = "spend" | "orders" | "pointsEarned";
export interface Benefits { earnMultiplier: number; cashbackPercent: number; discountPercent: number; freeDelivery: boolean; earlyAccess: boolean; }
export interface TierState {
  id: string; name: string; level: number; measure: TierMeasure; qualifyingValue: number;
  reviewAt: string | null; inGrace: boolean; graceEndsAt: string | null; source: string; benefits: Benefits;
  next: { id: string; name: string; remaining: number; deadline: string | null; benefits: Benefits } | null;
  atRisk: { remaining: number; deadline: string; dropsTo: { id: string; name: string } } | null;
  [more: string]: unknown;
}
export interface ExpiryGroup { expiresAt: string; points: number; }
export interface LedgerSummary {
  balance: number; available: number; pending: number; debt: number; availableValue: number; lots: number;
  nextExpiry: ExpiryGroup | null; expiringSoon: ExpiryGroup[];
  pendingLots: { availableAt: string; points: number }[]; totals: Record<string, number>; operations: number;
}
export interface Quote {
  subtotal: number; discount: Record<string, unknown> | null; payable: number; freeDelivery: boolean;
  earn: { points: number; [more: string]: unknown };
  burn: { maxPoints: number; value: number; priceAfter: number; [more: string]: unknown };
  donation: Record<string, unknown> | null;
  tierAfter: Record<string, unknown> | null; tierAfterBurn: Record<string, unknown> | null;
  /** In a decision with a cart: the offers shown and what each did to this quote. */
  offers?: OfferEffect[];
}
/** What an offer shown beside the cart did to its quote. */
export interface OfferEffect {
  id: string; kind: "discount" | "amountOff" | "cashback" | "bonusPoints" | "pointsMultiplier" | "freeDelivery"; applied: boolean;
  amount?: number; points?: number; reason?: string;
}
export interface LoyaltyState {
  ledger: LedgerSummary; tier: TierState | null; membership: Record<string, unknown> | null;
  accumulative: Record<string, unknown> | null; discount: Record<string, unknown> | null;
  rewardsDue: Record<string, unknown>[]; quote: Quote | null; nudges: Nudge[];
}
/** Input of evaluateLoyalty (the shape of tests/vectors/loyalty.json). */
export interface LoyaltyInput {
  rules: LoyaltyRules; account?: Loyalty; history?: Order[]; cart?: Cart; now: TimeValue;
  timeZoneOffsetMinutes?: number; maxNudges?: number; money?: { code?: string; symbol?: string };
}
/** The programme's loyalty section (src/loyalty/rules.rs documents every field). */
export interface LoyaltyRules {
  minorUnitDigits?: number; pointValue?: number;
  earn?: Record<string, unknown>; redeem?: { maxSharePercent?: number; minBalance?: number; excludedCategories?: string[] };
  expiry?: { days?: number; refundGraceDays?: number };
  tiers?: { measure: TierMeasure; windowDays?: number; period?: "year" | "quarter" | "month"; graceDays?: number;
            levels: { id: string; name: string; threshold: number; benefits?: Partial<Benefits> }[] };
  discountCard?: Record<string, unknown>; accumulativeDiscount?: Record<string, unknown>; membership?: Record<string, unknown>;
  partners?: Record<string, unknown>[]; referral?: Record<string, unknown>; donation?: Record<string, unknown>;
  birthday?: Record<string, unknown>; nudges?: { pointsExpiryHorizonDays?: number; tierAtRiskDays?: number; membershipLookbackDays?: number };
}
export type OfferKind = "discount" | "amountOff" | "bonusPoints" | "pointsMultiplier" | "cashback"
  | "freeDelivery" | "gift" | "birthday" | "partner" | "referral" | "paidTier" | "membershipTrial"
  | "valueBased" | "donation";
/** An offer shown: its expected incremental value `score = response × (gain − cost)`. */
export interface OfferPick {
  id: string; kind: OfferKind; title: string; value: number; score: number;
  /** P(take-up), learned or the programme's prior. */
  response: number;
  /** Expected cost to the shop per take-up. */
  cost: number;
  /** What a take-up brings under the objective, per take-up. */
  gain: number;
  /** The exact probability this offer is shown in this slot here today (1 without a policy). */
  propensity: number;
  reason: string;
}
/** A strong offer not shown: `code` is stable (condition_failed, cap_reached, budget_paced, ...). */
export interface LeftOut { id: string; score: number; code: string; path?: string; reason: string; }
/** A customer's place in an experiment: the variant and how it was given, or why not in. */
export interface ExperimentAssignment {
  key: string;
  variant: string | null;
  source?: "hash" | "sticky" | "forced" | "override" | "winner";
  reason?: "holdout" | "draft" | "no_id" | "targeting" | "namespace" | "coverage" | "not_started";
  /** The hash bucket as a share in [0, 1), when hashed. */
  bucket: number | null;
  phase?: number;
}
/** A customer's experiments, holdout and sticky store (Engine.assign: no exposure is logged). */
export interface Assignments {
  customerId: string;
  experiments: ExperimentAssignment[];
  holdout?: { heldOut: boolean; share: number };
  assignments?: AssignmentStore;
  assignmentsError?: string;
}
/** One experiment a customer is in, as the decision record logs it. */
export interface Exposure {
  experiment: string; variant: string; source: "hash" | "sticky" | "forced" | "override";
  hashAttribute: string; hashValue: string; hash: HashVersion; seed: string; phase?: number; bucket?: number;
}
/** A loyalty nudge: its numbers, a rank (`priority`) and a default English message. */
export type Nudge = { priority: number; message: string } & (
  | { kind: "cartReachesTier"; tier: string; tierName: string; benefits: Benefits; withMaxBurn: boolean }
  | { kind: "pointsExpiring"; points: number; expiresAt: string; daysLeft: number; pointsWithinHorizon: number }
  | { kind: "tierAtRisk"; tier: string; tierName: string; measure: TierMeasure; remaining: number; deadline: string; dropsTo: { id: string; name: string } }
  | { kind: "pointsForCart"; points: number; value: number; priceAfter: number }
  | { kind: "nextTier"; tier: string; tierName: string; measure: TierMeasure; remaining: number; deadline: string | null; benefits: Benefits }
  | { kind: "membershipBreakEven"; name: string; fee: number; periodDays: number; projectedSpend: number; projectedSavings: number; breakEvenSpend: number });

/** Which purchase / drop-out model: BG/NBD, modified BG/NBD or Pareto/NBD. */
export type PurchaseModel = "bgnbd" | "mbgnbd" | "pareto-nbd";

/** Lifetime value (purchase model + Gamma-Gamma); null without the model's clv part or orders. */
export interface ClvState {
  purchaseModel: PurchaseModel; pAlive: number; churnRisk: number;
  expectedPurchases: number; horizonDays: number;
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
  loyalty: LoyaltyState;
  offers: OfferPick[];
  /** The strongest offers not shown and why, strongest first. */
  leftOut: LeftOut[];
  experiments: ExperimentAssignment[];
  /** The global holdout, when the programme has one. */
  holdout?: { heldOut: boolean; share: number };
  /** The sticky store to keep for this visitor (when the programme has experiments). */
  assignments?: AssignmentStore;
  /** Why the sticky store passed in was ignored. */
  assignmentsError?: string;
  nudges: Nudge[];
  /** The record to log for this decision (schema `offerwise.decision/1`). */
  log: DecisionRecord;
  /** What a lenient call (`lenient: true`) left out; absent in strict mode. */
  warnings?: InputWarning[];
}

/**
 * A page view's decision on a prepared customer (`prepared.pageView(options)`): the parts of
 * `Decision` that depend on the page, each equal to the full decision's; what depends on the
 * history alone (features, segment, lifetime value) stays on the prepared customer.
 */
export interface PageView {
  customerId: string;
  now: string;
  offers: OfferPick[];
  leftOut: LeftOut[];
  experiments: ExperimentAssignment[];
  holdout?: { heldOut: boolean; share: number };
  assignments?: AssignmentStore;
  assignmentsError?: string;
  /** The tier's id (the decision's `loyalty.tier.id`); null without tiers. */
  tier: string | null;
  /** The ledger's balance and the points that can be spent now. */
  points: { balance: number; available: number };
  /** The cart's quote (the decision's `loyalty.quote`); null without a cart. */
  quote: Quote | null;
  nudges: Nudge[];
  log: DecisionRecord;
  /** What a lenient `prepare` or page view left out; absent in strict mode. */
  warnings?: InputWarning[];
}

/** What a page or worker logs for a decision; learning and offline evaluation read it. */
export interface DecisionRecord {
  schema: "offerwise.decision/1";
  /** 16 hex digits: the same customer, instant, model and programme give the same id. */
  decisionId: string;
  customerId: string;
  at: string;
  modelVersion: string;
  programVersion: string;
  /** `null` while offers are ranked by the programme's rules alone. */
  policyVersion: string | null;
  segment: { id: number; role: SegmentRole; name?: string } | null;
  /** Experiment key -> variant key (`null` outside the coverage). */
  variants: Record<string, string | null>;
  objective: "margin" | "revenue" | "retention";
  /** The context vector the policy reads and learns from (16 numbers). */
  context: number[];
  /** The offers shown, in slot order, with the probability the policy shows each there. */
  offers: { id: string; slot: number; propensity: number; score: number }[];
  /** Every offer that passed the catalogue's rules, best first, with the probability the policy
   * gave it for the first slot: what offline evaluation of another policy ranks again. */
  firstSlot?: { id: string; probability: number; priority: number; prior: number; response: number;
                gain: number; cost: number }[];
  /** The experiments the customer is in (a stopped experiment's winner is not an exposure). */
  exposures: Exposure[];
  /** Whether the customer is in the global holdout. */
  holdout: boolean;
}

/** What the shop logs when something happens after a decision. */
export interface OutcomeEvent {
  schema: "offerwise.outcome/1";
  decisionId: string;
  customerId: string;
  at: TimeValue;
  type: "conversion" | "redemption" | "click" | "dismiss";
  offerId?: string;
  revenue?: number;
  margin?: number;
  pointsEarned?: number;
  pointsRedeemed?: number;
  /** Money the programme took off the order (offers, tier discount). */
  discount?: number;
  /** Money the programme paid back on the order, and the cost of the gifts it gave with it. */
  cashback?: number;
  gifts?: number;
}
"#;

/// The analysis functions' types: only in the data build (`offerwise/data`).
#[cfg(feature = "data")]
#[wasm_bindgen(typescript_custom_section)]
const TS_ANALYSIS_TYPES: &'static str = r#"
/** `analyze(units, options)`: how to read and analyse an experiment's unit rows. */
export interface AnalyzeOptions {
  /** The column naming each unit's variant (default "variant"). */
  variantColumn?: string;
  control: string;
  /** "name" (0/1 values: a proportion, else a mean), "name:mean", "name:proportion", or a ratio "aov=revenue/orders". */
  metrics: string[];
  /** Metric -> its pre-period covariate's column (CUPED). */
  covariates?: Record<string, string>;
  /** Variant -> planned weight for the sample-ratio check (default equal). */
  weights?: Record<string, number>;
  /** Intervals are 1 - alpha (default 0.05). */
  alpha?: number;
  /** SRM p-value below which verdicts are withheld (default 0.001). */
  srmThreshold?: number;
  /** Verdicts on the always-valid p-values (for a team that looks as results come in). */
  sequential?: boolean;
  /** The confidence sequences' tuning parameter N (default 5000). */
  sequentialTuning?: number;
  /** Each unit's first exposure (date or ISO 8601): results day by day. */
  timeColumn?: string;
  /** Each unit's segment: every segment analysed on its own as well. */
  segmentColumn?: string;
  /** A group-sequential plan: the units the experiment will have; each day is a look. */
  plannedUnits?: number;
  spending?: "obrien-fleming" | "pocock";
}

/** `analyzeLogs(decisions, outcomes, options)`: the experiment and how to join the logs. */
export interface LogAnalyzeOptions {
  /** The experiment's key (not with `holdout`). */
  experiment?: string;
  /** The programme against its global holdout, whose planned share this is (the programme's
   * `holdout.share`): variants "holdout" (the control) and "exposed". */
  holdout?: number;
  control: string;
  /** The attribution window after each unit's first exposure, in days (default 14). */
  windowDays?: number;
  /** conversion, churn, revenue, margin, orders, aov, repeat, retention:N, pointsEarned, pointsRedeemed, discount,
   * incentives, netMargin, redemption, redemption:OFFER, redemptions, click (default conversion, revenue,
   * orders, aov, redemption). */
  metrics?: string[];
  /** CUPED with each metric's value in the window before exposure. */
  cuped?: boolean;
  /** The money one point redeemed is worth, for the metrics incentives and netMargin. */
  pointValue?: number;
  weights?: Record<string, number>;
  alpha?: number;
  srmThreshold?: number;
  sequential?: boolean;
  sequentialTuning?: number;
  /** Every segment (of the exposing decision) analysed on its own as well. */
  bySegment?: boolean;
  plannedUnits?: number;
  spending?: "obrien-fleming" | "pocock";
}

/** A comparison that could not be made, or an analysis error: a stable code and where. */
export interface AnalysisProblem { code: string; path: string; message: string; }

/** One variant x metric against the control. */
export interface MetricResult {
  variant: string;
  control: string;
  metric: string;
  kind: "proportion" | "mean" | "ratio";
  /** [variant, control]. */
  n: [number, number];
  mean: [number, number];
  absLift: number;
  absLiftCI: [number, number];
  /** null when the control's mean is 0. */
  relLift: number | null;
  relLiftCI: [number, number] | null;
  statistic: number;
  pValue: number;
  /** Welch-Satterthwaite degrees of freedom (means and ratios). */
  df?: number;
  pHolm: number;
  pBH: number;
  /** null when the sample-ratio check failed. */
  verdict: "better" | "worse" | "inconclusive" | null;
  bayes: { probBeatControl: number; expectedLoss: number; credibleCI: [number, number] } | null;
  sequential: { tuning: number; absLiftCI: [number, number]; relLiftCI: [number, number] | null; pValue: number; pHolm: number } | null;
  cuped?: { covariate: string; theta: number; varianceReduction: number; absLift: number; absLiftCI: [number, number];
            statistic: number; pValue: number; df: number };
  groupSequential?: { spending: "obrien-fleming" | "pocock"; plannedUnits: number; alpha: number; looks: number;
                      information: number; boundary: number | null; statistic: number; crossed: string | null;
                      crossedStatistic: number | null };
}

/** The result of `analyze` and `analyzeLogs` (the JSON of `offerwise analyze`). */
export interface Analysis {
  alpha: number;
  sequential: boolean;
  srm: { chi2: number; pValue: number; ok: boolean; counts: Record<string, number> };
  results: MetricResult[];
  timeline?: { day: string; variant: string; metric: string; n: [number, number]; absLift: number;
               absLiftCI: [number, number] | null; sequentialCI: [number, number] | null;
               pValue: number | null; sequentialPValue: number | null; statistic: number | null }[];
  split?: { day: string; units: Record<string, number> }[];
  segments?: { segment: string; units: number; analysis: Analysis | null; error?: AnalysisProblem }[];
  skipped?: AnalysisProblem[];
  /** The programme against its holdout, with pointValue: its return on the incentives it paid. */
  roi?: { n: [number, number]; incrementalNetMargin: number; incrementalNetMarginCI: [number, number];
          incrementalIncentives: number; roi: number | null; roiCI: [number, number] | null };
  join?: { experiment: string; holdout?: true; windowDays: number; decisions: number; exposures: number; units: number;
           multipleVariants: number; outcomes: number; attributed: number; outsideWindow: number; unmatched: number };
}

/** `nps(surveys, options)`: how to read survey answers. */
export interface NpsOptions {
  /** The column of the 0-10 answers (default "score"). */
  scoreColumn?: string;
  /** The column of each answer's group (tier, segment). */
  groupColumn?: string;
  /** The group the others are compared with. */
  control?: string;
  alpha?: number;
}
/** One group's Net Promoter Score, in points (-100 to 100). */
export interface NpsScore { n: number; promoters: number; passives: number; detractors: number;
  score: number; se: number; scoreCI: [number, number]; }
/** The result of `nps` (the JSON of `offerwise nps`). */
export interface NpsAnalysis {
  alpha: number;
  overall: NpsScore;
  groups?: Record<string, NpsScore>;
  comparisons?: { group: string; control: string; diff: number; diffCI: [number, number];
                  statistic: number; pValue: number; pHolm: number }[];
}

/** `engine.effectiveness(input, options)`: what the programme analyses read. */
export interface EffectivenessInput {
  /** Every customer's orders; a `loyalty` account is replayed with the engine's programme for the points KPIs. */
  customers: Customer[];
  /** Members and when they enrolled: members against matched non-members. */
  members?: { customerId: string; enrolledAt: TimeValue }[];
  /** Customers' segments: members are matched with non-members of their own. */
  segments?: { customerId: string; segment: string }[];
  /** The decision log and outcome events (JSON Lines text or records): the programme against its holdout. */
  decisions?: string | DecisionRecord[];
  outcomes?: string | OutcomeEvent[];
  /** Survey answers, CSV text with a 0-10 `score` column. */
  surveys?: string;
}
export interface EffectivenessOptions {
  /** The end of the data, epoch ms (exclusive). */
  now: number;
  /** Days after the first decision or enrolment that count (default 180). */
  windowDays?: number;
  /** The holdout's planned share (default: the programme's holdout.share). */
  holdoutShare?: number;
  /** The money a point is worth (default: the programme's loyalty.pointValue). */
  pointValue?: number;
  /** CUPED on the window before (default true). */
  cuped?: boolean;
  churnDays?: number;
  cohortMonths?: number;
  placeboDays?: number;
  /** The widest match accepted, in standardised units. */
  caliper?: number;
  alpha?: number;
  surveys?: NpsOptions;
}
export interface Interval { value: number; ci: [number, number]; }
/** An estimate of a difference with its interval. */
export interface DiffEstimate { effect: number; se: number; ci: [number, number]; pValue: number; }
/** Members against matched non-members (not causal by design: `assumptions` says why). */
export interface MatchedDid {
  metric: "revenue" | "orders"; windowDays: number; alpha: number;
  counts: { customers: number; members: number; matched: number; controls: number; noHistory: number;
            incompleteWindow: number; unmatched: number };
  meanDistance: number; maxDistance: number; caliper: number | null;
  balance: { covariate: string; members: number; nonMembers: number; matched: number; smdBefore: number; smdAfter: number }[];
  effect: DiffEstimate & { members: [number, number]; controls: [number, number]; rows: number; clusters: number; df: number };
  naive: DiffEstimate;
  eventTime: { period: number; fromDay: number; toDay: number; effect: number; ci: [number, number]; pairs: number }[];
  placebo: { shiftDays: number; pairs: number; effect: number; se: number; ci: [number, number]; pValue: number; passes: boolean } | null;
  assumptions: string;
}
export interface Kpis {
  customers: number; orders: number; revenue: number; alpha: number;
  repeatRate: Interval; frequency: Interval; averageCheck: Interval | null;
  churnDays: number; churnRecency: Interval; churnModel?: Interval; clv?: Interval; clvTotal?: number;
  cohorts: { month: string; customers: number; retention: number[] }[];
  points?: {
    accounts: number; issued: number; redeemed: number; expired: number; outstanding: number;
    redemptionRate: Interval | null; breakage: Interval | null; closedCohorts: number;
    outstandingValue: number | null; liability: Interval | null;
    months: { month: string; issued: number; redeemed: number; expired: number; outstanding: number }[];
    cohorts: { month: string; issued: number; redeemed: number; expired: number; outstanding: number; closed: boolean }[];
  };
}
/** `candidate.evaluatePolicy(decisions, outcomes, options)`. */
export interface PolicyOptions {
  /** Days after a decision its offer's take-up counts (default 14). */
  windowDays?: number;
  /** "value" (the first offer's net value when taken up, default) or "takeUp". */
  reward?: "value" | "takeUp";
  alpha?: number;
  /** Warn below this effective sample size, as a share of the decisions (default 0.1). */
  essWarning?: number;
  /** Only decisions at or after this instant (epoch ms). */
  since?: number;
}
export interface OpeEstimate { value: number; se: number; ci: [number, number]; }
/** The result of `evaluatePolicy` (the JSON of `offerwise evaluate-policy`). */
export interface PolicyEvaluation {
  reward: "value" | "takeUp"; windowDays: number; programVersion: string; policyVersion?: string;
  counts: { decisions: number; evaluated: number; withoutOffers: number; beforeSince: number; withoutCandidates: number;
            missingOffers: string[]; unseenOffers: string[]; outcomes: number; taken: number };
  decisions: number; alpha: number;
  logged: OpeEstimate; ips: OpeEstimate; snips: OpeEstimate; dr?: OpeEstimate;
  meanWeight: number; maxWeight: number; effectiveSampleSize: number; zeroWeight: number; warning?: string;
  /** The candidate less the logging policy per decision (IPS, paired). */
  lift: OpeEstimate;
}
/** The result of `engine.effectiveness` (the JSON of `offerwise effectiveness`). */
export interface Effectiveness {
  now: string;
  windowDays: number;
  /** The programme against its global holdout: the causal estimate. */
  holdout?: Analysis;
  matched?: MatchedDid;
  kpis: Kpis;
  nps?: NpsAnalysis;
  /** A candidate policy evaluated offline (the CLI's --candidate-program). */
  policy?: PolicyEvaluation;
  skipped?: AnalysisProblem[];
}
/**
 * Orders in long form for `engine.decideColumns`, one row per order: row `r` is an order of
 * customer `ids[customer[r]]` at `at[r]` (epoch ms) for `amount[r]`, with one line of category
 * `categories[category[r]]` (null or 4294967295: none).
 */
export interface OrderColumns {
  ids: string[];
  customer: Uint32Array | number[];
  at: Float64Array | number[];
  amount: Float64Array | number[];
  category?: Uint32Array | (number | null)[];
  categories?: string[];
}
/** A customer of a batch whose decision failed (`row`: the order row its path names). */
export interface ColumnsError { index: number; customerId: string; code: string; path: string; row: number | null; message: string; }
/**
 * Decisions as columns, one cell per id: NaN (numbers) or -1 (codes) where a customer has no
 * value or is in `errors`. `offers[i * offerSlots + s]` and
 * `variants[i * experiments.length + e]` are row-major.
 */
export interface DecisionColumns {
  len: number;
  segment: Int32Array; pAlive: Float64Array; churnRisk: Float64Array; expectedPurchases: Float64Array; clv: Float64Array;
  frequency: Float64Array; recencyDays: Float64Array; monetary: Float64Array; totalSpend: Float64Array;
  tier: Int32Array; tiers: string[]; pointsBalance: Float64Array; pointsAvailable: Float64Array; heldOut: Uint8Array;
  offers: Int32Array; offerSlots: number; offerIds: string[];
  variants: Int32Array; experiments: { key: string; variants: string[] }[];
  errors: ColumnsError[];
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_DOCUMENT_TYPES: &'static str = r#"
/** A trained model bundle (models/*.json), written by `offerwise train`. */
export interface ModelBundle {
  formatVersion: 1;
  kind: "offerwise.model";
  name: string;
  version: string;
  features: string[];
  scaler: { transform: "log1p" | "identity"; mean: number[]; std: number[] };
  algorithm?: "kmeans" | "gmm";
  segments: {
    id: number; name: string; role?: SegmentRole; centroid: number[]; size: number;
    profile?: Record<string, number>; weight?: number; precisionCholesky?: number[][];
  }[];
  training: Record<string, unknown>;
  clv?: {
    timeUnit: "days" | "weeks";
    /** Absent in model files from before the choice: then BG/NBD. */
    purchaseModel?: PurchaseModel;
    bgnbd?: { r: number; alpha: number; a: number; b: number };
    mbgnbd?: { r: number; alpha: number; a: number; b: number };
    paretoNbd?: { r: number; alpha: number; s: number; beta: number };
    gammaGamma: { p: number; q: number; v: number } | null;
    fit: Record<string, unknown>;
    selection?: Record<string, unknown>;
  };
}

export interface Eligibility {
  segments?: string[]; roles?: SegmentRole[]; tiers?: string[];
  minRecencyDays?: number; maxRecencyDays?: number;
  minOrders?: number; maxOrders?: number; minTotalSpend?: number; noHistory?: boolean;
  minPAlive?: number; maxPAlive?: number; minClv?: number; maxClv?: number;
}
export interface Offer {
  id: string; kind: OfferKind; title: string; value: number;
  eligibility?: Eligibility; weight?: number; segmentWeights?: Record<string, number>;
  roleWeights?: Partial<Record<SegmentRole, number>>;
  /** A condition in GrowthBook's syntax over the documented facts (`cart.subtotal`, `segment.role`, ...). */
  when?: Record<string, unknown>;
  /** Prior take-up, 0 to 1. */
  response?: number;
  /** Cost per take-up (derived from the kind when absent). */
  cost?: number;
  margin?: number;
  validity?: { from?: string; until?: string; daysOfWeek?: number[]; hours?: { from: number; until: number }; utcOffsetMinutes?: number };
  channels?: string[];
  targets?: { categories?: string[]; skus?: string[] };
  minCart?: number;
  caps?: { max: number; periodDays: number; event?: "shown" | "redeemed" }[];
  budget?: string;
  stackingGroup?: string;
  priority?: number;
}
export type Objective = "margin" | "revenue" | "retention";
export interface Variant {
  key: string; weight?: number; holdout?: boolean; offers?: string[]; excludeOffers?: string[];
  objective?: Objective; policy?: boolean; maxOffers?: number;
  nudges?: { max?: number; copy?: Record<string, string> };
  /** Offer id (or "*": every other offer) → the caps that replace the offer's own. */
  caps?: Record<string, { max: number; periodDays: number; event?: "shown" | "redeemed" }[]>;
  /** Documented programme parameters: "maxOffers", "nudges.max", "ranking.<field>",
   *  "offers.<offer id>.<field>" → value (null: the default). */
  set?: Record<string, unknown>;
}
export interface Experiment {
  key: string; name?: string; status?: "draft" | "running" | "stopped"; winner?: string;
  hash?: HashVersion; hashAttribute?: string; seed?: string; coverage?: number;
  namespace?: { id: string; range: [number, number] };
  targeting?: Record<string, unknown>;
  phases?: { start: string; coverage?: number; weights: number[] }[];
  forced?: Record<string, string[]>;
  variants: Variant[];
}
/** A programme document (models/default-program.json). */
export interface Program {
  formatVersion: 1;
  kind: "offerwise.program";
  name: string;
  currency: string;
  currencySymbol?: string;
  loyalty?: LoyaltyRules;
  offers?: Offer[];
  maxOffers?: number;
  nudges?: { max?: number };
  experiments?: Experiment[];
  /** A fixed share of customers held out of personalisation everywhere. */
  holdout?: { share: number; seed?: string; hash?: HashVersion; hashAttribute?: string };
  clv?: { expectedPurchasesHorizonDays?: number; months?: number; margin?: number; monthlyDiscountRate?: number };
  /** Saved groups for `$inGroup` / `$notInGroup` / `$savedGroup` in offer conditions. */
  savedGroups?: Record<string, unknown>;
  aggregates?: Record<string, Record<string, unknown>>;
  ranking?: { objective?: Objective; defaultResponse?: number; orderValue?: number; deliveryCost?: number;
              redemptionRate?: number; onePerKind?: boolean; explainLeftOut?: number };
  budgets?: Record<string, { total: number; from: string; until: string; paceTolerance?: number }>;
  stackingGroups?: Record<string, "exclusive" | "combinable">;
}

/** A learned policy (models/default-policy.json), written by `offerwise learn`. */
export interface Policy {
  formatVersion: 1;
  kind: "offerwise.policy";
  name: string;
  version?: string;
  context: string[];
  exploration?: { gamma?: number; floor?: number };
  learning?: { halfLifeDays?: number; ridge?: number };
  learnedAt?: string | null;
  sources?: Record<string, unknown>[];
  offers?: Record<string, { n: number; responses: number; a: number[]; b: number[]; theta: number[] }>;
}

/** Segment roles: the same vocabulary in every model (see the README). */
export type SegmentRole =
  | "champions" | "loyal" | "potential-loyalists" | "new"
  | "cant-lose" | "at-risk" | "hibernating" | "lost";

/** Something in the programme that will not work as written with the model (Engine.warnings). */
export interface EngineWarning {
  /** "program.unreachable_offer": the model has none of the offer's eligibility.roles. */
  code: string;
  /** JSON path in the programme, e.g. "offers[2].eligibility.roles". */
  path: string;
  message: string;
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

/// The training functions' types: only in the data build with training (`offerwise/data`).
#[cfg(feature = "train")]
#[wasm_bindgen(typescript_custom_section)]
const TS_TRAIN_TYPES: &'static str = r#"
/** How `customerFeatures()` and `train()` read a transaction file. */
export interface ReadOrdersOptions {
  /** The instant the features are computed at (ISO 8601, or epoch milliseconds); default the
   *  start (UTC) of the day after the last order. */
  now?: string | number;
  /** "csv" (a header naming the columns; the default) or "cdnow" (CDNOW text). */
  format?: "csv" | "cdnow";
  /** The CSV field delimiter: one character, or "tab" (default ","). */
  delimiter?: string;
  /** Count and report bad rows instead of stopping at the first one. */
  skipBadRows?: boolean;
  /** Leave out the orders after `now` (counted in `read.asOfLeftOut`) instead of refusing them. */
  asOf?: boolean;
}

/** What a read of a transaction file found. */
export interface OrdersRead {
  rows: number;
  skipped: number;
  firstErrors: { code: string; path: string; message: string }[];
  ignoredColumns: string[];
  /** Meaning -> the file's column read for it. */
  columns: Record<string, string>;
  asOfLeftOut: { rows: number; orders: number };
}

/** Every numeric feature, one value per customer (NaN where undefined). */
export type FeatureColumns = Record<
  "recencyDays" | "frequency" | "purchaseDays" | "monetary" | "totalSpend" | "tenureDays"
  | "meanDaysBetweenPurchases" | "spendLast365d" | "ordersLast365d" | "pointsBalance",
  Float64Array>;

export interface CustomerFeatures {
  customers: number;
  ids: string[];
  features: FeatureColumns;
  /** The instant the features were computed at (ISO 8601). */
  now: string;
  read: OrdersRead;
}

/** `train()`'s options: the reader's and `offerwise train`'s. */
export interface TrainOptions extends ReadOrdersOptions {
  /** Number of segments (default 5), or */
  k?: number;
  /** every k from the first to the second, the best mean silhouette kept. */
  kRange?: [number, number];
  algorithm?: "kmeans" | "gmm";
  /** Clustering features (default recencyDays, frequency, monetary). */
  features?: string[];
  transform?: "log1p" | "identity";
  nInit?: number;
  maxIter?: number;
  tolerance?: number;
  /** Random seed (default 42). */
  seed?: number;
  /** The model's name (default "model"). */
  name?: string;
  /** Where the data came from, recorded in the model (the CLI writes "FILE (cdnow)"). */
  source?: string;
  /** Fit the lifetime-value model too (default true). */
  clv?: boolean;
  clvTimeUnit?: "days" | "weeks";
  clvPenalizer?: number;
  /** "auto" (chosen on a holdout; the default), "bgnbd", "mbgnbd" or "pareto-nbd". */
  clvModel?: string;
}

/** `engine.effectivenessFiles()`: the files `offerwise effectiveness` reads. */
export interface ProgrammeFiles {
  /** The transaction file (CSV with a header, or CDNOW text with format "cdnow"). */
  orders: string | Uint8Array | ArrayBuffer;
  format?: "csv" | "cdnow";
  delimiter?: string;
  /** CSV: customer_id, enrolled_at. */
  members?: string;
  /** CSV: customer_id, segment. */
  segments?: string;
  /** JSON Lines: { customerId, account }. */
  ledger?: string;
  /** The decision log, JSON Lines. */
  decisions?: string;
  /** Outcome events, JSON Lines or CSV. */
  outcomes?: string;
  /** Survey answers, CSV with a 0-10 score column. */
  surveys?: string;
}

export interface EffectivenessFiles {
  effectiveness: Effectiveness;
  /** The report as one self-contained HTML page (no script, no request). */
  report: string;
  /** The end of the data used (ISO 8601). */
  now: string;
  /** Customers with orders. */
  customers: number;
  /** Members without an order in the file (left out). */
  orderlessMembers: string[];
  read: OrdersRead;
}

/** A training step, as it starts. */
export type TrainProgress =
  | { step: "features"; customers: number }
  | { step: "cluster"; k: number; index: number; count: number }
  | { step: "clv" };

export interface Trained {
  model: ModelBundle;
  customers: number;
  clustered: number;
  leftOut: number;
  leftOutIds: string[];
  /** The clustered customers, in order of first appearance. */
  ids: string[];
  /** The segment id of each clustered customer. */
  segments: Uint32Array;
  /** The clustered customers' features. */
  features: FeatureColumns;
  now: string;
  read: OrdersRead;
}
"#;
