# workerd configuration of the edge test (pkg-tests/edge.test.mjs starts it with
# `workerd serve config.capnp --socket-addr http=127.0.0.1:<free port>`).
# Paths are relative to this file; the modules are named the way a bundler (wrangler) would
# resolve the worker's imports: "offerwise" -> the web build, "offerwise/offerwise_bg.wasm"
# -> the compiled wasm module (package.json "exports" maps both).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .offerwiseWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const offerwiseWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "offerwise", esModule = embed "../../pkg/web/offerwise.js"),
    (name = "offerwise/offerwise_bg.wasm", wasm = embed "../../pkg/web/offerwise_bg.wasm"),
    (name = "model.json", json = embed "../../models/default.json"),
    (name = "program.json", text = embed "../../models/default-program.json"),
    (name = "policy.json", text = embed "../../models/default-policy.json"),
  ],
  compatibilityDate = "2025-09-01",
);
