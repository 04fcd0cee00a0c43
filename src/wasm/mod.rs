//! The WebAssembly boundary: `Engine`, `evaluateLoyalty()`, `evalCondition()`, `Conditions` and `version()`
//! for JavaScript.
//!
//! Documents cross as JS objects or JSON strings and are read with the path of every error;
//! results cross as plain objects (JSON-compatible: maps become objects, `None` becomes
//! `null`). Errors are thrown `OfferwiseError`s (see [`error`]). Nothing here panics on input.

mod alloc;
#[cfg(feature = "data")]
mod analysis;
#[cfg(feature = "data")]
mod batch;
mod caller;
mod error;
mod experiments;
mod facts;
#[cfg(feature = "train")]
mod train;
mod types;

use crate::customer::Customer;
use crate::engine::DecideOptions;
use crate::error::{Doc, Error};
use crate::model::Model;
use crate::program::Program;
use caller::thrown_message;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::{Ref, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Reads and checks a policy document (a JSON string or a JS object).
fn read_policy(value: JsValue) -> Result<crate::offers::policy::Policy, JsValue> {
    js_text(Doc::Policy, value)
        .and_then(|text| crate::offers::policy::Policy::from_json(&text))
        .map_err(error::to_js)
}

/// Reads a document given as a JSON string or as a JS object; errors are thrown `OfferwiseError`s.
fn read<T: DeserializeOwned>(doc: Doc, value: JsValue) -> Result<T, JsValue> {
    read_doc(doc, value).map_err(error::to_js)
}

fn read_doc<T: DeserializeOwned>(doc: Doc, value: JsValue) -> Result<T, Error> {
    crate::json::from_str(doc, &js_text(doc, value)?)
}

/// A document given as a JSON string or a JS object, as JSON text.
fn js_text(doc: Doc, value: JsValue) -> Result<String, Error> {
    match js_string(doc, &value)? {
        Some(text) => Ok(text),
        None if value.is_undefined() || value.is_null() => Err(Error::invalid(
            doc,
            "",
            format!("the {doc} is missing: pass an object or a JSON string"),
        )),
        None => {
            // A JS object is handed over as JSON text (JSON.stringify is native and fast) and read
            // by the same deserializer as the CLI's files: every key is seen, so a misspelt field
            // is an error with its path (serde-wasm-bindgen only looks up the declared fields), and
            // numbers keep their exact value (shortest round-trip text, parsed exactly).
            let text = stringify(doc, &value, "")?;
            match js_string(doc, &text)? {
                Some(text) => Ok(text),
                None => Err(Error::invalid(
                    doc,
                    "",
                    format!("the {doc} is not a JSON value: pass an object or a JSON string"),
                )),
            }
        }
    }
}

/// `JSON.stringify(value)`, its exceptions read as typed errors at `path`: an object too deep
/// for the JS engine's stack (V8 and WebKit: RangeError "Maximum call stack size exceeded";
/// SpiderMonkey: InternalError "too much recursion") is far over the 127 levels any document
/// may have, one whose text is longer than a JS string can be (V8: RangeError "Invalid string
/// length"; SpiderMonkey: "allocation size overflow") far over the size limit: both are
/// `limit.exceeded`; anything else the caller's own value threw (a getter, a `toJSON`, a
/// BigInt) is `*.invalid` with its message.
pub(crate) fn stringify(doc: Doc, value: &JsValue, path: &str) -> Result<JsValue, Error> {
    js_sys::JSON::stringify(value)
        .map(JsValue::from)
        .map_err(|e| {
            let why = thrown_message(&e);
            // (Prefixes compared, not searched for: a substring search costs the storefront
            // 4 KB of wasm.)
            let says = |prefixes: &[&str]| prefixes.iter().any(|p| why.starts_with(p));
            if says(&["Maximum call stack", "too much recursion"]) {
                return crate::limits::too_deep(doc, path.to_string());
            }
            if says(&["Invalid string length", "allocation size overflow"]) {
                return crate::limits::too_long_for_js(doc, path.to_string());
            }
            Error::invalid(
                doc,
                path,
                format!("cannot read the {doc} object as JSON: {why}"),
            )
        })
}

/// A JS string's text, refused before it is copied into wasm memory when it is over the
/// document's size limit (UTF-8 never has fewer bytes than UTF-16 has code units).
fn js_string(doc: Doc, value: &JsValue) -> Result<Option<String>, Error> {
    if let Some(s) = value.dyn_ref::<js_sys::JsString>() {
        crate::limits::check_size(doc, s.length() as usize)?;
    }
    let text = value.as_string();
    if let Some(text) = &text {
        crate::limits::check_size(doc, text.len())?;
    }
    Ok(text)
}

/// A lenient call's result with what it left out (`warnings`, see [`crate::lenient`]).
fn with_warnings(
    result: JsValue,
    warnings: Option<&Vec<crate::engine::Warning>>,
) -> Result<JsValue, JsValue> {
    if let Some(warnings) = warnings {
        js_sys::Reflect::set(&result, &"warnings".into(), &write(warnings)?)?;
    }
    Ok(result)
}

/// A result as a plain JS object. It fails only on a bug (a number JavaScript cannot hold
/// exactly, which the engine refuses before): a typed `internal.result` error then, which the
/// fuzzing counts as a finding, never a bare `Error`.
fn write<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| {
            error::offerwise_error(
                &format!("offerwise could not build its result: {e}"),
                "internal.result",
                "",
            )
        })
}

