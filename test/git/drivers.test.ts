import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../helpers/git-repo.js';
import {
  driverConfig,
  installGitDrivers,
  pathRegexToPatterns,
  uninstallGitDrivers,
  withAttributesBlock,
  withoutAttributesBlock,
} from '../../src/git/drivers.js';

const { repo, dir: tempDir } = tempDirs('sealguard-git-drivers-');

describe('path_regex to gitattributes patterns', () => {
  test.each([
    ['\\.enc\\.yaml$', ['*.enc.yaml']],
    ['.enc.yaml$', ['*?enc?yaml']],
    ['^secrets/', ['secrets/**']],
    ['^secrets/.*', ['secrets/**']],
    ['^secrets/.*\\.yaml$', ['secrets/**/*.yaml']],
    ['secrets/', ['**/*secrets/**']],
    ['^config/prod\\.json$', ['config/prod.json']],
    ['^prod\\.yaml$', ['/prod.yaml']],
    ['\\.(yaml|json)$', ['*.yaml', '*.json']],
    ['^(dev|prod)/', ['dev/**', 'prod/**']],
    ['^vault', ['/vault*', 'vault*/**']],
  ])('%s becomes %j', (re, expected) => {
    expect(pathRegexToPatterns(re)).toEqual(expected);
  });

  test.each(['.*', '', '^[a-z]+/', 'secrets/\\d+', 'a|b', '(a', '^x{2}/', 'a\\wb'])('%j has no faithful translation', (re) => {
    expect(pathRegexToPatterns(re)).toBeUndefined();
  });

  test('translated patterns route exactly the files the regex matches, as git check-attr sees it', () => {
    const r = repo();
    const cases: [string, string[], string[]][] = [
      ['\\.enc\\.yaml$', ['a.enc.yaml', 'deep/dir/b.enc.yaml'], ['a.yaml', 'enc.yaml.txt']],
      ['^secrets/', ['secrets/a.yaml', 'secrets/x/y.json'], ['other/secrets/a.yaml', 'secrets.yaml']],
      ['^secrets/.*\\.yaml$', ['secrets/a.yaml', 'secrets/x/y.yaml'], ['secrets/a.json', 'x/secrets/a.yaml']],
      ['secrets/', ['secrets/a', 'x/mysecrets/b'], ['secrets.yaml']],
    ];
    for (const [re, yes, no] of cases) {
      const patterns = pathRegexToPatterns(re)!;
      fs.writeFileSync(path.join(r.dir, '.gitattributes'), patterns.map((p) => `${p} diff=sealguard`).join('\n') + '\n');
      for (const f of yes) expect(r.git('check-attr', 'diff', '--', f), `${re} ${f}`).toContain('diff: sealguard');
      for (const f of no) expect(r.git('check-attr', 'diff', '--', f), `${re} ${f}`).toContain('diff: unspecified');
      for (const f of [...yes, ...no]) expect(new RegExp(re).test(f)).toBe(yes.includes(f));
    }
  });
});

describe('.gitattributes block', () => {
  test('is appended after the user lines, merged with what it held, and removed exactly', () => {
    const user = '*.png binary\n';
    const first = withAttributesBlock(user, ['secrets/**']);
    expect(first.text).toMatch(/^\*\.png binary\n# sealguard:begin: .*\nsecrets\/\*\* diff=sealguard merge=sealguard\n# sealguard:end\n$/);
    const second = withAttributesBlock(first.text + 'docs/** text\n', ['*.enc.yaml', 'secrets/**']);
    expect(second.patterns).toEqual(['secrets/**', '*.enc.yaml']);
    expect(second.text).toContain('*.enc.yaml diff=sealguard merge=sealguard\n# sealguard:end\ndocs/** text\n');
    expect(withAttributesBlock(second.text, ['secrets/**']).text).toBe(second.text);
    expect(withoutAttributesBlock(second.text)).toEqual({ text: '*.png binary\ndocs/** text\n', removed: true });
  });

  test('a file sealguard created is marked so, and deleted on removal only while nothing else is in it', () => {
    const created = withAttributesBlock(undefined, ['secrets/**']).text;
    expect(created.split('\n')[0]).toContain('(file created by sealguard)');
    expect(withoutAttributesBlock(created)).toEqual({ text: undefined, removed: true });
    expect(withoutAttributesBlock(created + '*.bin binary\n').text).toBe('*.bin binary\n');
    expect(withoutAttributesBlock('*.bin binary\n')).toEqual({ text: '*.bin binary\n', removed: false });
  });
});

describe('installGitDrivers', () => {
  test('writes the local config and .gitattributes once, and uninstall removes both', async () => {
    const r = repo();
    const first = await installGitDrivers(r.dir, { command: ['/usr/bin/env', 'sealguard'], patterns: ['secrets/**'] });
    expect(first.attributes).toBe('created');
    expect(first.configChanged).toHaveLength(4);
    expect(r.git('config', '--local', 'diff.sealguard.cachetextconv').trim()).toBe('false');
    expect(r.git('config', '--local', 'merge.sealguard.name')).toContain('sealguard');

    const again = await installGitDrivers(r.dir, { command: ['/usr/bin/env', 'sealguard'], patterns: ['secrets/**'] });
    expect(again).toMatchObject({ attributes: 'unchanged', configChanged: [] });

    const removed = await uninstallGitDrivers(r.dir);
    expect(removed).toMatchObject({ attributes: 'deleted', configRemoved: ['diff.sealguard', 'merge.sealguard'] });
    expect(fs.existsSync(path.join(r.dir, '.gitattributes'))).toBe(false);
    expect(await uninstallGitDrivers(r.dir)).toMatchObject({ attributes: 'unchanged', configRemoved: [] });
  });

  test('the textconv runs the given command and falls back to cat when it cannot start', () => {
    const d = tempDir('sealguard-textconv-cmd-');
    const fake = path.join(d, 'fake');
    fs.writeFileSync(fake, '#!/bin/sh\necho "converted $*"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(d, 'f.yaml'), 'raw\n');
    const sh = (value: string) => spawnSync('sh', ['-c', `${value} "$@"`, 'textconv', 'f.yaml'], { cwd: d, encoding: 'utf8' }).stdout;
    expect(sh(driverConfig([fake])['diff.sealguard.textconv'])).toBe('converted textconv f.yaml\n');
    const broken = path.join(d, 'broken');
    fs.writeFileSync(broken, '#!/bin/sh\nexit 127\n', { mode: 0o755 });
    expect(sh(driverConfig([broken])['diff.sealguard.textconv'])).toBe('raw\n');
  });

  test('the merge driver value takes the placeholders git substitutes', () => {
    const value = driverConfig(['/opt/node', '/opt/sealguard/bin/sealguard.js'])['merge.sealguard.driver'];
    expect(value).toContain("if [ -e /opt/node ] && [ -e /opt/sealguard/bin/sealguard.js ]; then /opt/node /opt/sealguard/bin/sealguard.js merge-driver %O %A %B %P;");
    expect(value).toContain('npx --no-install sealguard merge-driver %O %A %B %P');
  });
});
