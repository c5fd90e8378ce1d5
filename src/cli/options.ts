import { SealguardError } from '../shared/errors.js';

/** Collects a repeatable and/or comma-separated option into a flat list. */
export function collectList(value: string, previous: string[] = []): string[] {
  return previous.concat(value.split(',').map((v) => v.trim()).filter((v) => v !== ''));
}

export function intOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new SealguardError('USAGE', `${name} takes a whole number, got '${value}'`);
    return n;
  };
}
