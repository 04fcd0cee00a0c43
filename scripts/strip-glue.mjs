// Leaves the comments out of the JavaScript glue of each build (pkg/*/offerwise.js), which
// wasm-bindgen fills with the Rust docs of every export as JSDoc: 53,523 -> 38,098 bytes raw and
// 12,902 -> 7,014 gzip -9 for the storefront web glue when this was written. The docs stay where
// editors read them, in offerwise.d.ts. The code itself is printed again by TypeScript's own
// emitter (`removeComments`, target ESNext, modules preserved: nothing is down-levelled or
// renamed), and the first line's `@ts-self-types` directive, which tools read, is kept.
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
  writeFileSync(file, directive + outputText);
  console.log(`strip-glue: ${path.relative(root, file)}: ${src.length} -> ${directive.length + outputText.length} bytes`);
}