/// The offers engine: a trained model and a loyalty programme.
///
/// ```js
/// import { Engine } from "offerwise";
/// const engine = new Engine(model, program);           // objects or JSON strings
/// const decision = engine.decide(customer, { now: "2024-06-01T12:00:00Z" });
/// console.log(decision.segment?.name, decision.offers.map(o => o.id));
/// ```
#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine {
    /// Shared with the customers it prepares, so that a policy set later applies to them too.
    inner: Rc<RefCell<crate::Engine>>,
}

/// The engine, borrowed for one call. JavaScript cannot call in while `setPolicy` changes it
/// (wasm runs one call at a time and `setPolicy` calls no JavaScript), so the error is
/// unreachable; it exists so that nothing here can panic.
fn borrow(engine: &RefCell<crate::Engine>) -> Result<Ref<'_, crate::Engine>, JsValue> {
    engine.try_borrow().map_err(|_| {
        error::to_js(Error::invalid(
            Doc::Options,
            "",
            "the engine is being changed by setPolicy",
        ))
    })
}

impl WasmEngine {
    fn engine(&self) -> Result<Ref<'_, crate::Engine>, JsValue> {
        borrow(&self.inner)
    }

    /// The model, for the getters (which cannot throw): `None` only while the engine is being
    /// changed, which JavaScript cannot observe.
    fn with_model<T: Default>(&self, f: impl FnOnce(&Model) -> T) -> T {
        self.inner
            .try_borrow()
            .map(|e| f(e.model()))
            .unwrap_or_default()
    }

    /// Reads a customer and the decision options, runs `f` on the engine and writes its
    /// result: the body of `decide`, `assign` and `features`.
    fn for_customer<T: Serialize>(
        &self,
        customer: JsValue,
        options: JsValue,
        f: impl Fn(&crate::Engine, &Customer, &DecideOptions) -> Result<T, Error>,
    ) -> Result<JsValue, JsValue> {
        let customer = js_text(Doc::Customer, customer).map_err(error::to_js)?;
        let options = js_text(Doc::Options, options).map_err(error::to_js)?;
        let (lenient, options) = crate::lenient::requested(&options).map_err(error::to_js)?;
        let engine = self.engine()?;
        let mut inputs = crate::lenient::Inputs::new(Some(&customer), options, lenient);
        let result = inputs
            .run_with_customer(|c, o| f(&engine, &c, &o))
            .map_err(error::to_js)?;
        with_warnings(write(&result)?, lenient.then_some(&inputs.warnings))
    }
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Builds an engine from a model bundle, a programme document and, optionally, a learned
    /// policy (objects or JSON strings). Throws an `OfferwiseError` (`model.invalid`,
    /// `program.invalid`, `policy.invalid`, ...) saying what is wrong and where.
    ///
    /// ```js
    /// const engine = new Engine(await (await fetch("models/default.json")).json(), programText,
    ///                           policyText);   // the policy may be left out
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ModelBundle | string")] model: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Program | string")] program: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Policy | string | null")] policy: JsValue,
    ) -> Result<WasmEngine, JsValue> {
        let model: Model = read(Doc::Model, model)?;
        let program: Program = read(Doc::Program, program)?;
        let mut inner = crate::Engine::new(model, program).map_err(error::to_js)?;
        if !(policy.is_undefined() || policy.is_null()) {
            let policy = read_policy(policy)?;
            inner.set_policy(Some(policy)).map_err(error::to_js)?;
        }
        Ok(WasmEngine {
            inner: Rc::new(RefCell::new(inner)),
        })
    }

    /// Replaces the learned policy (`null`: rank by the programme's priors alone). A policy
    /// that fails its checks throws and the engine keeps the policy it had.
    #[wasm_bindgen(js_name = setPolicy)]
    ///
    /// Takes the engine shared, not exclusively (the policy lives behind the engine's own
    /// `RefCell`): were a caller's own value ever to make a call throw midway past the
    /// engine's catches (the caller's arrays are copied by [`caller::array`], its objects
    /// written by a catching `JSON.stringify`), wasm-bindgen's shared borrow of the object
    /// would be left behind, and `setPolicy` would still work.
    pub fn set_policy(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Policy | string | null")] policy: JsValue,
    ) -> Result<(), JsValue> {
        let policy = if policy.is_undefined() || policy.is_null() {
            None
        } else {
            Some(read_policy(policy)?)
        };
        let mut engine = self.inner.try_borrow_mut().map_err(|_| {
            error::to_js(Error::invalid(
                Doc::Policy,
                "",
                "the engine is in use and cannot change its policy now",
            ))
        })?;
        engine.set_policy(policy).map_err(error::to_js)
    }

    /// Takes the engine exclusively and does nothing: for the fuzzing's probe
    /// (`pkg-tests/lib/fuzz.mjs`), which checks after every failure that no call left the
    /// engine borrowed (a borrow left behind makes `free()` refuse).
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __exclusiveForTests, skip_typescript)]
    pub fn exclusive_for_tests(&mut self) {}

    /// The programme's version (`name@<12 hex>`), as in every decision's log record.
    /// ```js
    /// engine.programVersion; // "CDNOW Music Club@719dc80bfeaa"
    /// ```
    #[wasm_bindgen(getter, js_name = programVersion)]
    pub fn program_version(&self) -> String {
        self.inner
            .try_borrow()
            .map(|e| e.program_version().to_string())
            .unwrap_or_default()
    }

    /// The learned policy's version (`name@<12 hex>`), or `null` without one.
    #[wasm_bindgen(getter, js_name = policyVersion)]
    pub fn policy_version(&self) -> Option<String> {
        self.inner
            .try_borrow()
            .ok()
            .and_then(|e| e.policy().map(|p| p.version.clone()))
    }

    /// Decides for one customer at `options.now`: features, segment, tier, offers, experiment
    /// variants and nudges. Throws an `OfferwiseError` for invalid input; the engine stays
    /// usable afterwards.
    ///
    /// ```js
    /// const d = engine.decide({ id: "42", orders: [{ at: "2024-05-01", amount: 30 }] },
    ///                         { now: "2024-06-01" });
    /// d.nudges.forEach(n => console.log(n.message));
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn decide(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Customer | string")] customer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecideOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.for_customer(customer, options, crate::Engine::decide)
    }

    /// A customer's experiments, global holdout and sticky store, as `decide` assigns them,
    /// without a decision record: reading an assignment logs no exposure.
    #[wasm_bindgen(unchecked_return_type = "Assignments")]
    pub fn assign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Customer | string")] customer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecideOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.for_customer(customer, options, crate::Engine::assign)
    }

    /// Quotes a cart for a customer: the points this order earns, the most points it can burn,
    /// the price after burning, and the tier progress after it.
    ///
    /// ```js
    /// const q = engine.quote(customer, { items: [{ category: "jazz", price: 15.5, qty: 2 }] },
    ///                        { now: "1998-07-01" });
    /// console.log(q.earn.points, q.burn.maxPoints, q.burn.priceAfter);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Quote")]
    pub fn quote(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Customer | string")] customer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Cart | string")] cart: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecideOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let customer: Customer = read(Doc::Customer, customer)?;
        let cart: crate::loyalty::Cart = read(Doc::Options, cart)?;
        let options: DecideOptions = read(Doc::Options, options)?;
        let quote = self
            .engine()?
            .quote(&customer, &cart, &options)
            .map_err(error::to_js)?;
        write(&quote)
    }

    /// Computes a customer's features only.
    ///
    /// ```js
    /// const f = engine.features(customer, { now: Date.UTC(2024, 5, 1) });
    /// console.log(f.recencyDays, f.monetary);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Features")]
    pub fn features(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Customer | string")] customer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecideOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.for_customer(customer, options, crate::Engine::features)
    }

    /// The model's name.
    ///
    /// ```js
    /// engine.modelName; // "cdnow-default"
    /// ```
    #[wasm_bindgen(getter, js_name = modelName)]
    pub fn model_name(&self) -> String {
        self.with_model(|m| m.name.clone())
    }

    /// The model's version (`name@fingerprint`), as in every decision.
    ///
    /// ```js
    /// engine.modelVersion; // "cdnow-default@3f9a0c1b2d4e"
    /// ```
    #[wasm_bindgen(getter, js_name = modelVersion)]
    pub fn model_version(&self) -> String {
        self.with_model(|m| m.version.clone())
    }

    /// What in the programme will not work as written with this model: an array of
    /// `{code, path, message}` (e.g. `program.unreachable_offer` at `offers[2].eligibility.roles`
    /// when the model has no segment with any of the offer's roles). Empty when all applies.
    ///
    /// ```js
    /// for (const w of engine.warnings) console.warn(`${w.code} at ${w.path}: ${w.message}`);
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "EngineWarning[]")]
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        write(&self.engine()?.warnings())
    }

    /// The model's segment roles, by segment id.
    ///
    /// ```js
    /// engine.segmentRoles(); // ["champions", "loyal", ...]
    /// ```
    #[wasm_bindgen(js_name = segmentRoles)]
    pub fn segment_roles(&self) -> Vec<String> {
        self.with_model(|model| {
            (0..model.segments.len())
                .map(|i| model.role(i).id().to_string())
                .collect()
        })
    }

    /// The model's segment names, by segment id.
    ///
    /// ```js
    /// engine.segmentNames(); // ["champions", "loyal", ...]
    /// ```
    #[wasm_bindgen(js_name = segmentNames)]
    pub fn segment_names(&self) -> Vec<String> {
        self.with_model(|m| m.segments.iter().map(|s| s.name.clone()).collect())
    }

    /// Prepares a customer for a session's page views: reads and checks the customer once and
    /// keeps what depends on the history alone at `options.now` (features, segment, lifetime
    /// value, the loyalty account as of then, the history aggregates). `prepared.decide()`
    /// then decides per page view with the result `decide` gives for the same customer and
    /// options. Throws an `OfferwiseError` as `decide` does.
    ///
    /// ```js
    /// const me = engine.prepare(customer, { now: Date.now() });   // once per session
    /// const d = me.decide({ now: Date.now(), cart, context: { page: "cart" } });  // per view
    /// ```
    pub fn prepare(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Customer | string")] customer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "PrepareOptions")] options: JsValue,
    ) -> Result<WasmPrepared, JsValue> {
        let customer = js_text(Doc::Customer, customer).map_err(error::to_js)?;
        let options = js_text(Doc::Options, options).map_err(error::to_js)?;
        let (lenient, options) = crate::lenient::requested(&options).map_err(error::to_js)?;
        let engine = self.engine()?;
        let mut inputs = crate::lenient::Inputs::new(Some(&customer), options, lenient);
        let inner = inputs
            .run_with_customer(|c, o| engine.prepare(c, &o))
            .map_err(error::to_js)?;
        let warnings = lenient.then_some(inputs.warnings);
        Ok(WasmPrepared {
            engine: Rc::clone(&self.inner),
            inner,
            warnings,
        })
    }
}

