#!/usr/bin/env bash
# Builds the offerwise npm package into pkg/ from the Rust crate.
#
#   scripts/build-wasm.sh           # build if anything it depends on changed, then print sizes
#   scripts/build-wasm.sh --force   # rebuild regardless
#
# Layout of pkg/ (what `npm pack pkg/` ships):
#   pkg/package.json          name "offerwise", version from Cargo.toml, conditional exports
#   pkg/web/offerwise.js      wasm-bindgen `--target web` build (ESM): browsers, edge workers
#   pkg/web/offerwise_bg.wasm
#   pkg/web/offerwise.d.ts
#   pkg/node/offerwise.js     wasm-bindgen `--target nodejs` build (CommonJS, instantiates the
#   pkg/node/offerwise_bg.wasm  wasm synchronously at require time)
#   pkg/node/offerwise.mjs    ESM wrapper re-exporting the CommonJS build, so that
#                             `import { Engine } from "offerwise"` works in Node without init
#   pkg/data/{web,node}/      the same for the data build (`offerwise/data`)
#
# Two builds by job, from cargo features:
#   storefront (`offerwise`, no features): what a page or an edge worker needs to decide:
#     Engine (decide, quote, assign, features), conditions, experiments and hashing, loyalty.
#   data (`offerwise/data`, feature `train`, which holds `data`): all of the storefront build
#     plus the columnar batch path (engine.decideColumns), the experiment and programme analyses
#     (analyze, analyzeLogs, nps, engine.effectiveness, evaluatePolicy) and training from a
#     transaction file (customerFeatures, train: the CLI's reader, linfa k-means, the CLV fit),
#     for dashboards and data jobs.
# Sizes (raw, gzip -9, brotli) of every build are printed and written to docs/sizes.json, from
# which scripts/sizes.mjs regenerates the README's size table; the build fails when the
# storefront build (wasm + JS glue, gzip -9) exceeds its budget (scripts/sizes.mjs).
#
# How each runtime loads the package:
#   Node, ESM or CJS: nothing to initialise (the ESM entry still exports a no-op init() and
#   initSync(), so code shared with the browser build runs unchanged):
#       import { Engine } from "offerwise";      const { Engine } = require("offerwise");
#   Browsers (web build): call the default export once; it fetches offerwise_bg.wasm next to
#   offerwise.js (or pass a URL / Response / bytes / WebAssembly.Module):
#       import init, { Engine } from "offerwise";  await init();
#   Edge workers (Cloudflare workerd, wrangler, Vercel edge): no fetch of the wasm at run time.
#   The bundler turns a .wasm import into a compiled WebAssembly.Module; hand it to initSync:
#       import { Engine, initSync } from "offerwise";
#       import wasm from "offerwise/offerwise_bg.wasm";
#       initSync({ module: wasm });
#   (pkg-tests/edge/ does exactly this in workerd.)
#
# Tools, never downloaded by this script: wasm-pack, wasm-bindgen (exactly the version pinned
# in Cargo.toml, found on PATH: wasm-pack --mode no-install refuses to fetch one), and wasm-opt
# from the npm package `binaryen` installed in pkg-tests/node_modules (scripts/setup.sh installs
# all of them). wasm-pack's own wasm-opt step is off (Cargo.toml metadata + --no-opt) because it
# would download a binaryen release.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf '\033[1mbuild-wasm:\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mbuild-wasm:\033[0m %s\n' "$*" >&2; exit 1; }

FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  *) die "unknown argument '$1' (usage: scripts/build-wasm.sh [--force])" ;;
esac

PKG="$ROOT/pkg"
WASM_OPT="$ROOT/pkg-tests/node_modules/.bin/wasm-opt"
BINARYEN_MAJOR=132
# wasm-opt features: the ones rustc enables by default for wasm32-unknown-unknown (Rust >= 1.82:
# multivalue, reference-types, sign-ext, mutable-globals; >= 1.87 also bulk-memory and
# nontrapping-fptoint). LLVM 20 split two sub-features off those, which binaryen >= 121 names
# separately: bulk-memory-opt (memory.copy/fill; implied by bulk-memory in LLVM) and
# call-indirect-overlong (LEB table index in call_indirect; implied by reference-types).
# Checked with binaryen 132 on the rustc 1.95 + wasm-bindgen 0.2.130 output: it needs
# bulk-memory-opt (memory.fill/copy), nontrapping-float-to-int (i64.trunc_sat_f64_s) and
# sign-ext; binaryen's defaults lack the first two and validation fails. The rest are enabled
# because rustc may emit them (reference-types once wasm-bindgen sees the target_features
# section); every browser, Node >= 16 and workerd run all of them. Binaryen validates the
# module, so a feature missing here fails the build loudly instead of shipping.
WASM_OPT_FEATURES=(
  --enable-bulk-memory --enable-bulk-memory-opt
  --enable-nontrapping-float-to-int
  --enable-sign-ext
  --enable-mutable-globals
  --enable-reference-types --enable-call-indirect-overlong
  --enable-multivalue
)

