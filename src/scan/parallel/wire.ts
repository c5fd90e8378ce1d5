import { Secret } from '../../shared/secret.js';
import type { Finding } from '../types.js';

/**
 * A finding as it crosses a worker boundary. Structured clone drops a class's private fields, so
 * every `Secret` travels as its plaintext under `secrets` and becomes a `Secret` again on arrival.
 * Other fields are copied as they are, so fields added to Finding later cross unchanged.
 */
export interface WireFinding {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, string>>;
}

export function toWire(f: Finding): WireFinding {
  const fields: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(f)) {
    if (value instanceof Secret) secrets[key] = value.reveal();
    else fields[key] = value;
  }
  return { fields, secrets };
}

export function fromWire(w: WireFinding): Finding {
  const out: Record<string, unknown> = { ...w.fields };
  for (const [key, value] of Object.entries(w.secrets)) out[key] = new Secret(value);
  return out as unknown as Finding;
}
