// An edge worker serving offerwise decisions, written the way a Cloudflare Worker would be:
// the web build of the package plus its .wasm imported as a compiled WebAssembly.Module, the
// model, programme and learned policy bundled as modules. config.capnp maps the specifiers to files of pkg/.
//
//   POST /decide?now=1998-07-01[&tz=-300]   body: the customer JSON
//     200 -> the decision JSON
//     400 -> {"error": {"code", "path", "message"}} for an OfferwiseError
//   POST /assign?now=...   body: {"experiment": {...}, "ids": ["..."]}
//     200 -> {"variants": [variant | null, ...], "buckets": [offerwise-1 bucket of each id under
//             the experiment's seed]} (the programme with only that experiment, no holdout)
//   GET /health -> {"ok": true, "version": "..."}
import { Engine, initSync, offerwiseHash, version } from "offerwise";
import wasm from "offerwise/offerwise_bg.wasm";
import model from "model.json"; // a JSON module: the parsed object
import program from "program.json"; // a text module: the JSON text
import policy from "policy.json"; // the learned policy, a text module

// Instantiating is synchronous and cheap: no fetch of the wasm at run time.
initSync({ module: wasm });

// Built on first use so that a bad model is reported per request rather than failing the
// worker's startup; kept for the life of the isolate.
let engine = null;
function getEngine() {
  if (engine === null) engine = new Engine(model, program, policy);
  return engine;
}

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8" } });

function errorResponse(e) {
  if (e instanceof Error && e.name === "OfferwiseError") {
    return json({ error: { code: e.code, path: e.path, message: e.message } }, 400);
  }
  return json({ error: { code: "internal", path: "", message: String(e && e.message || e) } }, 500);
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health" && request.method === "GET") {
      return json({ ok: true, version: version() });
    }
    if (url.pathname === "/assign" && request.method === "POST") {
      try {
        const { experiment, ids } = await request.json();
        const e = new Engine(model, { ...JSON.parse(program), holdout: undefined, experiments: [experiment] });
        const now = url.searchParams.get("now");
        const variants = ids.map((id) => e.assign({ id, orders: [] }, { now }).experiments[0].variant);
        e.free();
        const seed = experiment.seed || experiment.key;
        return json({ variants, buckets: ids.map((id) => offerwiseHash(seed, id)) });
      } catch (e) {
        return errorResponse(e);
      }
    }
    if (url.pathname !== "/decide") return json({ error: { code: "not_found", path: "", message: "try POST /decide" } }, 404);
    if (request.method !== "POST") return json({ error: { code: "method", path: "", message: "use POST" } }, 405);
    const options = {};
    if (url.searchParams.has("now")) {
      const now = url.searchParams.get("now");
      options.now = /^\d+$/.test(now) ? Number(now) : now;
    }
    if (url.searchParams.has("tz")) options.timeZoneOffsetMinutes = Number(url.searchParams.get("tz"));
    try {
      return json(getEngine().decide(await request.text(), options));
    } catch (e) {
      return errorResponse(e);
    }
  },
};
