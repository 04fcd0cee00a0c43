//! A set of conditions compiled together, and the attributes they read, taken straight from
//! JSON text.
//!
//! [`ConditionSet::new`] collects the distinct attribute paths its conditions (and the saved
//! groups' conditions and keys) read from the attributes' root, gives each a slot, and builds
//! a tree of their segments. [`ConditionSet::read_json`] then walks a JSON document once:
//! keys on no path are skipped (checked, not built), and only the value at the end of each
//! path is made into a [`Value`]; a value on the way that is not an object (an array indexed
//! by a path, `items.length`, a string) is read whole and the paths below it resolved in it as
//! GrowthBook's `getPath` does. The conditions then read their slots
//! ([`ConditionSet::eval`]), with the same answers as [`Condition::eval`] on the parsed
//! document. Anything the scanner does not handle itself (a `\u` escape in a string, a number
//! out of range, nesting deeper than 120 levels, malformed text) is read again by
//! `serde_json`, which gives the answer or the error.

use super::compile::{Path, Seg, NO_SLOT};
use super::eval::{self, resolve, Ctx, Source};
use super::{Condition, SavedGroups};
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

static NULL: Value = Value::Null;

/// Nesting beyond this many arrays and objects is left to `serde_json` (which refuses more
/// than 128).
const MAX_NESTING: usize = 120;

/// Conditions and saved groups compiled together, evaluated against [`Facts`] read once per
/// set of attributes.
///
/// ```
/// use offerwise_conditions::{Condition, ConditionSet, Facts, SavedGroups};
/// use serde_json::json;
/// let set = ConditionSet::new(
///     vec![
///         Condition::parse(&json!({"cart.subtotal": {"$gte": 50}})).unwrap(),
///         Condition::parse(&json!({"country": {"$in": ["NL", "BE"]}})).unwrap(),
///     ],
///     SavedGroups::empty(),
/// );
/// let mut facts = Facts::default();
/// set.read_json(r#"{"cart": {"subtotal": 64, "items": [1, 2]}, "country": "DE"}"#, &mut facts)
///     .unwrap();
/// assert_eq!(set.eval_all(&facts).collect::<Vec<_>>(), [true, false]);
/// ```
#[derive(Debug, Clone)]
pub struct ConditionSet {
    conditions: Vec<Condition>,
    groups: SavedGroups,
    table: Table,
}

/// The attribute values a [`ConditionSet`] reads, one slot per distinct path; read by
/// [`ConditionSet::read_json`] or [`ConditionSet::read_value`] and reusable from one set of
/// attributes to the next (for the set that filled it).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    slots: Vec<Value>,
    reread: bool,
}

impl Facts {
    /// Whether the last [`ConditionSet::read_json`] left the text to `serde_json` (see the
    /// module docs) rather than scanning it itself.
    #[doc(hidden)]
    pub fn was_reread(&self) -> bool {
        self.reread
    }
}

impl Source for Facts {
    fn field(&self, path: &Path) -> Cow<'_, Value> {
        Cow::Borrowed(self.slots.get(path.slot as usize).unwrap_or(&NULL))
    }
}

/// The tree of path segments; node 0 is the attributes' root.
#[derive(Debug, Clone, Default)]
struct Table {
    nodes: Vec<Node>,
    /// Each slot's path.
    paths: Vec<Vec<Seg>>,
}

#[derive(Debug, Clone)]
struct Node {
    key: String,
    children: Vec<usize>,
    /// The slot of the path ending here, or [`NO_SLOT`].
    slot: u32,
    /// How many segments lead here.
    depth: usize,
    /// The slots of the paths ending here or below: `lo..hi`.
    lo: u32,
    hi: u32,
}

impl Node {
    fn new(key: &str, depth: usize) -> Node {
        Node {
            key: key.to_string(),
            children: Vec::new(),
            slot: NO_SLOT,
            depth,
            lo: 0,
            hi: 0,
        }
    }
}

impl Table {
    /// The child of `node` named `key` (children are sorted by key: a binary search, so a
    /// node with 100,000 children costs a document key about 17 comparisons).
    fn child(&self, node: usize, key: &str) -> Option<usize> {
        self.search(node, key).ok()
    }

    /// The child of `node` named `key`, or where in its children one would go.
    fn search(&self, node: usize, key: &str) -> Result<usize, usize> {
        let children = self.nodes.get(node).map_or(&[][..], |n| &n.children[..]);
        let i = children
            .binary_search_by(|&c| self.nodes.get(c).map_or("", |n| n.key.as_str()).cmp(key))?;
        children.get(i).copied().ok_or(i)
    }

