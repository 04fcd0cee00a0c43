// Debian's Chromium, headless, as every browser test of pkg-tests starts it: without the
// background networking that this machine's closed network refuses.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export function launchChromium() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run"],
  });
}

/**
 * Whether a console message is Chromium reporting the 404 of its own /favicon.ico request. The
 * browser asks for it once, after the first page without `<link rel="icon">` loads, at a moment
 * of its choosing: it is the browser's request, not the page's, and a test that counts console
 * errors must not fail on it (README snippets are page fragments without an icon link).
 */
export function isFaviconMiss(message) {
  return /Failed to load resource/.test(message.text()) && isFaviconUrl(message.location().url);
}

/** Whether a request the test server recorded ({ path }) is the browser's own favicon request. */
export const isFaviconRequest = (r) => isFaviconUrl(r.path);

/** Whether a URL, or a path of the test server, is /favicon.ico. */
export function isFaviconUrl(url) {
  try {
    return new URL(url, "http://127.0.0.1").pathname === "/favicon.ico";
  } catch {
    return false;
  }
}
