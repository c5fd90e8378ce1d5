/**
 * Calls to AWS KMS (and STS, to assume a key's role) through the AWS SDK, loaded only when a KMS key
 * is used so scans and age/PGP commands never pay for it. Every call has a deadline, throttling and
 * network errors are retried with backoff by the SDK's standard retry strategy, and failures come
 * back as one-line reasons without key material.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { errorMessage } from '../../shared/errors.js';
import { requirePackage } from '../../shared/require.js';
import { requireKmsArn, stsSessionName } from './kms-arn.js';

/** Environment variables read here besides the AWS SDK's own. */
export const SEALGUARD_AWS_TIMEOUT_MS = 'SEALGUARD_AWS_TIMEOUT_MS';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_ATTEMPTS = 5;
/** Room for the SDK's backoff between attempts on top of the attempts' own timeouts. */
const BACKOFF_ALLOWANCE_MS = 20_000;

/** What a KMS call needs to know about the key besides its ciphertext. */
export interface KmsCallKey {
  readonly arn: string;
  readonly role?: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly awsProfile?: string;
}

interface CallSettings {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly deadlineMs: number;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = value === undefined ? NaN : Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function settings(env: NodeJS.ProcessEnv): CallSettings {
  const timeoutMs = positiveInt(env[SEALGUARD_AWS_TIMEOUT_MS], DEFAULT_TIMEOUT_MS);
  const maxAttempts = positiveInt(env.AWS_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS);
  return { timeoutMs, maxAttempts, deadlineMs: timeoutMs * maxAttempts + BACKOFF_ALLOWANCE_MS };
}

/** An error meant to be shown in the list of keys tried: the message is the reason. */
export class KmsCallError extends Error {
  constructor(
    message: string,
    /** AWS error name (`AccessDeniedException` …) or a network code, for callers and tests. */
    readonly awsCode: string,
  ) {
    super(message);
    this.name = 'KmsCallError';
  }
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
type BaseAuth = { profile?: string; credentials?: Credentials };

/**
 * Credentials as the SDK's default chain would find them, but from `env` rather than process.env:
 * a key's `aws_profile` wins (shared config files), then AWS_ACCESS_KEY_ID/SECRET, then AWS_PROFILE
 * or the rest of the default chain.
 */
function baseAuth(env: NodeJS.ProcessEnv, awsProfile: string | undefined): BaseAuth {
  if (awsProfile) return { profile: awsProfile };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      },
    };
  }
  return env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {};
}

function endpointFor(service: 'KMS' | 'STS', env: NodeJS.ProcessEnv): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * The SDK's logger. Silent: a key's aws_profile wins over AWS_ACCESS_KEY_ID by design (as in sops),
 * and the SDK's console warning about that would only confuse; failures reach the user as errors.
 */
const quietLogger = { debug: (): void => undefined, info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined };

function clientConfig(region: string, endpoint: string | undefined, auth: BaseAuth, s: CallSettings) {
  return {
    region,
    logger: quietLogger,
    ...(endpoint ? { endpoint } : {}),
    ...auth,
    maxAttempts: s.maxAttempts,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: s.timeoutMs,
      requestTimeout: s.timeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: s.timeoutMs,
    },
  };
}

/**
 * Loads the KMS SDK. The SDK prints a multi-line notice about its own future Node support on first
 * use; that concerns how sealguard is packaged, not the user's command, so it is turned off unless
 * the user set the SDK's switch themselves.
 */
async function loadKmsSdk(): Promise<typeof import('@aws-sdk/client-kms')> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return requirePackage<typeof import('@aws-sdk/client-kms')>('@aws-sdk/client-kms');
}

async function loadStsSdk(): Promise<typeof import('@aws-sdk/client-sts')> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return requirePackage<typeof import('@aws-sdk/client-sts')>('@aws-sdk/client-sts');
}

/** Clients and assumed-role credentials, shared by every key of a command (one AssumeRole per role). */
const clients = new Map<string, Promise<KMSClient>>();

function clientFor(key: KmsCallKey, env: NodeJS.ProcessEnv, s: CallSettings): Promise<KMSClient> {
  const region = requireKmsArn(key.arn);
  const auth = baseAuth(env, key.awsProfile);
  const endpoint = endpointFor('KMS', env);
  const cacheKey = JSON.stringify([region, endpoint, endpointFor('STS', env), auth.profile, auth.credentials?.accessKeyId, key.role, s]);
  let client = clients.get(cacheKey);
  if (!client) {
    client = (async () => {
      const credentials = key.role ? await assumeRole(key.role, region, auth, env, s) : auth.credentials;
      const { KMSClient } = await loadKmsSdk();
      return new KMSClient(clientConfig(region, endpoint, credentials ? { credentials } : auth, s));
    })();
    // A failure is not cached: the next key (or a retry by the user in the same process) tries again.
    client.catch(() => clients.delete(cacheKey));
    clients.set(cacheKey, client);
  }
  return client;
}

