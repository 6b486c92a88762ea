#!/usr/bin/env node
'use strict';
require('../dist/proxy/cli.js').main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exit(1); },
);
