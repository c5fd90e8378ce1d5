import { FIX_HINT } from './types.js';

/** Rules whose fix is not "remove and rotate": the file itself is the problem, not a value in it. */
const SPECIAL_FIXES: Readonly<Record<string, string>> = {
  'sops-unencrypted-file':
    "encrypt the file in place with 'sealguard encrypt -i PATH' (the .sops.yaml creation rule that matches it names the keys); " +
    'if the plaintext was ever committed, rotate the values it holds',
};

/** How to fix a finding of this rule, one line. */
export function fixHintFor(ruleId: string): string {
  return SPECIAL_FIXES[ruleId] ?? FIX_HINT;
}

/** Rule help for SARIF (and anything else that shows a rule page): what was found, how to fix, how to accept. */
export function ruleHelp(ruleId: string, description: string): { text: string; markdown: string } {
  const fix = SPECIAL_FIXES[ruleId];
  if (fix) {
    return {
      text: `${description}. To fix: ${fix}.`,
      markdown: `**${description}** (\`${ruleId}\`)\n\nTo fix: ${fix}.`,
    };
  }
  return {
    text:
      `${description}. To fix: remove the secret from the file (and from history if it was committed), ` +
      'revoke or rotate the credential with its provider, and load it at run time instead (environment, secret manager, ' +
      "or a SOPS-encrypted file). To accept it: add 'sealguard:allow' on the line, or put the finding's fingerprint in .sealguardignore.",
    markdown:
      `**${description}** (\`${ruleId}\`)\n\n` +
      'To fix:\n' +
      '1. Remove the secret from the file (and from history if it was committed).\n' +
      '2. Revoke or rotate the credential with its provider: anyone who saw the commit may have it.\n' +
      '3. Load it at run time instead: environment, a secret manager, or a SOPS-encrypted file (`sealguard encrypt -i FILE`).\n\n' +
      "To accept a false positive: add `sealguard:allow` on the line, or put the finding's fingerprint in `.sealguardignore`.",
  };
}