    /// Builds the tree of `paths` (distinct), numbering the slots in tree order so that each
    /// node's paths have consecutive slots; returns the slot of each dotted path.
    fn build(paths: &BTreeMap<String, Vec<Seg>>) -> (Table, BTreeMap<String, u32>) {
        let mut t = Table {
            nodes: vec![Node::new("", 0)],
            paths: Vec::with_capacity(paths.len()),
        };
        // Each node's children are kept sorted by key (for `child`'s search by halving): a
        // child is inserted where the search misses, at the end unless the keys come out of
        // the paths' order (a key that is another's prefix followed by a character before
        // '.'), so building costs a search per segment however many children a node has.
        let mut ends: Vec<(usize, &str)> = Vec::with_capacity(paths.len());
        for (dotted, segs) in paths {
            let mut n = 0;
            for (d, seg) in segs.iter().enumerate() {
                n = match t.search(n, &seg.key) {
                    Ok(c) => c,
                    Err(at) => {
                        t.nodes.push(Node::new(&seg.key, d + 1));
                        let c = t.nodes.len() - 1;
                        if let Some(parent) = t.nodes.get_mut(n) {
                            parent.children.insert(at.min(parent.children.len()), c);
                        }
                        c
                    }
                };
            }
            ends.push((n, dotted.as_str()));
        }
        let mut end_of = vec![None; t.nodes.len()];
        for (n, dotted) in ends {
            if let Some(e) = end_of.get_mut(n) {
                *e = Some(dotted);
            }
        }
        let mut slots = BTreeMap::new();
        t.number(0, &end_of, paths, &mut slots);
        (t, slots)
    }

    /// Numbers the slots depth first from node `n` (with a stack of its own: a path may have
    /// as many segments as its document has dots).
    fn number(
        &mut self,
        n: usize,
        end_of: &[Option<&str>],
        paths: &BTreeMap<String, Vec<Seg>>,
        slots: &mut BTreeMap<String, u32>,
    ) {
        // (node, whether its children are done)
        let mut stack = vec![(n, false)];
        while let Some((n, done)) = stack.pop() {
            if done {
                let hi = self.paths.len() as u32;
                if let Some(node) = self.nodes.get_mut(n) {
                    node.hi = hi;
                }
                continue;
            }
            let lo = self.paths.len() as u32;
            if let Some(Some(dotted)) = end_of.get(n) {
                let slot = self.paths.len() as u32;
                self.paths
                    .push(paths.get(*dotted).cloned().unwrap_or_default());
                slots.insert((*dotted).to_string(), slot);
                if let Some(node) = self.nodes.get_mut(n) {
                    node.slot = slot;
                }
            }
            stack.push((n, true));
            if let Some(node) = self.nodes.get_mut(n) {
                node.lo = lo;
                stack.extend(node.children.iter().rev().map(|&c| (c, false)));
            }
        }
    }
}

impl ConditionSet {
    /// Compiles the set: collects the attribute paths the conditions and the groups read.
    pub fn new(mut conditions: Vec<Condition>, mut groups: SavedGroups) -> ConditionSet {
        let mut paths = BTreeMap::new();
        let mut collect = |p: &mut Path| {
            paths.entry(p.dotted()).or_insert_with(|| p.segs.clone());
        };
        for c in &mut conditions {
            c.root.root_paths_mut(&mut collect);
        }
        groups.root_paths_mut(&mut collect);
        let (table, slots) = Table::build(&paths);
        let mut assign = |p: &mut Path| {
            p.slot = slots.get(&p.dotted()).copied().unwrap_or(NO_SLOT);
        };
        for c in &mut conditions {
            c.root.root_paths_mut(&mut assign);
        }
        groups.root_paths_mut(&mut assign);
        ConditionSet {
            conditions,
            groups,
            table,
        }
    }

    /// The conditions, in order.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The saved groups.
    pub fn groups(&self) -> &SavedGroups {
        &self.groups
    }

    /// How many conditions there are.
    pub fn len(&self) -> usize {
        self.conditions.len()
    }

