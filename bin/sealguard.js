#!/usr/bin/env node
'use strict';
// CommonJS (see package.json here): a history scan's git starts before the ES module loader and
// the CLI load (see src/cli/prestart.ts).
require('../dist/prestart.cjs').prestart(process.argv.slice(2));
import('../dist/cli.js').then(({ run }) => run());