# ---- tools ---------------------------------------------------------------------------------
VERSION=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' Cargo.toml | head -n1)
[ -n "$VERSION" ] || die "cannot read the package version from Cargo.toml"
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$WASM_BINDGEN_VERSION" ] || die "cannot read the pinned wasm-bindgen version (=x.y.z) from Cargo.toml"

command -v wasm-pack >/dev/null 2>&1 || die "wasm-pack not found: run scripts/setup.sh"
command -v wasm-bindgen >/dev/null 2>&1 || die "wasm-bindgen $WASM_BINDGEN_VERSION not on PATH: run scripts/setup.sh"
HAVE_WB=$(wasm-bindgen --version | awk '{print $2}')
[ "$HAVE_WB" = "$WASM_BINDGEN_VERSION" ] ||
  die "wasm-bindgen on PATH is $HAVE_WB, Cargo.toml pins =$WASM_BINDGEN_VERSION: run scripts/setup.sh"
[ -x "$WASM_OPT" ] || die "$WASM_OPT not found: run scripts/setup.sh (installs pkg-tests npm deps)"
HAVE_BINARYEN=$("$WASM_OPT" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
[ "$HAVE_BINARYEN" = "$BINARYEN_MAJOR" ] ||
  die "wasm-opt is binaryen $HAVE_BINARYEN, expected $BINARYEN_MAJOR (pkg-tests/package.json)"
command -v node >/dev/null 2>&1 || die "node not found"

# ---- sizes ---------------------------------------------------------------------------------
# raw, gzip -9 (gzip itself) and brotli (quality 11, node's zlib: Debian has no brotli CLI).
print_sizes() { node scripts/sizes.mjs "$PKG" "$@"; }

# ---- up to date? ---------------------------------------------------------------------------
STAMP="$PKG/.build-stamp"
if [ "$FORCE" = 0 ] && [ -f "$STAMP" ] && [ -f "$PKG/package.json" ] &&
   [ -f "$PKG/web/offerwise_bg.wasm" ] && [ -f "$PKG/node/offerwise_bg.wasm" ] &&
   [ -f "$PKG/data/web/offerwise_bg.wasm" ] && [ -f "$PKG/data/node/offerwise_bg.wasm" ]; then
  NEWER=$(find src crates Cargo.toml Cargo.lock scripts/build-wasm.sh scripts/inline-snippets.mjs scripts/strip-glue.mjs scripts/sizes.mjs www/widget www/tokens README.md -newer "$STAMP" -print -quit 2>/dev/null || true)
  if [ -z "$NEWER" ] && [ "$(cat "$STAMP")" = "$VERSION $WASM_BINDGEN_VERSION $BINARYEN_MAJOR" ]; then
    say "pkg/ is up to date (scripts/build-wasm.sh --force rebuilds)"
    print_sizes --check
    exit 0
  fi
fi

# ---- wasm-pack: cargo build + wasm-bindgen, twice --------------------------------------------
rm -rf "$PKG/web" "$PKG/node" "$PKG/data" "$STAMP"
mkdir -p "$PKG/data"
# cargo first, on its own: it may fetch crates from the registry. wasm-pack then runs cargo
# with --offline and with its HTTPS proxy pointed at a closed local port: wasm-pack 0.15 asks
# the crates.io web API for a newer wasm-pack once a day (no opt-out), and --mode no-install
# forbids it to fetch wasm-bindgen; with the proxy nothing it does can reach the network.
say "cargo build --lib --target wasm32-unknown-unknown (storefront: --profile wasm-release, data: --profile wasm-data)"
cargo build --lib --profile wasm-release --target wasm32-unknown-unknown
cargo build --lib --profile wasm-data --target wasm32-unknown-unknown --features train
NO_NET=(env HTTPS_PROXY=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9
        http_proxy=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 all_proxy=http://127.0.0.1:9 NO_PROXY= no_proxy=)
# --mode no-install: use the wasm-bindgen on PATH, never download one.
# --no-opt: wasm-opt runs below from npm binaryen. --no-pack: pkg/package.json is written below
# (one package with both builds, not one per target). --no-gitignore: a `*` .gitignore inside
# pkg/web would make `npm pack` leave the build out.
# Each build is its own directory: storefront in pkg/{web,node}, data in pkg/data/{web,node}.
# wasm-bindgen's --experimental-reset-state-function: after a panic (src/wasm/mod.rs: the
# panic hook throws `internal.panic` and schedules a fresh instance), every exported class
# refuses an object made by the old instance ("Invalid stale object from previous Wasm
# instance") instead of reading its pointer in the new instance's memory. wasm-pack passes no
# options to wasm-bindgen, so a wrapper first on its PATH adds this one (+0.4 KB gzip of glue).
SHIM="$ROOT/target/wasm-bindgen-shim"
mkdir -p "$SHIM"
REAL_WASM_BINDGEN=$(command -v wasm-bindgen)
printf '#!/bin/sh\ncase " $* " in *" --out-dir "*) exec "%s" --experimental-reset-state-function "$@" ;; esac\nexec "%s" "$@"\n' \
  "$REAL_WASM_BINDGEN" "$REAL_WASM_BINDGEN" > "$SHIM/wasm-bindgen"
chmod +x "$SHIM/wasm-bindgen"
DIRS=(web node data/web data/node)
for dir in "${DIRS[@]}"; do
  target=$([ "${dir##*/}" = node ] && echo nodejs || echo web)
  features=()
  profile=wasm-release
  case "$dir" in data/*) features=(--features train); profile=wasm-data ;; esac
  say "wasm-pack build --target $target --profile $profile ${features[*]} -> pkg/$dir"
  "${NO_NET[@]}" PATH="$SHIM:$PATH" wasm-pack --log-level warn build --profile "$profile" --mode no-install --no-opt --no-pack --no-gitignore \
    --target "$target" --out-dir "pkg/$dir" --out-name offerwise -- --offline "${features[@]}"
done

# ---- wasm-opt: -Oz for the storefront (size), -O3 for the data build (speed; Cargo.toml's
# wasm-data profile has the figures) --------------------------------------------------------
level() { case "$1" in data/*) echo -O3 ;; *) echo -Oz ;; esac; }
# wasm-bindgen writes the same wasm for the web and nodejs targets of a build (only the glue
# differs): when the bytes are equal the node one is the optimised web one, not a second run.
for dir in "${DIRS[@]}"; do
  f="$PKG/$dir/offerwise_bg.wasm"
  before=$(stat -c %s "$f")
  web="$PKG/${dir%node}web/offerwise_bg.wasm"
  if [ "${dir##*/}" = node ] && [ -f "$web.pre" ] && cmp -s "$f" "$web.pre"; then
    cp "$web" "$f"
    rm -f "$web.pre"
  else
    cp "$f" "$f.pre"
    "$WASM_OPT" "$(level "$dir")" "${WASM_OPT_FEATURES[@]}" --strip-debug --strip-producers "$f" -o "$f.opt"
    mv "$f.opt" "$f"
  fi
  say "wasm-opt $(level "$dir") pkg/$dir/offerwise_bg.wasm: $before -> $(stat -c %s "$f") bytes"
done

rm -f "$PKG"/web/*.pre "$PKG"/data/web/*.pre

# ---- module type of each directory -----------------------------------------------------------
# Node decides whether a .js file is ESM or CommonJS from the nearest package.json.
for dir in web data/web; do printf '{\n  "type": "module"\n}\n' > "$PKG/$dir/package.json"; done
for dir in node data/node; do printf '{\n  "type": "commonjs"\n}\n' > "$PKG/$dir/package.json"; done

# ---- JS snippets (src/wasm/*.js) inlined -----------------------------------------------------
# wasm-bindgen copies each `#[wasm_bindgen(module = "/src/wasm/x.js")]` file into
# snippets/offerwise-<hash>/ and imports it from offerwise.js (an ESM import in the web build, a
# require() of the same ES module text in the nodejs build, which Node 20 refuses). Each
# snippet is inlined into offerwise.js instead, in a function scope of its own, so the package
# stays one JS file and one wasm file: nothing for a bundler, workerd's module list or a CDN to
# miss. The snippets are written for this: no imports, exports only as `export function name(`.
# Anything else fails the build (scripts/inline-snippets.mjs).
node scripts/inline-snippets.mjs "$PKG/web" "$PKG/node" "$PKG/data/web" "$PKG/data/node"

# ---- the glue without its comments -----------------------------------------------------------
# The Rust docs of every export are JSDoc in offerwise.js: the page would download them with
# the code. They stay in offerwise.d.ts (scripts/strip-glue.mjs).
node scripts/strip-glue.mjs "$PKG/web" "$PKG/node" "$PKG/data/web" "$PKG/data/node"

# ---- the storefront widget -------------------------------------------------------------------
# <offerwise-offers> (www/widget/offerwise-offers.js) imports "./offerwise.js": it sits beside
# the web build's glue and is exported as "offerwise/widget".
cp www/widget/offerwise-offers.js "$PKG/web/offerwise-offers.js"

# ---- offer tokens ----------------------------------------------------------------------------
# offerwise/tokens (www/tokens/): signing and verifying offer tokens with Web Crypto, for edge
# workers and shop servers; plain ESM, no wasm (the page never holds a key).
mkdir -p "$PKG/tokens"
cp www/tokens/offerwise-tokens.js "$PKG/tokens/offerwise-tokens.js"
cp www/tokens/offerwise-tokens.d.ts "$PKG/tokens/offerwise-tokens.d.ts"
printf '{\n  "type": "module"\n}\n' > "$PKG/tokens/package.json"

# ---- ESM wrapper for Node --------------------------------------------------------------------
# Named re-exports generated from what the CommonJS build actually exports (not a hand list
# that could drift from the Rust bindings). Node instantiates the wasm at load time, so the
# wrapper's `init` (default export) and `initSync` do nothing: code written for the web build
# (`import init, { Engine } from "offerwise"; await init();`) runs unchanged in Node.
for dir in node data/node; do
node -e '
  const fs = require("fs");
  const dir = process.argv[1];
  const names = Object.keys(require(dir + "/offerwise.js")).filter((n) => n !== "default" && !n.startsWith("__"));
  if (!names.includes("Engine")) { console.error("build-wasm: the nodejs build exports no Engine: " + names); process.exit(1); }
  if (names.includes("initSync")) { console.error("build-wasm: the nodejs build exports initSync itself; update the wrapper"); process.exit(1); }
  const js = [
    "// Generated by scripts/build-wasm.sh: ESM entry for Node, re-exporting the CommonJS build",
    "// (which instantiates the wasm synchronously), so ESM and CJS users share one instance.",
    "import cjs from \"./offerwise.js\";",
    ...names.map((n) => `export const ${n} = cjs.${n};`),
    "/** Nothing to do in Node (the wasm is instantiated on load); kept for code shared with the web build. */",
    "export function initSync(_module) { return cjs; }",
    "/** Nothing to do in Node (the wasm is instantiated on load); kept for code shared with the web build. */",
    "export default async function init(_moduleOrPath) { return cjs; }",
    "",
  ];
  fs.writeFileSync(dir + "/offerwise.mjs", js.join("\n"));
  const dts = fs.readFileSync(dir + "/offerwise.d.ts", "utf8") + [
    "",
    "/** Nothing to do in Node (the wasm is instantiated on load); kept for code shared with the web build. */",
    "export function initSync(module?: unknown): unknown;",
    "/** Nothing to do in Node (the wasm is instantiated on load); kept for code shared with the web build. */",
    "export default function init(module_or_path?: unknown): Promise<unknown>;",
    "",
  ].join("\n");
  fs.writeFileSync(dir + "/offerwise.d.mts", dts);