/// A customer prepared by `engine.prepare(customer, {now})` for a session's page views.
///
/// ```js
/// const me = engine.prepare(customer, { now: Date.now() });
/// me.decide({ now: Date.now(), cart: { amount: 42.5 } }).offers;
/// ```
#[wasm_bindgen(js_name = PreparedCustomer)]
pub struct WasmPrepared {
    engine: Rc<RefCell<crate::Engine>>,
    inner: crate::engine::PreparedCustomer,
    /// What a lenient `prepare` left out of the customer (`None`: prepared strictly).
    warnings: Option<Vec<crate::engine::Warning>>,
}

impl WasmPrepared {
    /// A page's result (a decision or a page view) for `options`, leniently when they or the
    /// preparation ask for it: then with the preparation's and the page's `warnings`.
    fn for_page<T: Serialize>(
        &self,
        options: JsValue,
        f: impl Fn(&crate::Engine, &crate::engine::PreparedCustomer, &DecideOptions) -> Result<T, Error>,
    ) -> Result<JsValue, JsValue> {
        let options = js_text(Doc::Options, options).map_err(error::to_js)?;
        let (lenient, options) = crate::lenient::requested(&options).map_err(error::to_js)?;
        let engine = borrow(&self.engine)?;
        let lenient = lenient || self.warnings.is_some();
        let mut inputs = crate::lenient::Inputs::new(None, options, lenient);
        let result = inputs
            .run(|_, o| f(&engine, &self.inner, &o))
            .map_err(error::to_js)?;
        let mut warnings = self.warnings.clone().unwrap_or_default();
        warnings.append(&mut inputs.warnings);
        with_warnings(write(&result)?, lenient.then_some(&warnings))
    }
}

