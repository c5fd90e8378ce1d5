import { expect } from 'vitest';
import { SealguardError } from '../../src/shared/errors.js';

/** The SealguardError a call or promise throws; fails the test when it throws nothing or something else. */
export async function caught(p: Promise<unknown> | (() => unknown)): Promise<SealguardError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(SealguardError);
    return e as SealguardError;
  }
  throw new Error('expected an error');
}
