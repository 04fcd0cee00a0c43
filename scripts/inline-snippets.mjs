// Inlines wasm-bindgen's JS snippets into offerwise.js (see scripts/build-wasm.sh):
//
//   node scripts/inline-snippets.mjs pkg/web pkg/node
//
// In each directory, the line of offerwise.js that imports a snippet (an ESM `import { a, b }
// from './snippets/...'` in the web build, `const { a, b } = require(...)` in the nodejs build)
// becomes the snippet's text in a function scope of its own, returning the names imported; then
// snippets/ is removed. A snippet may have no imports and export only as `export function name(`.
import fs from "node:fs";
import path from "node:path";

const die = (msg) => {
  console.error(`inline-snippets: ${msg}`);
  process.exit(1);
};

const IMPORT =
  /^(?:import \{ ([^}]+) \} from '(\.\/snippets\/[^']+)';|const \{ ([^}]+) \} = require\(String\.raw`(\.\/snippets\/[^`]+)`\);)$/gm;

for (const dir of process.argv.slice(2)) {
  const file = path.join(dir, "offerwise.js");
  let js = fs.readFileSync(file, "utf8");
  js = js.replace(IMPORT, (_, esmNames, esmPath, cjsNames, cjsPath) => {
    const rel = esmPath ?? cjsPath;
    const names = (esmNames ?? cjsNames).split(",").map((n) => n.trim());
    let src = fs.readFileSync(path.join(dir, rel), "utf8");
    const exported = [];
    src = src.replace(/^export function ([A-Za-z_$][\w$]*)\(/gm, (_, name) => {
      exported.push(name);
      return `function ${name}(`;
    });
    if (/^\s*(export|import)\b/m.test(src)) die(`${rel}: only "export function" can be inlined`);
    const missing = names.filter((n) => !exported.includes(n));
    if (missing.length) die(`${rel} does not export ${missing.join(", ")}`);
    const from = rel.replace(/^\.\/snippets\/[^/]+\//, "");
    return [
      `// ${from}, inlined by scripts/build-wasm.sh.`,
      `const { ${names.join(", ")} } = (() => {`,
      src.trimEnd(),
      `return { ${names.join(", ")} };`,
      `})();`,
    ].join("\n");
  });
  if (js.includes("snippets/")) die(`${file} still refers to snippets/`);
  fs.writeFileSync(file, js);
  fs.rmSync(path.join(dir, "snippets"), { recursive: true, force: true });
}
