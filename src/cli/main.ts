// Placeholder until the command modules land; replaced by the CLI wiring.
process.stdout.write('sealguard\n');