#[wasm_bindgen(js_class = PreparedCustomer)]
impl WasmPrepared {
    /// Decides for this customer at `options.now` with the page's cart, context, budgets and
    /// sticky store: the decision `engine.decide(customer, options)` makes. At the prepared
    /// `now` only what depends on the page is computed; at a later `now` the history's
    /// features, segment and lifetime value are derived again from the checked history.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn decide(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DecideOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.for_page(options, crate::Engine::decide_prepared)
    }

    /// A page view's decision: the parts of `decide(options)`'s decision that depend on the
    /// page (offers, left out, experiments, sticky store, tier id, points, the cart's quote,
    /// nudges, the log record), equal to them, without building the history's part again.
    /// What a storefront calls on each page view: about a sixth cheaper than `decide` in wasm
    /// (bench/ rows `j`).
    ///
    /// ```js
    /// const view = me.pageView({ now: Date.now(), cart: { amount: 42.5 } });
    /// view.offers; view.quote.earn.points; view.log;
    /// ```
    #[wasm_bindgen(js_name = pageView, unchecked_return_type = "PageView")]
    pub fn page_view(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DecideOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.for_page(options, crate::Engine::page_view)
    }

    /// The customer's id.
    #[wasm_bindgen(getter, js_name = customerId)]
    pub fn customer_id(&self) -> String {
        self.inner.customer().id.0.clone()
    }

    /// The instant it was prepared at (ISO 8601, UTC).
    #[wasm_bindgen(getter)]
    pub fn now(&self) -> String {
        crate::time::format_instant(self.inner.now_ms())
    }
}

