// README.md's fenced code blocks, for the tests that execute them: readme.test.mjs runs the
// Node (```js, ```cjs, ...) and shell (`offerwise ...` lines) examples, browser.test.mjs the
// ```html pages in Chromium. One extractor and one classification, so that no block is run by
// both or by neither.

/** Fenced code blocks of a Markdown text: {lang, info, code, line (1-based), skip}. */
export function extractBlocks(markdown) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!open || (open[2][0] === "`" && open[3].includes("`"))) continue;
    const [, indent, fence, infoRaw] = open;
    const info = infoRaw.trim();
    const lang = (info.split(/[\s{,]/)[0] || "").toLowerCase();
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === "") j--;
    const skip = j >= 0 && /^\s*<!--\s*no-test\s*-->\s*$/i.test(lines[j]);
    const body = [];
    let k = i + 1;
    const close = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    for (; k < lines.length && !close.test(lines[k]); k++) {
      // drop the fence's indentation (blocks inside list items)
      let l = lines[k];
      let n = 0;
      while (n < indent.length && l[0] === " ") { l = l.slice(1); n++; }
      body.push(l);
    }
    blocks.push({ lang, info, code: body.join("\n") + "\n", line: i + 1, skip });
    i = k;
  }
  return blocks;
}

/** The `offerwise ...` command lines of a shell block (continuations joined, prompts cut). */
export function offerwiseCommands(code) {
  const joined = code.replace(/\\\r?\n/g, " ");
  return joined.split("\n")
    .map((l) => l.replace(/^\s*\$\s+/, "").trim())
    .filter((l) => /^offerwise(\s|$)/.test(l));
}

export const NODE_LANGS = new Set(["js", "javascript", "mjs", "node", "cjs"]);
export const SHELL_LANGS = new Set(["sh", "bash", "shell", "console", "zsh"]);
export const BROWSER_LANGS = new Set(["html", "htm"]);

/**
 * Where a block runs: "node" (readme.test.mjs, as a module or CommonJS file), "shell"
 * (readme.test.mjs, its `offerwise` lines), "browser" (browser.test.mjs, as a page in www/),
 * or null (not executed: text, json, a shell block without an `offerwise` line, ...).
 * `<!-- no-test -->` blocks keep their kind; the tests skip them.
 */
export function blockKind(block) {
  if (NODE_LANGS.has(block.lang)) return "node";
  if (SHELL_LANGS.has(block.lang)) return offerwiseCommands(block.code).length ? "shell" : null;
  // ```html widget: a page of the storefront widget, run by widget.test.mjs.
  if (BROWSER_LANGS.has(block.lang)) return /\bwidget\b/.test(block.info) ? "widget" : "browser";
  return null;
}
