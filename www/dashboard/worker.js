// The dashboard's analysis off the page's thread: the data build of the engine, loaded once.
import init, { analyze } from "../../pkg/data/web/offerwise.js";

const ready = init();

self.onmessage = async ({ data: { id, text, options } }) => {
  await ready;
  try {
    self.postMessage({ id, analysis: analyze(text, options) });
  } catch (e) {
    self.postMessage({ id, error: { code: e.code ?? "internal", path: e.path ?? "", message: e.message ?? String(e) } });
  }
};