    /// Whether there are no conditions.
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// The distinct attribute paths the set reads (dotted), in slot order.
    pub fn paths(&self) -> impl Iterator<Item = String> + '_ {
        self.table.paths.iter().map(|segs| {
            segs.iter()
                .map(|s| s.key.as_str())
                .collect::<Vec<_>>()
                .join(".")
        })
    }

    /// How many slots (distinct attribute paths) there are.
    pub fn slot_count(&self) -> usize {
        self.table.paths.len()
    }

    /// The tree of the paths, for a reader outside Rust (the wasm build's reader of JS
    /// objects): the root node `{"c": [...]}`, each node below it `{"k": key, "i": array index
    /// or -1, "s": slot or -1, "c": [children]}`. The slots are numbered in depth-first
    /// pre-order (a node's own slot, then its children's, in order), so a reader that walks
    /// it that way meets the slots in ascending order.
    pub fn path_tree(&self) -> Value {
        self.tree_node(0)
    }

    fn tree_node(&self, n: usize) -> Value {
        let Some(node) = self.table.nodes.get(n) else {
            return Value::Null;
        };
        let children: Vec<Value> = node.children.iter().map(|&c| self.tree_node(c)).collect();
        let slot = if node.slot == NO_SLOT {
            -1
        } else {
            i64::from(node.slot)
        };
        let index = super::compile::canonical_index(&node.key)
            .and_then(|i| i64::try_from(i).ok())
            .filter(|&i| i < (1 << 31))
            .unwrap_or(-1);
        serde_json::json!({"k": node.key, "i": index, "s": slot, "c": children})
    }

    /// The slots of `facts`, one per path in slot order, for a reader outside Rust to fill
    /// (each keeps its previous value, so a string's buffer can be reused): the reader must
    /// write every one.
    pub fn slots_mut<'f>(&self, facts: &'f mut Facts) -> &'f mut [Value] {
        facts.slots.resize(self.table.paths.len(), Value::Null);
        facts.reread = false;
        &mut facts.slots
    }

    /// Reads the attributes from JSON text into `facts` (see the module docs); the error is
    /// `serde_json`'s when the text is not JSON.
    pub fn read_json(&self, text: &str, facts: &mut Facts) -> Result<(), serde_json::Error> {
        self.reset(facts);
        let mut scan = Scanner {
            text,
            b: text.as_bytes(),
            i: 0,
        };
        let scanned = scan.document(&self.table, &mut facts.slots);
        facts.reread = scanned.is_err();
        if scanned.is_err() {
            let v: Value = serde_json::from_str(text)?;
            self.read_value(&v, facts);
        }
        Ok(())
    }

    /// Reads the attributes from a parsed document into `facts`.
    pub fn read_value(&self, attributes: &Value, facts: &mut Facts) {
        self.reset(facts);
        for (slot, segs) in facts.slots.iter_mut().zip(&self.table.paths) {
            *slot = resolve(attributes, segs).into_owned();
        }
    }

    fn reset(&self, facts: &mut Facts) {
        facts.slots.clear();
        facts.slots.resize(self.table.paths.len(), Value::Null);
    }

    /// Whether condition `i` holds for `facts` (read by this set); `false` when there is no
    /// condition `i`.
    pub fn eval(&self, i: usize, facts: &Facts) -> bool {
        self.conditions
            .get(i)
            .is_some_and(|c| self.eval_one(c, facts))
    }

    /// Whether each condition holds for `facts` (read by this set), in order.
    pub fn eval_all<'a>(&'a self, facts: &'a Facts) -> impl Iterator<Item = bool> + 'a {
        self.conditions.iter().map(|c| self.eval_one(c, facts))
    }

    fn eval_one(&self, c: &Condition, facts: &Facts) -> bool {
        eval::cond(
            &c.root,
            facts,
            Ctx {
                groups: &self.groups,
                visited: None,
            },
        )
    }
}

/// Not scanned here: `serde_json` reads the text again.
#[derive(Debug)]
struct Reread;

type Scan<T> = Result<T, Reread>;

struct Scanner<'t> {
    text: &'t str,
    b: &'t [u8],
    i: usize,
}

