// The built package loaded from Node with require(): "offerwise" must resolve through
// pkg/package.json "exports" (node + require) to pkg/node/offerwise.js (CommonJS).
"use strict";
const test = require("node:test");
const offerwise = require("offerwise");
const { suite } = require("./lib/node-suite.cjs");

suite(test, offerwise, "CJS", require.resolve("offerwise"));
