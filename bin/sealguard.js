#!/usr/bin/env node
'use strict';
// CommonJS (see package.json here): a history scan's git starts before the ES module loader and
// the CLI load (see src/cli/prestart.ts). Other commands, the pre-commit hook's `scan --staged`
// among them, do not load the head start at all; prestart decides the rest.
const argv = process.argv.slice(2);
if (argv.some((a) => a === '--all-history' || a.startsWith('--range'))) require('../dist/prestart.cjs').prestart(argv);
import('../dist/cli.js').then(({ run }) => run());