// The small steps are inlined by hand: the storefront wasm is built for size (opt-level "z"),
// which otherwise calls them for every byte.
impl Scanner<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        let mut i = self.i;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(i) {
            i += 1;
        }
        self.i = i;
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Scan<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Reread)
        }
    }

    fn word(&mut self, w: &[u8]) -> Scan<()> {
        if self.b.get(self.i..self.i + w.len()) == Some(w) {
            self.i += w.len();
            Ok(())
        } else {
            Err(Reread)
        }
    }

    fn slice(&self, from: usize, to: usize) -> Scan<&str> {
        self.text.get(from..to).ok_or(Reread)
    }

    /// The whole document into the slots.
    fn document(&mut self, t: &Table, slots: &mut [Value]) -> Scan<()> {
        self.ws();
        self.node(t, 0, slots, 0)?;
        self.ws();
        if self.i == self.b.len() {
            Ok(())
        } else {
            Err(Reread)
        }
    }

    /// The value at tree node `n`, `depth` containers deep.
    fn node(&mut self, t: &Table, n: usize, slots: &mut [Value], depth: usize) -> Scan<()> {
        let node = t.nodes.get(n).ok_or(Reread)?;
        if node.children.is_empty() {
            if node.slot == NO_SLOT {
                return self.skip(depth);
            }
            let v = self.value(depth)?;
            *slots.get_mut(node.slot as usize).ok_or(Reread)? = v;
            return Ok(());
        }
        if node.slot == NO_SLOT && self.peek() == Some(b'{') {
            if depth >= MAX_NESTING {
                return Err(Reread);
            }
            self.i += 1;
            self.ws();
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(());
            }
            loop {
                let (from, to, escaped) = self.string()?;
                let child = if escaped {
                    let key: String =
                        serde_json::from_str(self.slice(from - 1, to + 1)?).map_err(|_| Reread)?;
                    t.child(n, &key)
                } else {
                    t.child(n, self.slice(from, to)?)
                };
                self.ws();
                self.eat(b':')?;
                self.ws();
                match child.and_then(|c| t.nodes.get(c).map(|node| (c, node))) {
                    Some((c, child)) => {
                        // A key seen again replaces what it gave before (as in JSON.parse).
                        for s in slots
                            .get_mut(child.lo as usize..child.hi as usize)
                            .ok_or(Reread)?
                        {
                            *s = Value::Null;
                        }
                        self.node(t, c, slots, depth + 1)?;
                    }
                    None => self.skip(depth + 1)?,
                }
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        self.ws();
                    }
                    Some(b'}') => {
                        self.i += 1;
                        return Ok(());
                    }
                    _ => return Err(Reread),
                }
            }
        }
        // Not an object, or a path ends here too: the whole value, the paths below resolved in
        // it.
        let v = self.value(depth)?;
        for s in node.lo..node.hi {
            let segs = t.paths.get(s as usize).ok_or(Reread)?;
            let rest = segs.get(node.depth..).ok_or(Reread)?;
            *slots.get_mut(s as usize).ok_or(Reread)? = resolve(&v, rest).into_owned();
        }
        Ok(())
    }

    /// A string at its opening quote: the byte range of its contents and whether it has
    /// escapes.
    fn string(&mut self) -> Scan<(usize, usize, bool)> {
        self.eat(b'"')?;
        let from = self.i;
        let mut escaped = false;
        let mut unicode = false;
        loop {
            // Plain characters in one go.
            let mut i = self.i;
            while let Some(&c) = self.b.get(i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                i += 1;
            }
            self.i = i;
            match *self.b.get(self.i).ok_or(Reread)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    match self.b.get(self.i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => unicode = true,
                        _ => return Err(Reread),
                    }
                    self.i += 2;
                }
                0..=0x1f => return Err(Reread),
                _ => self.i += 1,
            }
        }
        let to = self.i;
        self.i += 1;
        // `\u` escapes (surrogate pairs, lone surrogates) are left to serde_json.
        if unicode {
            return Err(Reread);
        }
        Ok((from, to, escaped))
    }

    /// A number: its text and whether it is an integer.
    fn number(&mut self) -> Scan<(usize, bool)> {
        let from = self.i;
        #[inline(always)]
        fn digits(s: &mut Scanner<'_>) -> Scan<()> {
            let start = s.i;
            let mut i = start;
            while let Some(b'0'..=b'9') = s.b.get(i) {
                i += 1;
            }
            s.i = i;
            if i == start {
                Err(Reread)
            } else {
                Ok(())
            }
        }
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => digits(self)?,
            _ => return Err(Reread),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.i += 1;
            digits(self)?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            digits(self)?;
        }
        Ok((from, integer))
    }

    /// Skips a value, checking it.
    fn skip(&mut self, depth: usize) -> Scan<()> {
        match self.peek().ok_or(Reread)? {
            open @ (b'{' | b'[') => {
                if depth >= MAX_NESTING {
                    return Err(Reread);
                }
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                self.ws();
                if self.peek() == Some(close) {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        self.string()?;
                        self.ws();
                        self.eat(b':')?;
                        self.ws();
                    }
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                            self.ws();
                        }
                        Some(c) if c == close => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(Reread),
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(|_| ()),
            _ => Err(Reread),
        }
    }

    /// Reads a value whole.
    fn value(&mut self, depth: usize) -> Scan<Value> {
        match self.peek().ok_or(Reread)? {
            b'"' => {
                let (from, to, escaped) = self.string()?;
                if escaped {
                    serde_json::from_str(self.slice(from - 1, to + 1)?).map_err(|_| Reread)
                } else {
                    Ok(Value::String(self.slice(from, to)?.to_string()))
                }
            }
            b't' => self.word(b"true").map(|()| Value::Bool(true)),
            b'f' => self.word(b"false").map(|()| Value::Bool(false)),
            b'n' => self.word(b"null").map(|()| Value::Null),
            b'-' | b'0'..=b'9' => {
                let (from, integer) = self.number()?;
                number(self.slice(from, self.i)?, integer).map(Value::Number)
            }
            _ => {
                let from = self.i;
                self.skip(depth)?;
                serde_json::from_str(self.slice(from, self.i)?).map_err(|_| Reread)
            }
        }
    }
}

