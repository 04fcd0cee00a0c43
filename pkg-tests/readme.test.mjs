// The examples of README.md are executed, so the README cannot document an API that is not
// exported or a CLI flag that does not exist.
//
// * ```js / ```javascript / ```mjs blocks run as ES modules (```cjs as CommonJS) from
//   pkg-tests/.work/readme/, where `import ... from "offerwise"` resolves to the built
//   package through pkg-tests/node_modules/offerwise, with that directory as the working
//   directory: it holds copies of the repository's small top-level folders (models/, www/,
//   tests/, ...) and a link to data/, so relative paths mean what they mean at the repo root,
//   while files an example writes stay in .work (nothing in the repository is overwritten).
// * ```sh / ```bash / ```shell / ```console blocks: every command line starting with
//   `offerwise ` (a leading `$ ` prompt is allowed, `\` continues a line) runs with
//   the reference CLI's folder (lib/harness.cjs) first on PATH, in the same directory; it must exit 0. Other
//   lines (cargo, npm, cd, ...) are not run.
// * ```html blocks are browser pages: browser.test.mjs opens them in Chromium, as pages of www/.
//   They are not run here (lib/markdown.mjs decides which test runs a block).
// * A block right after a `<!-- no-test -->` line (blank lines between are allowed) is skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";
import { blockKind, extractBlocks, offerwiseCommands } from "./lib/markdown.mjs";

const README = path.join(h.ROOT, "README.md");
const SANDBOX = path.join(h.WORK, "readme");
const LINK = new Set(["data", "target"]); // big or build output: linked, not copied
const LEAVE_OUT = new Set([".git", "pkg-tests", "node_modules"]);

// The extractor and the classification are shared with browser.test.mjs, which runs the
// ```html blocks in Chromium: such a block is a page, never run here.
export { extractBlocks, offerwiseCommands };

const readme = existsSync(README) ? readFileSync(README, "utf8") : null;
const blocks = readme === null ? [] : extractBlocks(readme);

function prepareSandbox() {
  rmSync(SANDBOX, { recursive: true, force: true });
  mkdirSync(SANDBOX, { recursive: true });
  for (const name of readdirSync(h.ROOT)) {
    if (LEAVE_OUT.has(name)) continue;
    const from = path.join(h.ROOT, name);
    if (LINK.has(name)) symlinkSync(from, path.join(SANDBOX, name));
    else cpSync(from, path.join(SANDBOX, name), { recursive: true });
  }
}

// Built lazily, so the extractor's own test runs without a build.
let ready = false;
function ensureReady() {
  if (ready) return;
  h.requireBuilt();
  prepareSandbox();
  ready = true;
}

test("the extractor finds blocks, languages, no-test markers and commands", () => {
  const md = [
    "# T", "```js", "a()", "```", "<!-- no-test -->", "", "```sh", "offerwise x", "```",
    "- item", "  ```bash title", "  $ offerwise decide \\", "  --now 1998-07-01", "  cargo build", "  ```",
    "````js", "```", "inner", "````",
  ].join("\n");
  const b = extractBlocks(md);
  assert.deepEqual(b.map((x) => [x.lang, x.line, x.skip]), [["js", 2, false], ["sh", 7, true], ["bash", 11, false], ["js", 16, false]]);
  assert.deepEqual(offerwiseCommands(b[2].code), ["offerwise decide  --now 1998-07-01"]);
  assert.equal(b[3].code, "```\ninner\n");
});

test("```html blocks are browser pages (browser.test.mjs), never run in Node", () => {
  const md = [
    "```html", '<script type="module">', '  import init, { Engine } from "../pkg/web/offerwise.js";', "  await init();", "</script>", "```",
    "```js", 'import { Engine } from "offerwise";', "```", "```sh", "cargo build", "```", "```text", "x", "```",
  ].join("\n");
  assert.deepEqual(extractBlocks(md).map(blockKind), ["browser", "node", null, null]);
  const readmeHtml = blocks.filter((b) => b.lang === "html");
  assert.ok(readmeHtml.every((b) => ["browser", "widget"].includes(blockKind(b))), "an ```html block of README.md is not classified as a browser page");
  assert.equal(blockKind({ lang: "html", info: "html widget", code: "" }), "widget");
  // what this file runs: node and shell blocks only
  const runHere = blocks.filter((b) => ["node", "shell"].includes(blockKind(b)));
  assert.ok(runHere.every((b) => b.lang !== "html"));
});

test("README.md exists and has examples that run", () => {
  assert.ok(readme !== null, "README.md not found at the repository root");
  const runnable = blocks.filter((b) => !b.skip);
  assert.ok(runnable.some((b) => blockKind(b) === "node"), "README.md has no runnable ```js example");
  assert.ok(runnable.some((b) => blockKind(b) === "shell"), "README.md has no runnable ```sh example with an `offerwise` command");
});

for (const b of blocks) {
  const where = `README.md:${b.line} \`\`\`${b.info}`;
  const kind = blockKind(b); // "browser" blocks are browser.test.mjs's; null: not executable
  if (kind === "node") {
    test(`${where} runs`, { skip: b.skip && "<!-- no-test -->" }, () => {
      ensureReady();
      const cjs = b.lang === "cjs" || (/\brequire\(/.test(b.code) && !/^\s*import\s/m.test(b.code));
      const file = path.join(SANDBOX, `readme-${b.line}.${cjs ? "cjs" : "mjs"}`);
      writeFileSync(file, b.code);
      const r = spawnSync(process.execPath, [file], { cwd: SANDBOX, encoding: "utf8", timeout: 120_000 });
      assert.equal(r.status, 0, `${where} failed (exit ${r.status}${r.signal ? ", " + r.signal : ""}):\n${r.stderr}\n${r.stdout}`);
    });
  } else if (kind === "shell") {
    const cmds = offerwiseCommands(b.code);
    test(`${where} commands exit 0`, { skip: b.skip && "<!-- no-test -->" }, () => {
      ensureReady();
      const env = { ...process.env, PATH: `${path.dirname(h.BIN)}:${process.env.PATH}` };
      for (const cmd of cmds) {
        const r = spawnSync("bash", ["-o", "pipefail", "-c", cmd], { cwd: SANDBOX, env, encoding: "utf8", timeout: 600_000, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
        assert.equal(r.status, 0, `${where}: \`${cmd}\` failed (exit ${r.status}${r.signal ? ", " + r.signal : ""}):\n${r.stderr.slice(-4000)}`);
      }
    });
  }
}
