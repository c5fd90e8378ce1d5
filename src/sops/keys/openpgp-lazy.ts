/**
 * openpgp.js takes tens of milliseconds to load, and most runs (age recipients, gpg on PATH) never
 * call it: load it on first use only.
 */
import { requirePackage } from '../../shared/require.js';

type OpenPgp = typeof import('openpgp');

let loading: Promise<OpenPgp> | undefined;

export function loadOpenpgp(): Promise<OpenPgp> {
  loading ??= Promise.resolve().then(() => requirePackage<OpenPgp>('openpgp'));
  return loading;
}