/// Evaluates a loyalty account on its own: `{rules, account, history, cart?, now,
/// timeZoneOffsetMinutes?, maxNudges?, money?}` (the programme's `loyalty` section, the
/// customer's `loyalty` account, the orders) gives the ledger, tier, membership, discounts,
/// rewards due, quote and nudges. Errors carry the loyalty module's codes and paths
/// (`loyalty.insufficient_points` at `account.operations[3]`, ...).
///
/// ```js
/// const state = evaluateLoyalty({ rules: { earn: { pointsPerUnit: 1 } }, now: "2024-06-01",
///   account: { operations: [{ type: "earn", key: "e1", at: "2024-05-01", points: 300 }] } });
/// state.ledger.available; // 300
/// ```
#[wasm_bindgen(js_name = evaluateLoyalty, unchecked_return_type = "LoyaltyState")]
pub fn evaluate_loyalty(
    #[wasm_bindgen(unchecked_param_type = "LoyaltyInput | string")] input: JsValue,
) -> Result<JsValue, JsValue> {
    let input: crate::loyalty::EvaluateInput = read(Doc::Loyalty, input)?;
    let state = input.evaluate().map_err(|e| {
        error::to_js(Error::Loyalty {
            code: e.code(),
            path: e.path().to_string(),
            message: e.message(),
        })
    })?;
    write(&state)
}