' "$PKG/$dir"
done

# ---- sizes: docs/sizes.json and the README's table (before README.md is copied into pkg/) --
print_sizes --write

# ---- pkg/package.json ------------------------------------------------------------------------
node -e '
  const fs = require("fs");
  const [pkgDir, version, rootDir] = process.argv.slice(1);
  const cargo = fs.readFileSync(rootDir + "/Cargo.toml", "utf8");
  const field = (k) => { const m = cargo.match(new RegExp("^" + k + " = \"([^\"]*)\"", "m")); return m ? m[1] : undefined; };
  const pkg = {
    name: "offerwise",
    version,
    description: field("description"),
    license: field("license"),
    repository: field("repository"),
    keywords: ["loyalty", "offers", "segmentation", "wasm", "clv"],
    // Both builds; the default (ESM) entry is the web build, as for bundlers.
    type: "module",
    main: "./node/offerwise.js",
    module: "./web/offerwise.js",
    types: "./web/offerwise.d.ts",
    files: ["web/", "node/", "data/", "tokens/", "README.md"],
    sideEffects: ["./node/offerwise.js", "./node/offerwise.mjs", "./data/node/offerwise.js", "./data/node/offerwise.mjs"],
    exports: {
      ".": {
        // Node: synchronous instantiation from the nodejs build; ESM goes through the wrapper
        // so `import` and `require` in one process share one wasm instance.
        node: {
          import: { types: "./node/offerwise.d.mts", default: "./node/offerwise.mjs" },
          require: { types: "./node/offerwise.d.ts", default: "./node/offerwise.js" },
        },
        // Edge runtimes and browsers: web build; call init() or initSync({ module }) first.
        workerd: { types: "./web/offerwise.d.ts", default: "./web/offerwise.js" },
        worker: { types: "./web/offerwise.d.ts", default: "./web/offerwise.js" },
        browser: { types: "./web/offerwise.d.ts", default: "./web/offerwise.js" },
        default: { types: "./web/offerwise.d.ts", default: "./web/offerwise.js" },
      },
      "./offerwise_bg.wasm": "./web/offerwise_bg.wasm",
      // The data build: the storefront build plus the analyses (dashboards, data jobs).
      "./data": {
        node: {
          import: { types: "./data/node/offerwise.d.mts", default: "./data/node/offerwise.mjs" },
          require: { types: "./data/node/offerwise.d.ts", default: "./data/node/offerwise.js" },
        },
        workerd: { types: "./data/web/offerwise.d.ts", default: "./data/web/offerwise.js" },
        worker: { types: "./data/web/offerwise.d.ts", default: "./data/web/offerwise.js" },
        browser: { types: "./data/web/offerwise.d.ts", default: "./data/web/offerwise.js" },
        default: { types: "./data/web/offerwise.d.ts", default: "./data/web/offerwise.js" },
      },
      "./data/offerwise_bg.wasm": "./data/web/offerwise_bg.wasm",
      // The storefront widget: <offerwise-offers>, for browsers (web build).
      "./widget": "./web/offerwise-offers.js",
      // Offer tokens: sign (edge worker, shop server) and verify (checkout) with Web Crypto.
      "./tokens": { types: "./tokens/offerwise-tokens.d.ts", default: "./tokens/offerwise-tokens.js" },
      "./web": { types: "./web/offerwise.d.ts", default: "./web/offerwise.js" },
      "./node": {
        import: { types: "./node/offerwise.d.mts", default: "./node/offerwise.mjs" },
        require: { types: "./node/offerwise.d.ts", default: "./node/offerwise.js" },
      },
      "./package.json": "./package.json",
    },
  };
  for (const k of Object.keys(pkg)) if (pkg[k] === undefined) delete pkg[k];
  fs.writeFileSync(pkgDir + "/package.json", JSON.stringify(pkg, null, 2) + "\n");
