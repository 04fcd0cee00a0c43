// Reads the attribute values a compiled condition set (`Conditions`) uses straight out of a JS
// object, into the set's slot buffers in the wasm memory: the JS half of src/wasm/facts.rs.
//
// JSON.stringify would visit every key of the attributes and the wasm side would then scan the
// whole text; a page's attributes are mostly keys no rule reads. Here each path the rules use is
// walked once (paths sharing a prefix share the walk), and each value at the end of a path is
// written as a kind (a byte) and a number (an f64), strings one after the other as UTF-8.
//
// The values are the ones JSON would carry, so the answers equal those for
// `evalAllJson(JSON.stringify(attributes))`: a number that is not finite, `undefined`, a function
// or a symbol is null; an array or an object at the end of a path, a number with more than 53
// bits of integer, or a value with `toJSON` (a Date) goes as its JSON text. On the way to a value,
// an object that is neither plain nor an array (a class instance, a Map, anything with `toJSON`),
// a string that is not well-formed UTF-16, a BigInt or a getter that throws makes the reader give
// up (-1): the wasm side then takes the whole object through JSON.stringify, which gives the same
// answer or the error. As with JSON text, only an object's own keys are paths.
//
// Written to be converted to CommonJS by scripts/build-wasm.sh: no imports, `export function`
// only.

const KIND_NULL = 0;
const KIND_FALSE = 1;
const KIND_TRUE = 2;
const KIND_NUMBER = 3;
const KIND_STRING = 4;
const KIND_JSON = 5;

const GIVE_UP = -1;
const MAX_SAFE = 9007199254740992; // 2^53

const objectProto = Object.prototype;
const arrayProto = Array.prototype;
const getProto = Object.getPrototypeOf;
const hasOwn = Object.hasOwn ?? ((o, k) => objectProto.hasOwnProperty.call(o, k));
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = String.prototype.isWellFormed
  ? (s) => s.isWellFormed()
  : (s) => !LONE_SURROGATE.test(s);
const encoder = new TextEncoder();
const giveUp = Symbol("give up");

// The call in progress (one at a time: JS runs one call to the wasm at a time). Views of the wasm
// memory are made again when it grows (the old buffer is then detached: length 0).
let u8 = null;
let f64 = null;
let textView = null; // the last text buffer encodeText wrote into
let kinds = 0; // byte offset of the kinds
let nums = 0; // f64 index of the numbers
let pos = 0; // where the next string goes
let end = 0; // the end of the room for strings
let bound = 0; // UTF-8 bytes the strings may need (3 per UTF-16 unit)

/// The reader of one condition set: `tree` is the JSON text of its path tree (from
/// `ConditionSet::path_tree`), nodes `{k: key, i: array index or -1, s: slot or -1, c: [nodes]}`.
export function newReader(tree) {
  return JSON.parse(tree);
}

/// Writes the string `text` as UTF-8 at `ptr` (room for `cap` bytes). Returns the bytes written;
/// -1 when `text` is not a string; -2 - n when it needs n bytes of room.
export function encodeText(memory, text, ptr, cap) {
  if (typeof text !== "string") return GIVE_UP;
  if (text.length * 3 > cap) return -2 - text.length * 3;
  views(memory);
  if (textView === null || textView.byteOffset !== ptr || textView.length !== cap) {
    textView = u8.subarray(ptr, ptr + cap);
  }
  return encoder.encodeInto(text, textView).written;
}

/// Reads `attrs` into the buffers at `kindsPtr` (a byte per slot) and `numsPtr` (an f64 per
/// slot: the number, or the UTF-16 length of a string or JSON text), the strings and JSON texts
/// in slot order as UTF-8 at `textPtr` (room for `textCap` bytes). Returns the UTF-8 bytes
/// written; -1 to read the object as JSON instead; -2 - n when the text needs n bytes of room.
export function readFacts(root, memory, attrs, kindsPtr, numsPtr, textPtr, textCap) {
  views(memory);
  kinds = kindsPtr;
  nums = numsPtr >>> 3;
  pos = textPtr;
  end = textPtr + textCap;
  bound = 0;
  try {
    walk(attrs, root);
  } catch {
    return GIVE_UP;
  }
  return bound > textCap ? -2 - bound : pos - textPtr;
}

function views(memory) {
  if (u8 === null || u8.byteLength === 0) {
    const buffer = memory.buffer;
    u8 = new Uint8Array(buffer);
    f64 = new Float64Array(buffer, 0, buffer.byteLength >>> 3);
    textView = null;
  }
}

/// Steps from `cur` into each child of `node`, writing the slots of the paths ending there.
function walk(cur, node) {
  const kids = node.c;
  let obj = 0; // 0: no keys (a primitive, null, undefined), 1: plain object, 2: array
  if (typeof cur === "object" && cur !== null) {
    const proto = getProto(cur);
    if (proto === arrayProto) obj = 2;
    else if ((proto === objectProto || proto === null) && typeof cur.toJSON !== "function") obj = 1;
    else throw giveUp;
  }
  for (let n = 0; n < kids.length; n++) {
    const kid = kids[n];
    let v;
    let into; // what the paths below step into
    if (obj === 1) {
      const k = kid.k;
      if (hasOwn(cur, k)) {
        v = cur[k];
        into = v;
      }
    } else if (obj === 2) {
      if (kid.i >= 0) {
        if (kid.i < cur.length) {
          v = cur[kid.i];
          into = v;
        }
      } else if (kid.k === "length") {
        v = cur.length; // a number at the end of a path, nothing to step into
      }
    }
    if (kid.s >= 0) put(kid.s, v);
    if (kid.c.length > 0) walk(into, kid);
  }
}

/// Writes slot `s` as JSON would carry `v`.
function put(s, v) {
  switch (typeof v) {
    case "number":
      if (v - v !== 0) {
        u8[kinds + s] = KIND_NULL; // NaN and the infinities are null in JSON
      } else if (v >= MAX_SAFE || v <= -MAX_SAFE) {
        text(s, KIND_JSON, String(v));
      } else {
        u8[kinds + s] = KIND_NUMBER;
        f64[nums + s] = v;
      }
      return;
    case "string":
      text(s, KIND_STRING, v);
      return;
    case "boolean":
      u8[kinds + s] = v ? KIND_TRUE : KIND_FALSE;
      return;
    case "object":
      if (v === null) {
        u8[kinds + s] = KIND_NULL;
      } else {
        const json = JSON.stringify(v);
        if (json === undefined) u8[kinds + s] = KIND_NULL;
        else text(s, KIND_JSON, json);
      }
      return;
    case "bigint":
      throw giveUp; // JSON.stringify throws: the error comes from there
    default:
      u8[kinds + s] = KIND_NULL; // undefined, a function, a symbol
  }
}

/// A string or JSON text: its kind and UTF-16 length in the slot, its UTF-8 at `pos` (ASCII
/// byte by byte, the rest with TextEncoder), or only counted once the room is short.
function text(s, kind, v) {
  u8[kinds + s] = kind;
  const n = v.length;
  f64[nums + s] = n;
  bound += n * 3;
  if (pos + n * 3 > end) {
    end = pos; // out of room: count the rest, write nothing more
    return;
  }
  let i = 0;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x7f) break;
    u8[pos++] = c;
  }
  if (i < n) {
    const rest = i === 0 ? v : v.slice(i);
    if (!wellFormed(rest)) throw giveUp;
    pos += encoder.encodeInto(rest, u8.subarray(pos, end)).written;
  }
}
