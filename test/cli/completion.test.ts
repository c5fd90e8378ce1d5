import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cliPath, runCli } from '../helpers/cli.js';
import { buildProgram } from '../../src/cli/main.js';
import { commandSpecs } from '../../src/cli/commands/completion.js';
import { processIo } from '../../src/cli/io.js';

const cwd = process.cwd();

/** Runs the bash completion function as bash would for the words typed so far (the last one is being completed). */
function complete(words: string[]): string[] {
  const script = [
    `source <("${process.execPath}" "${cliPath}" completion bash)`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_sealguard_completion',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('sealguard completion', () => {
  it('bash: sourcing the script registers the completion for sealguard', () => {
    const r = spawnSync('bash', ['-c', `source <("${process.execPath}" "${cliPath}" completion bash); complete -p sealguard`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('complete -o default -F _sealguard_completion sealguard');
  });

  it('bash: completes command names, options, option values and subcommands', () => {
    expect(complete(['sealguard', 'in'])).toEqual(['install', 'init']);
    expect(complete(['sealguard', 'scan', '--st'])).toEqual(['--staged', '--stdin', '--stdin-name']);
    expect(complete(['sealguard', 'scan', '-f', ''])).toEqual(expect.arrayContaining(['text', 'json', 'sarif']));
    expect(complete(['sealguard', 'rules', ''])).toEqual(expect.arrayContaining(['list', 'test']));
    expect(complete(['sealguard', 'install', '--'])).toEqual(expect.arrayContaining(['--git-drivers', '--uninstall', '--pre-push']));
    expect(complete(['sealguard', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']));
    expect(complete(['sealguard', 'te'])).toEqual([]);
  });

  it('every visible command and option of the program is in each script; hidden commands are not', () => {
    const specs = commandSpecs(buildProgram(processIo(), () => undefined));
    const names = specs.filter((s) => s.path.length === 1).map((s) => s.path[0]!);
    expect(names).toEqual(expect.arrayContaining(['scan', 'install', 'init', 'encrypt', 'decrypt', 'completion']));
    expect(names).not.toContain('textconv');
    expect(names).not.toContain('merge-driver');
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = runCli(['completion', shell], { cwd });
      expect(r.code).toBe(0);
      for (const s of specs) {
        for (const w of s.path) expect(r.stdout, `${shell}: ${w}`).toContain(w);
        for (const f of s.flags) for (const n of f.names) expect(r.stdout, `${shell}: ${s.path.join(' ')} ${n}`).toContain(shell === 'fish' ? n.replace(/^--?/, '') : n);
      }
      expect(r.stdout).not.toContain('merge-driver');
      expect(r.stdout).not.toContain('textconv');
    }
  });

  it('zsh and fish scripts start the way each shell loads them', () => {
    expect(runCli(['completion', 'zsh'], { cwd }).stdout.split('\n')[0]).toBe('#compdef sealguard');
    expect(runCli(['completion', 'zsh'], { cwd }).stdout).toContain('compdef _sealguard sealguard');
    const fish = runCli(['completion', 'fish'], { cwd }).stdout;
    expect(fish).toContain("complete -c sealguard -n '__fish_use_subcommand' -f -a 'scan'");
    expect(fish).toContain("complete -c sealguard -n '__fish_seen_subcommand_from scan' -s f -l report-format -x -a");
  });

  it('an unknown shell is a usage error naming the choices', () => {
    const r = runCli(['completion', 'tcsh'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bash, zsh, fish');
  });
});

describe('sealguard --version and help', () => {
  it('--version prints the package version', () => {
    const r = runCli(['--version'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('help COMMAND shows the usage and examples of every visible command', () => {
    const specs = commandSpecs(buildProgram(processIo(), () => undefined)).filter((s) => s.path.length > 0 && s.subcommands.length === 0);
    for (const s of specs) {
      // commander's help takes one level: `sealguard rules help list` for a subcommand.
      const args = s.path.length > 1 ? [...s.path.slice(0, -1), 'help', s.path[s.path.length - 1]!] : ['help', ...s.path];
      const r = runCli(args, { cwd });
      expect(r.code, s.path.join(' ')).toBe(0);
      expect(r.stdout, s.path.join(' ')).toContain(`Usage: sealguard ${s.path.join(' ')}`);
      expect(r.stdout, s.path.join(' ')).toMatch(/\nExamples:\n {2}\$ .*sealguard/);
    }
  });
});