' "$PKG" "$VERSION" "$ROOT"
if [ -f README.md ]; then cp README.md "$PKG/README.md"; fi
for lic in LICENSE LICENSE-MIT LICENSE-APACHE; do
  if [ -f "$lic" ]; then cp "$lic" "$PKG/"; fi
done

# ---- smoke check: both entry points load and agree on the version ----------------------------
node --input-type=module -e '
  import { createRequire } from "node:module";
  import { readFileSync } from "node:fs";
  const pkgDir = process.argv[1];
  for (const sub of ["", "/data"]) {
    const esm = await import(pkgDir + sub + "/node/offerwise.mjs");
    const cjs = createRequire(import.meta.url)(pkgDir + sub + "/node/offerwise.js");
    const web = await import(pkgDir + sub + "/web/offerwise.js");
    web.initSync({ module: readFileSync(pkgDir + sub + "/web/offerwise_bg.wasm") });
    for (const [what, m] of [["node ESM", esm], ["node CJS", cjs], ["web", web]]) {
      if (typeof m.Engine !== "function" || typeof m.version !== "function")
        throw new Error(`${what}${sub} build does not export Engine and version()`);
      // The analyses are in the data build only.
      for (const f of ["analyze", "train", "customerFeatures"])
        if ((typeof m[f] === "function") !== (sub === "/data"))
          throw new Error(`${what}${sub} build: ${f}() ${sub ? "missing" : "present"}`);
    }
    if (esm.version() !== cjs.version() || web.version() !== cjs.version())
      throw new Error("builds disagree on version()");
  }
' "$PKG"

echo "$VERSION $WASM_BINDGEN_VERSION $BINARYEN_MAJOR" > "$STAMP"
say "pkg/ built: offerwise $VERSION"
print_sizes --check
