import { inspect } from 'node:util';

/**
 * Mask a secret for display: keep a short prefix so a human can recognise which key it was,
 * hide the rest. Short values are hidden entirely.
 */
export function maskSecret(value: string, visible = 4): string {
  if (value.length <= visible * 3) return '*'.repeat(Math.min(value.length, 8)) || '****';
  return value.slice(0, visible) + '*'.repeat(Math.min(value.length - visible, 12));
}

/**
 * A secret value. Printing it in any ordinary way (template string, JSON.stringify, console.log,
 * util.inspect) yields a mask; the plaintext is only available through `reveal()`, so a secret
 * cannot reach a log or report by accident.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plaintext. Call only where the user asked for it (`--no-redact`) or to hash/compare it. */
  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  masked(): string {
    return maskSecret(this.#value);
  }

  toString(): string {
    return this.masked();
  }

  toJSON(): string {
    return this.masked();
  }

  [inspect.custom](): string {
    return `Secret(${this.masked()})`;
  }
}