/// Evaluates a targeting condition in GrowthBook's syntax against attributes, with GrowthBook's
/// argument order and answers (`evalCondition` of `@growthbook/growthbook`). Each argument is
/// an object or a JSON string; the saved groups (`groups`, GrowthBook's `savedGroups`) are
/// optional. Unlike GrowthBook, which answers `false` for a condition it cannot read, a
/// malformed condition throws an `OfferwiseError` with a `code` (`condition.unknown_operator`,
/// `condition.bad_regex`, ...) and the `path` of the problem (`$and[1].cart.subtotal.$gt`).
/// JS values that are not JSON cross as `JSON.stringify` writes them (an `undefined` property
/// is missing, so it is `null` to the condition, where GrowthBook tells the two apart).
///
/// ```js
/// import { evalCondition } from "offerwise";
/// evalCondition({ country: "NL", cart: { subtotal: 64 } },
///               { country: { $in: ["NL", "BE"] }, "cart.subtotal": { $gte: 50 } }); // true
/// ```
#[wasm_bindgen(js_name = evalCondition)]
pub fn eval_condition(
    #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | string")] attributes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | string")] condition: JsValue,
    // Named `groups` for JS (GrowthBook's `savedGroups`): parameter names reach the `.d.ts`.
    #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown> | string | null")]
    groups: JsValue,
) -> Result<bool, JsValue> {
    eval_condition_values(attributes, condition, groups).map_err(error::to_js)
}

fn eval_condition_values(
    attributes: JsValue,
    condition: JsValue,
    saved_groups: JsValue,
) -> Result<bool, Error> {
    use crate::offers::conditions::{Condition, SavedGroups};
    let attributes =
        crate::json::value_from_str(Doc::Attributes, &js_text(Doc::Attributes, attributes)?)?;
    let condition =
        crate::json::value_from_str(Doc::Condition, &js_text(Doc::Condition, condition)?)?;
    let condition = Condition::parse(&condition)?;
    let groups = if saved_groups.is_undefined() || saved_groups.is_null() {
        SavedGroups::empty()
    } else {
        let groups = crate::json::value_from_str(
            Doc::SavedGroups,
            &js_text(Doc::SavedGroups, saved_groups)?,
        )?;
        SavedGroups::parse(&groups)?
    };
    Ok(condition.eval(&attributes, &groups))
}

