import { describe, expect, test } from 'vitest';
import { isCodeReference, isPlaceholder } from '../../../src/scan/engine/placeholder.js';
import { fakeAwsKeyId, fakeGithubToken, fakePemBlock, randomToken } from './helpers.js';

describe('placeholder filter', () => {
  test.each([
    'changeme', 'CHANGEME', 'change_me_now', '${API_KEY}', '${{ secrets.TOKEN }}', '{{ .Values.password }}',
    '$DB_PASSWORD', '$password', '%API_KEY%', '<your-api-key>', '<YOUR_TOKEN>', '[PASSWORD]', '{token}',
    'xxxxxxxxxxxxxxxx', 'XXXX-XXXX-XXXX', 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', '****************',
    'AKIA' + 'IOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY', 'os.environ["API_KEY"]',
    'process.env.TOKEN', 'password', 'secret', 'null', 'None', 'true', 'false', 'undefined', '"changeme"',
    'aaaaaaaaaaaa', '0000-0000-0000-0000', 'your_api_key_here', 'insert-token-here', 'dummy-secret-value',
    'my-placeholder-token', 'REDACTED', 'sk_test_1234567890', '',
  ])('%j is a placeholder', (value) => {
    expect(isPlaceholder(value)).toBe(true);
  });

  test('real-looking secrets are not placeholders', () => {
    const values = [
      fakeGithubToken(),
      fakeAwsKeyId(),
      fakePemBlock(),
      fakePemBlock('OPENSSH PRIVATE KEY').replace(/\n.*\n/, '\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n'),
      '$2y$10$' + randomToken(53),
      '$ecr3tPa55w0rd',
      'xoxb-' + '1234567' + '-' + randomToken(24),
      ...Array.from({ length: 200 }, () => randomToken(40)),
    ];
    expect(values.filter((v) => isPlaceholder(v))).toEqual([]);
  });
});

describe('code references (generic rules only)', () => {
  test.each([
    'getPassword()', 'config.db.password', 'self.api_key', 'settings.SECRET_KEY', 'os.getenv("X")',
    'parseTokenNode();', 'util.encodeUTF8(passphrase);', 'randomSecretKey,', 'boolean;', 'rawTextScanner.reScanTemplateToken(',
    'this.vitest.config.api.token;',
  ])(
    '%j is code',
    (v) => expect(isCodeReference(v)).toBe(true),
  );
  test.each([['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', randomToken(30)].join('.'), 'hunter2.Secret9', randomToken(30), 'Xk9fj2Lm;', 'p4ss,w0rd'])(
    '%j is not code',
    (v) => expect(isCodeReference(v)).toBe(false),
  );
});
