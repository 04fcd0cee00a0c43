// Leaves the comments out of the JavaScript glue of each build (pkg/*/offerwise.js), which
// wasm-bindgen fills with the Rust docs of every export as JSDoc: 53,523 -> 38,098 bytes raw and
// 12,902 -> 7,014 gzip -9 for the storefront web glue when this was written. The docs stay where
// editors read them, in offerwise.d.ts. The code itself is printed again by TypeScript's own
// emitter (`removeComments`, target ESNext, modules preserved: nothing is down-levelled or
// renamed), and the first line's `@ts-self-types` directive, which tools read, is kept. The
// stale-object check is also put after the reset (staleCheckAfterReset, below).
//
//   node scripts/strip-glue.mjs pkg/web pkg/node ...
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ts = createRequire(path.join(root, "pkg-tests", "package.json"))("typescript");

for (const dir of process.argv.slice(2)) {
  const file = path.join(dir, "offerwise.js");
  const src = readFileSync(file, "utf8");
  const directive = src.match(/^\/\* @ts-self-types="[^"]*" \*\/\n/)?.[0] ?? "";
  const { outputText, diagnostics } = ts.transpileModule(src, {
    fileName: "offerwise.js",
    reportDiagnostics: true,
    compilerOptions: {
      allowJs: true,
      removeComments: true,
      target: ts.ScriptTarget.ESNext,
      module: ts.ModuleKind.Preserve,
    },
  });
  if (diagnostics?.length) {
    const why = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    console.error(`strip-glue: ${file}: ${why.join("; ")}`);
    process.exit(1);
  }
  writeFileSync(file, directive + staleCheckAfterReset(file, outputText));
  console.log(`strip-glue: ${path.relative(root, file)}: ${src.length} -> ${directive.length + outputText.length} bytes`);
}

// wasm-bindgen 0.2.130 (--experimental-reset-state-function) checks that an object belongs to
// the current instance *before* `__wbg_call_guard()` makes the fresh instance a panic scheduled:
// the first call after a panic on an old `Engine` would pass the check and then use its pointer
// in the new instance's memory. The check is made to run the guard first (a second guard call
// does nothing), so an old object is always refused. The build fails if the pattern changes.
function staleCheckAfterReset(file, js) {
  const check = "this.__wbg_inst !== undefined && this.__wbg_inst !== __wbg_instance_id";
  if (!js.includes("__wbg_instance_id")) return js;
  const n = js.split(check).length - 1;
  if (n === 0) {
    console.error(`strip-glue: ${file}: wasm-bindgen's stale-object check changed; update staleCheckAfterReset`);
    process.exit(1);
  }
  return js.replaceAll(check, "this.__wbg_inst !== undefined && (__wbg_call_guard(), this.__wbg_inst !== __wbg_instance_id)");
}