/// Targeting conditions compiled once and evaluated together, for a page that tests the same
/// rules on every view: `new Conditions([c1, c2, ...], groups?)` reads and compiles them (a
/// malformed one throws with its index in the path, `[3].cart.subtotal.$gtx`), and
/// `evalAll(attributes)` answers every one for a set of attributes (GrowthBook's answers, as
/// [`evalCondition`](eval_condition)) as a `Uint8Array` of 1 (holds) and 0, in order.
///
/// ```js
/// import { Conditions } from "offerwise";
/// const rules = new Conditions([{ "cart.subtotal": { $gte: 50 } }, { country: "NL" }]);
/// rules.evalAll({ cart: { subtotal: 64 }, country: "BE" }); // Uint8Array [1, 0]
/// ```
#[wasm_bindgen]
pub struct Conditions {
    set: crate::offers::conditions::ConditionSet,
    /// The attribute values the set reads, reused from one call to the next.
    facts: crate::offers::conditions::Facts,
    /// Takes the attributes into the wasm memory.
    reader: facts::JsReader,
}

#[wasm_bindgen]
impl Conditions {
    /// Reads and compiles an array of conditions (objects, or one JSON string of the array) and
    /// optional saved groups.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>[] | string")]
        conditions: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown> | string | null")]
        groups: JsValue,
    ) -> Result<Conditions, JsValue> {
        Conditions::read(conditions, groups).map_err(error::to_js)
    }

    fn read(conditions: JsValue, groups: JsValue) -> Result<Conditions, Error> {
        use crate::offers::conditions::{Condition, ConditionError, ConditionSet, SavedGroups};
        let all =
            crate::json::value_from_str(Doc::Condition, &js_text(Doc::Condition, conditions)?)?;
        let Some(items) = all.as_array() else {
            return Err(Error::invalid(
                Doc::Condition,
                "",
                "expected an array of conditions",
            ));
        };
        let mut list = Vec::with_capacity(items.len());
        for (i, c) in items.iter().enumerate() {
            list.push(Condition::parse(c).map_err(|e| {
                let path = if e.path().is_empty() {
                    format!("[{i}]")
                } else {
                    format!("[{i}].{}", e.path())
                };
                Error::from(ConditionError::new(e.kind(), path, e.message()))
            })?);
        }
        let groups = if groups.is_undefined() || groups.is_null() {
            SavedGroups::empty()
        } else {
            let g =
                crate::json::value_from_str(Doc::SavedGroups, &js_text(Doc::SavedGroups, groups)?)?;
            SavedGroups::parse(&g)?
        };
        let set = ConditionSet::new(list, groups);
        Ok(Conditions {
            reader: facts::JsReader::new(&set),
            set,
            facts: Default::default(),
        })
    }

    /// How many conditions there are.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.set.len()
    }

    /// Answers every condition for `attributes` (an object or a JSON string): 1 or 0 each.
    ///
    /// An object is read where the conditions look (see `facts.js`), not turned into JSON
    /// text first; the answers are those for its JSON text.
    #[wasm_bindgen(js_name = evalAll)]
    pub fn eval_all(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | string")]
        attributes: JsValue,
    ) -> Result<Vec<u8>, JsValue> {
        if attributes.is_object() {
            if self.reader.read(&self.set, &attributes, &mut self.facts) {
                return Ok(self.set.eval_all(&self.facts).map(u8::from).collect());
            }
        } else if let Some(text) = self.reader.text(&attributes) {
            return eval_text(&self.set, &mut self.facts, text).map_err(error::to_js);
        }
        let text = js_text(Doc::Attributes, attributes).map_err(error::to_js)?;
        eval_text(&self.set, &mut self.facts, &text).map_err(error::to_js)
    }

    /// As `evalAll`, for attributes given as JSON text (the quickest way in: only the values
    /// the conditions read are taken out of the text).
    #[wasm_bindgen(js_name = evalAllJson)]
    pub fn eval_all_json(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] attributes: JsValue,
    ) -> Result<Vec<u8>, JsValue> {
        let Some(text) = self.reader.text(&attributes) else {
            return Err(error::to_js(Error::invalid(
                Doc::Attributes,
                "",
                "evalAllJson takes the attributes as JSON text (a string); evalAll takes an object",
            )));
        };
        eval_text(&self.set, &mut self.facts, text).map_err(error::to_js)
    }

    /// As `evalAllJson`, for JSON text already encoded as UTF-8 (a request body's bytes,
    /// `new Uint8Array(await request.arrayBuffer())`): no decoding to a string and back.
    #[wasm_bindgen(js_name = evalAllBytes)]
    pub fn eval_all_bytes(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] attributes: &JsValue,
    ) -> Result<Vec<u8>, JsValue> {
        let not_bytes = || {
            error::to_js(Error::invalid(
                Doc::Attributes,
                "",
                "the attributes are JSON text as bytes: a Uint8Array",
            ))
        };
        // Recognised by its internal slot and copied by the engine (see [`caller`]): a Proxy, a
        // replaced prototype or an own `length` of the caller's cannot throw through this
        // `&mut self` call, which would leave the object borrowed.
        let attributes = caller::uint8_array(attributes)
            .ok_or_else(not_bytes)?
            .map_err(|why| {
                error::to_js(Error::invalid(
                    Doc::Attributes,
                    "",
                    format!("cannot read the Uint8Array: {why}"),
                ))
            })?;
        let text = std::str::from_utf8(&attributes).map_err(|e| {
            error::to_js(Error::invalid(
                Doc::Attributes,
                "",
                format!("the attributes are not UTF-8 text: {e}"),
            ))
        })?;
        eval_text(&self.set, &mut self.facts, text).map_err(error::to_js)
    }
}

