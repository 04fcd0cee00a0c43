// A tiny static file server for the browser test: serves a directory on 127.0.0.1 at an
// ephemeral port, with the MIME types browsers need (application/wasm lets
// WebAssembly.instantiateStreaming compile while downloading; text/javascript for modules).
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
import path from "node:path";

export const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

/** Starts serving `root`; resolves to { url, requests, close() }. */
export function serveStatic(root) {
  const requests = []; // {path, status, type}
  const server = createServer((req, res) => {
    const done = (status, type) => requests.push({ path: req.url, status, type });
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res.writeHead(400).end(); done(400); return;
    }
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep) && file !== root) { res.writeHead(403).end(); done(403); return; }
    let target = file;
    try {
      if (statSync(target).isDirectory()) target = path.join(target, "index.html");
      const st = statSync(target);
      const type = MIME[path.extname(target).toLowerCase()] ?? "application/octet-stream";
      res.writeHead(200, { "content-type": type, "content-length": st.size, "cache-control": "no-store" });
      if (req.method === "HEAD") res.end(); else createReadStream(target).pipe(res);
      done(200, type);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      done(404);
    }
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