/// A JSON number as `serde_json` reads it: integers that fit as `u64`/`i64`, anything else as
/// the nearest double (`-0` too); out of range is left to `serde_json` (an error).
fn number(text: &str, integer: bool) -> Scan<Number> {
    if integer && text != "-0" {
        if let Ok(u) = text.parse::<u64>() {
            return Ok(Number::from(u));
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Number::from(i));
        }
    }
    let x: f64 = text.parse().map_err(|_| Reread)?;
    Number::from_f64(x).ok_or(Reread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The scanner's answers equal `Condition::eval` on the parsed text, for awkward documents.
    #[test]
    fn scanned_facts_match_the_parsed_document() {
        let conditions = [
            json!({"a.b": 1}),
            json!({"a": {"$exists": true}, "a.c": {"$gt": 0}}),
            json!({"items.0.sku": "A", "items.length": 2}),
            json!({"0": 5}),
            json!({"s.length": {"$exists": false}}),
            json!({"e\"k": "x", "k\\n": 1}),
            json!({"n": {"$type": "number"}, "n": {"$lt": 0}}),
            json!({"deep.x.y": {"$elemMatch": {"z": 1}}}),
        ];
        let list: Vec<Condition> = conditions
            .iter()
            .map(|c| Condition::parse(c).unwrap())
            .collect();
        let set = ConditionSet::new(list.clone(), SavedGroups::empty());
        let none = SavedGroups::empty();
        let docs = [
            r#"{"a": {"b": 1}}"#,
            r#"{"a": {"b": 1}, "a": 5}"#,
            r#"{"a": 5, "a": {"b": 1, "c": 2}}"#,
            r#"{"a": [1, {"b": 1}], "items": [{"sku": "A"}, 3]}"#,
            r#"{"items": {"0": {"sku": "A"}, "length": 2}}"#,
            r#"[5, 6]"#,
            r#"5"#,
            r#"{"s": "abc", "0": 5.0}"#,
            r#" { "e\"k" : "x" , "k\\n" : 1e0 } "#,
            r#"{"n": -0, "x": [[[{"y": "\u00e9"}]]]}"#,
            r#"{"n": -1.5e3, "deep": {"x": {"y": [null, {"z": 1}]}}}"#,
            r#"{"n": 18446744073709551616, "a": {"b": true}}"#,
            r#"{"n": -9223372036854775809}"#,
            r#"{"a": {"b": "1"}, "unused": {"k": [1, {"z": [true, false, null]}], "t": "q\/\t"}}"#,
        ];
        let mut facts = Facts::default();
        for doc in docs {
            let parsed: Value = serde_json::from_str(doc).unwrap();
            set.read_json(doc, &mut facts).unwrap();
            let got: Vec<bool> = set.eval_all(&facts).collect();
            let want: Vec<bool> = list.iter().map(|c| c.eval(&parsed, &none)).collect();
            assert_eq!(got, want, "{doc}");
        }
        // Malformed text is serde_json's error; a number out of range too.
        for bad in [
            r#"{"a": }"#,
            r#"{"a": 1,}"#,
            r#"{"a": 1} x"#,
            r#"{"a": 1e400}"#,
            "\u{feff}{}",
        ] {
            assert!(set.read_json(bad, &mut facts).is_err(), "{bad}");
        }
        // Nesting is bounded.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(set.read_json(&deep, &mut facts).is_err());
        let ok = format!("{{\"q\": {}{}}}", "[".repeat(100), "]".repeat(100));
        set.read_json(&ok, &mut facts).unwrap();
        assert!(!facts.was_reread());
    }

    #[test]
    fn paths_are_collected_once() {
        let set = ConditionSet::new(
            vec![
                Condition::parse(&json!({"a.b": 1, "$or": [{"a.b": 2}, {"c": 1}]})).unwrap(),
                Condition::parse(&json!({"x": {"$elemMatch": {"inner": 1}}})).unwrap(),
            ],
            SavedGroups::parse(&json!({"g": {"type": "list", "attributeKey": "id", "values": []}}))
                .unwrap(),
        );
        assert_eq!(set.paths().collect::<Vec<_>>(), ["a.b", "c", "id", "x"]);
    }

    /// 100,000 list groups each keyed on its own attribute: the tree's root gets 100,000
    /// children (kept sorted and searched by halving; it was a linear search, 29 s to compile
    /// natively), and the right one still answers.
    #[test]
    fn many_group_keys_compile_and_answer() {
        let mut groups = serde_json::Map::new();
        for i in 0..100_000 {
            groups.insert(
                format!("g{i}"),
                json!({"type": "list", "attributeKey": format!("k{i}"), "values": [i]}),
            );
        }
        let set = ConditionSet::new(
            vec![
                Condition::parse(&json!({"$savedGroup": {"id": "g99999"}})).unwrap(),
                Condition::parse(&json!({"$savedGroup": {"id": "g5"}})).unwrap(),
            ],
            SavedGroups::parse(&Value::Object(groups)).unwrap(),
        );
        assert_eq!(set.paths().count(), 100_000);
        let mut facts = Facts::default();
        set.read_json(r#"{"k5": 4, "k99999": 99999, "k7": 7}"#, &mut facts)
            .unwrap();
        assert_eq!(set.eval_all(&facts).collect::<Vec<_>>(), [true, false]);
    }

    /// Keys that are prefixes of their siblings, followed by characters before '.', come out
    /// of the paths' order ("a-x" < "a.b" < "a"... as dotted paths): each still finds its node.
    #[test]
    fn prefix_keys_find_their_nodes() {
        let list = vec![
            Condition::parse(&json!({"a.b": 1, "a-x": 2, "a!.c": 3, "a": {"$exists": true}}))
                .unwrap(),
            Condition::parse(&json!({"a!": {"c": 3}, "a.b": {"$gt": 0}})).unwrap(),
            Condition::parse(&json!({"a- .q": null, "a-": {"$exists": false}})).unwrap(),
        ];
        let set = ConditionSet::new(list.clone(), SavedGroups::empty());
        let none = SavedGroups::empty();
        let mut facts = Facts::default();
        for doc in [
            r#"{"a": {"b": 1}, "a-x": 2, "a!": {"c": 3}}"#,
            r#"{"a!": {"c": 3}, "a": {"b": 2}, "a-x": 2}"#,
            r#"{"a-": 1, "a- ": {"q": 1}}"#,
            r#"{"a": {"b": 1}, "a-x": 3, "a!": {"c": 3}, "a-": null}"#,
        ] {
            let parsed: Value = serde_json::from_str(doc).unwrap();
            set.read_json(doc, &mut facts).unwrap();
            let got: Vec<bool> = set.eval_all(&facts).collect();
            let want: Vec<bool> = list.iter().map(|c| c.eval(&parsed, &none)).collect();
            assert_eq!(got, want, "{doc}");
        }
        set.read_json(r#"{"a": {"b": 1}, "a-x": 2, "a!": {"c": 3}}"#, &mut facts)
            .unwrap();
        assert_eq!(set.eval_all(&facts).next(), Some(true));
    }

    /// A key with 200,000 dots is a path of 200,000 segments: numbered without recursion (the
    /// recursive numbering overflowed the stack).
    #[test]
    fn a_very_long_path_compiles() {
        let long = vec!["a"; 200_000].join(".");
        let c = Condition::parse(&json!({ long.clone(): {"$exists": false} })).unwrap();
        let set = ConditionSet::new(vec![c], SavedGroups::empty());
        assert_eq!(set.paths().next().map(|p| p.len()), Some(long.len()));
        let mut facts = Facts::default();
        set.read_json(r#"{"a": {"a": 1}}"#, &mut facts).unwrap();
        assert_eq!(set.eval_all(&facts).collect::<Vec<_>>(), [true]);
    }
}