/// Every condition of `set` for attributes given as JSON text.
fn eval_text(
    set: &crate::offers::conditions::ConditionSet,
    facts: &mut crate::offers::conditions::Facts,
    text: &str,
) -> Result<Vec<u8>, Error> {
    // The attributes document's size limit, as everywhere else (the reader would scan any size).
    crate::limits::check_size(Doc::Attributes, text.len())?;
    set.read_json(text, facts).map_err(|e| {
        // The same error as the other entry points give for the same text.
        crate::json::value_from_str(Doc::Attributes, text)
            .err()
            .unwrap_or_else(|| Error::invalid(Doc::Attributes, "", e.to_string()))
    })?;
    Ok(set.eval_all(facts).map(u8::from).collect())
}

/// The offerwise version.
///
/// Runs when the module is instantiated: a panic, which would be a bug of offerwise (no input
/// makes it panic: the fuzzing campaign of `tests/fuzz.rs` and `pkg-tests/fuzz.test.mjs`
/// checks), is thrown to the caller as an `OfferwiseError` with code `internal.panic` and the
/// panic's message, instead of a bare `RuntimeError: unreachable` that leaves the instance
/// unusable. The storefront is built with `panic = "abort"`, so the call cannot continue; the
/// glue makes a fresh instance (wasm-bindgen's `schedule_reinit`) at the next call, and the
/// objects made before (an `Engine`) must be made again.
#[wasm_bindgen(start, skip_typescript, js_name = __offerwiseStart)]
fn offerwise_start() {
    std::panic::set_hook(Box::new(|info| {
        wasm_bindgen::handler::schedule_reinit();
        let message = format!(
            "offerwise hit a bug ({info}); it starts afresh at the next call, so create the Engine again. Please report it with the input"
        );
        wasm_bindgen::throw_val(error::offerwise_error(&message, "internal.panic", ""));
    }));
}

/// Panics, for the tests of the panic hook (`pkg-tests/panic.test.mjs`): a page can always
/// throw its own instance away; this only lets a test check what a bug would look like.
#[doc(hidden)]
#[wasm_bindgen(js_name = __panicForTests, skip_typescript)]
pub fn panic_for_tests() {
    panic!("a deliberate panic, for the tests of the panic hook");
}

/// ```js
/// import { version } from "offerwise";
/// version(); // "0.1.0"
/// ```
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}
