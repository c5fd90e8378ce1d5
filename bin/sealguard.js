#!/usr/bin/env node
'use strict';
// CommonJS (see package.json here): a history scan's git starts before the CLI loads (see
// src/cli/prestart.ts); other commands, the pre-commit hook's `scan --staged` among them, do not
// load the head start at all. The CLI itself is one bundle, loaded through V8's code cache (see
// src/shared/code-cache.ts).
const argv = process.argv.slice(2);
if (argv.some((a) => a === '--all-history' || a.startsWith('--range'))) require('../dist/prestart.cjs').prestart(argv);
require('../dist/boot.cjs').boot(argv);