async function assumeRole(role: string, region: string, auth: BaseAuth, env: NodeJS.ProcessEnv, s: CallSettings): Promise<Credentials> {
  const { STSClient, AssumeRoleCommand } = await loadStsSdk();
  const sts = new STSClient(clientConfig(region, endpointFor('STS', env), auth, s));
  const deadline = AbortSignal.timeout(s.deadlineMs);
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: stsSessionName() }), { abortSignal: deadline });
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new KmsCallError(`assuming role ${role} returned no credentials`, 'NoCredentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}) };
  } catch (e) {
    if (e instanceof KmsCallError) throw e;
    const why = describeAwsError(e, s, 'STS', endpointFor('STS', env), deadline);
    throw new KmsCallError(`cannot assume role ${role}: ${why.message}`, why.code);
  } finally {
    sts.destroy();
  }
}

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException']);

/** A one-line reason for a failed SDK call. AWS messages name principals and resources, never key material. */
function describeAwsError(
  e: unknown,
  s: CallSettings,
  service: string,
  endpoint: string | undefined,
  deadline: AbortSignal,
): { message: string; code: string } {
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { attempts?: number } };
  const name = err?.name ?? 'Error';
  const attempts = err?.$metadata?.attempts;
  const after = attempts && attempts > 1 ? ` (after ${attempts} attempts)` : '';
  const where = endpoint ? ` at ${endpoint}` : '';
  const short = (m: string | undefined): string => {
    const line = (m ?? '').split('\n')[0].trim();
    return line.length > 200 ? `${line.slice(0, 200)}…` : line;
  };
  if (deadline.aborted) {
    return { message: `no answer from ${service}${where} within ${Math.round(s.deadlineMs / 1000)} s`, code: 'Timeout' };
  }
  if (name === 'TimeoutError') {
    return { message: `no answer from ${service}${where} within ${s.timeoutMs / 1000} s${after}`, code: 'Timeout' };
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return { message: `access denied: ${short(err.message)}`, code: name };
  }
  if (THROTTLING.has(name)) return { message: `throttled by ${service}${after}: ${short(err.message)}`, code: name };
  const netCode = err.code ?? (err as { cause?: { code?: string } }).cause?.code;
  if (netCode && /^E[A-Z]+$/.test(netCode)) {
    return { message: `cannot reach ${service}${where}: ${netCode}${after}`, code: netCode };
  }
  if (name === 'CredentialsProviderError') return { message: `no AWS credentials: ${short(err.message)}`, code: name };
  return { message: `${name}: ${short(err.message ?? errorMessage(e))}${after}`, code: name };
}

function contextOf(key: KmsCallKey): Record<string, string> | undefined {
  return key.context && Object.keys(key.context).length > 0 ? { ...key.context } : undefined;
}

/** KMS `Encrypt` of `plaintext` under `key` with its encryption context; returns the ciphertext blob. */
export async function kmsEncrypt(key: KmsCallKey, plaintext: Uint8Array, env: NodeJS.ProcessEnv): Promise<Uint8Array> {
  const s = settings(env);
  const client = await clientFor(key, env, s);
  const { EncryptCommand } = await loadKmsSdk();
  const deadline = AbortSignal.timeout(s.deadlineMs);
  try {
    const input = { KeyId: key.arn, Plaintext: plaintext, EncryptionContext: contextOf(key) };
    const out = await client.send(new EncryptCommand(input), { abortSignal: deadline });
    if (!out.CiphertextBlob) throw new KmsCallError('KMS returned no ciphertext', 'EmptyResponse');
    return out.CiphertextBlob;
  } catch (e) {
    if (e instanceof KmsCallError) throw e;
    const why = describeAwsError(e, s, 'KMS', endpointFor('KMS', env), deadline);
    throw new KmsCallError(why.message, why.code);
  }
}

/** KMS `Decrypt` of a ciphertext blob, naming the key and sending its encryption context, as sops does. */
export async function kmsDecrypt(key: KmsCallKey, blob: Uint8Array, env: NodeJS.ProcessEnv): Promise<Uint8Array> {
  const s = settings(env);
  const client = await clientFor(key, env, s);
  const { DecryptCommand } = await loadKmsSdk();
  const deadline = AbortSignal.timeout(s.deadlineMs);
  try {
    const input = { KeyId: key.arn, CiphertextBlob: blob, EncryptionContext: contextOf(key) };
    const out = await client.send(new DecryptCommand(input), { abortSignal: deadline });
    if (!out.Plaintext) throw new KmsCallError('KMS returned no plaintext', 'EmptyResponse');
    return out.Plaintext;
  } catch (e) {
    if (e instanceof KmsCallError) throw e;
    const why = describeAwsError(e, s, 'KMS', endpointFor('KMS', env), deadline);
    // AWS gives no message for a wrong context or a modified blob; say what it means for a sops file.
    if (why.code === 'InvalidCiphertextException') {
      throw new KmsCallError('KMS refused the ciphertext (InvalidCiphertextException): the stored key or its encryption context was changed', why.code);
    }
    throw new KmsCallError(why.message, why.code);
  }
}
