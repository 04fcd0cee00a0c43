# Runs the worker locally in workerd (the runtime of Cloudflare Workers), with the package built
# in ../../pkg and the default documents of ../../models:
#
#   npx workerd serve config.capnp --socket-addr http=127.0.0.1:8787
#
# Module names are the worker's import specifiers, resolved as a bundler (wrangler) resolves
# them: "offerwise" -> the package's web build, "offerwise/offerwise_bg.wasm" -> its compiled
# wasm, "./model.json" etc. -> the documents next to the worker (here the repository's defaults).
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
    (name = "offerwise/tokens", esModule = embed "../../pkg/tokens/offerwise-tokens.js"),
    (name = "model.json", json = embed "../../models/default.json"),
    (name = "program.json", json = embed "../../models/default-program.json"),
    (name = "policy.json", json = embed "../../models/default-policy.json"),
  ],
  bindings = [
    # The token programme updates must carry. Keep a real one out of the repository: pass it
    # with `--binding`-style tooling or wrangler secrets (see wrangler.toml).
    (name = "ADMIN_TOKEN", fromEnvironment = "OFFERWISE_ADMIN_TOKEN"),
    # The private key offers are signed with (a JSON Web Key, `offerwise keygen`) and the
    # public keys /redeem trusts (default: the signing key's public half). Secrets, as above.
    (name = "SIGNING_KEY", fromEnvironment = "OFFERWISE_SIGNING_KEY"),
    (name = "VERIFY_KEYS", fromEnvironment = "OFFERWISE_VERIFY_KEYS"),
    # The public keys (a JWK or key set, `offerwise keygen --public`) PUT /program's documents
    # must be signed with (`offerwise sign`); unset, updates need no signature.
    (name = "DOCUMENT_KEYS", fromEnvironment = "OFFERWISE_DOCUMENT_KEYS"),
    # Redeemed tokens: one Durable Object per token.
    (name = "REDEMPTIONS", durableObjectNamespace = "Redemptions"),
  ],
  durableObjectNamespaces = [ (className = "Redemptions", uniqueKey = "offerwise-redemptions") ],
  # Local runs keep redemptions in memory; on Cloudflare they are durable.
  durableObjectStorage = (inMemory = void),
  compatibilityDate = "2025-09-01",
);
