/**
 * A local stand-in for AWS KMS and STS that the real AWS SDK talks to: KMS over AWS JSON 1.1
 * (`X-Amz-Target: TrentService.Encrypt|Decrypt|GenerateDataKey`) and STS `AssumeRole` over the
 * awsQuery protocol (form-encoded POST, XML answer), both on one 127.0.0.1 port. Ciphertexts are
 * real AES-256-GCM under a per-key secret, with the encryption context bound as authenticated data.
 * Every call is recorded with the access key that signed it, so tests can prove which credentials
 * (or assumed role) were used. Signatures are not verified.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface KmsTestKey {
  readonly arn: string;
  /**
   * Who may use the key: access key ids, or role ARNs (meaning any temporary credentials this
   * server issued by AssumeRole for that role). Any caller when absent.
   */
  readonly allow?: readonly string[];
}

export interface KmsTestRole {
  readonly arn: string;
  /** Access key ids allowed to assume the role; any caller when absent. */
  readonly allow?: readonly string[];
}

export interface KmsServerOptions {
  readonly keys: readonly KmsTestKey[];
  readonly roles?: readonly KmsTestRole[];
}

export interface RecordedCall {
  /** `Encrypt`, `Decrypt`, `GenerateDataKey` or `AssumeRole`. */
  readonly action: string;
  /** Access key id from the request's SigV4 Authorization header. */
  readonly accessKeyId: string | undefined;
  /** Whether the request carried a session token (temporary credentials). */
  readonly withSessionToken: boolean;
  /** Region from the credential scope. */
  readonly region: string | undefined;
  /** Key id the call named or the ciphertext carried (KMS calls). */
  readonly keyId?: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** AssumeRole only. */
  readonly roleArn?: string;
  readonly roleSessionName?: string;
  /** AWS error type when the call failed, e.g. `AccessDeniedException`. */
  readonly error?: string;
}

export interface AssumedRole {
  readonly roleArn: string;
  readonly sessionName: string;
  /** The temporary access key id handed out for this session. */
  readonly accessKeyId: string;
}

export interface KmsTestServer {
  /** `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL. */
  readonly url: string;
  readonly calls: RecordedCall[];
  readonly assumed: AssumedRole[];
  /** The next `n` KMS calls answer ThrottlingException (HTTP 400), as AWS does under load. */
  throttleNext(n: number): void;
  close(): Promise<void>;
}

interface KeyState {
  readonly arn: string;
  readonly secret: Buffer;
  readonly allow?: readonly string[];
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const BLOB_VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** Encryption context as AAD: sorted pairs, so the same context in any order binds the same way. */
function contextAad(context: Readonly<Record<string, string>> | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

/** Blob layout: version, key-id length (u16), key id, IV, tag, ciphertext. */
function seal(key: KeyState, plaintext: Buffer, context: Record<string, string> | undefined): Buffer {
  const id = Buffer.from(key.arn, 'utf8');
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key.secret, iv);
  cipher.setAAD(contextAad(context));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(3);
  header.writeUInt8(BLOB_VERSION, 0);
  header.writeUInt16BE(id.length, 1);
  return Buffer.concat([header, id, iv, cipher.getAuthTag(), ct]);
}

function blobKeyId(blob: Buffer): { keyId: string; rest: Buffer } {
  if (blob.length < 3 || blob.readUInt8(0) !== BLOB_VERSION) throw new AwsError('InvalidCiphertextException', 'unknown ciphertext format');
  const idLength = blob.readUInt16BE(1);
  if (blob.length < 3 + idLength + IV_LENGTH + TAG_LENGTH) throw new AwsError('InvalidCiphertextException', 'ciphertext too short');
  return { keyId: blob.subarray(3, 3 + idLength).toString('utf8'), rest: blob.subarray(3 + idLength) };
}

function open(key: KeyState, rest: Buffer, context: Record<string, string> | undefined): Buffer {
  const iv = rest.subarray(0, IV_LENGTH);
  const tag = rest.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', key.secret, iv);
  decipher.setAAD(contextAad(context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(rest.subarray(IV_LENGTH + TAG_LENGTH)), decipher.final()]);
  } catch {
    // What AWS answers for a wrong encryption context or a modified blob.
    throw new AwsError('InvalidCiphertextException', '');
  }
}

function signer(req: http.IncomingMessage): { accessKeyId?: string; region?: string } {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(auth);
  return m ? { accessKeyId: m[1], region: m[2] } : {};
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Starts the server on a random 127.0.0.1 port. */
export async function startKmsServer(options: KmsServerOptions): Promise<KmsTestServer> {
  const keys = options.keys.map((k): KeyState => ({ arn: k.arn, secret: randomBytes(32), allow: k.allow }));
  const roles = options.roles ?? [];
  const calls: RecordedCall[] = [];
  const assumed: AssumedRole[] = [];
  /** Temporary access key id → the role it was issued for. */
  const issued = new Map<string, string>();
  let throttle = 0;

  const findKey = (id: string): KeyState => {
    const key = keys.find((k) => k.arn === id || k.arn.endsWith(`:key/${id}`));
    if (!key) throw new AwsError('NotFoundException', `Key '${id}' does not exist`);
    return key;
  };
  const authorize = (key: KeyState, accessKeyId: string | undefined, action: string): void => {
    const principals = accessKeyId ? [accessKeyId, issued.get(accessKeyId)] : [];
    if (key.allow && !principals.some((p) => p !== undefined && key.allow?.includes(p))) {
      throw new AwsError(
        'AccessDeniedException',
        `User: ${accessKeyId ?? 'anonymous'} is not authorized to perform: kms:${action} on resource: ${key.arn}`,
      );
    }
  };

  const kms = (action: string, input: Record<string, unknown>, who: ReturnType<typeof signer>, record: (c: Partial<RecordedCall>) => void): unknown => {
    const context = input.EncryptionContext as Record<string, string> | undefined;
    if (throttle > 0) {
      throttle--;
      throw new AwsError('ThrottlingException', 'Rate exceeded');
    }
    switch (action) {
      case 'Encrypt':
      case 'GenerateDataKey': {
        const keyId = String(input.KeyId ?? '');
        record({ keyId, encryptionContext: context });
        const key = findKey(keyId);
        authorize(key, who.accessKeyId, action);
        let plaintext: Buffer;
        if (action === 'Encrypt') {
          plaintext = Buffer.from(String(input.Plaintext ?? ''), 'base64');
        } else {
          const n = typeof input.NumberOfBytes === 'number' ? input.NumberOfBytes : input.KeySpec === 'AES_128' ? 16 : 32;
          plaintext = randomBytes(n);
        }
        const blob = seal(key, plaintext, context).toString('base64');
        return action === 'Encrypt'
          ? { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }
          : { CiphertextBlob: blob, Plaintext: plaintext.toString('base64'), KeyId: key.arn };
      }
      case 'Decrypt': {
        const blob = Buffer.from(String(input.CiphertextBlob ?? ''), 'base64');
        const { keyId, rest } = blobKeyId(blob);
        record({ keyId, encryptionContext: context });
        const key = findKey(keyId);
        if (typeof input.KeyId === 'string' && input.KeyId !== '' && findKey(input.KeyId) !== key) {
          throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext');
        }
        authorize(key, who.accessKeyId, action);
        const plaintext = open(key, rest, context);
        return { Plaintext: plaintext.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      }
      default:
        throw new AwsError('UnknownOperationException', `${action} is not implemented by the test server`);
    }
  };

  const assumeRole = (form: URLSearchParams, who: ReturnType<typeof signer>, record: (c: Partial<RecordedCall>) => void): string => {
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    record({ roleArn, roleSessionName: sessionName });
    const role = roles.find((r) => r.arn === roleArn);
    if (!role) throw new AwsError('AccessDenied', `Not authorized to perform sts:AssumeRole on ${roleArn}`, 403);
    if (role.allow && !(who.accessKeyId && role.allow.includes(who.accessKeyId))) {
      throw new AwsError('AccessDenied', `User ${who.accessKeyId ?? 'anonymous'} is not authorized to perform sts:AssumeRole`, 403);
    }
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const token = randomBytes(24).toString('base64');
    issued.set(accessKeyId, roleArn);
    assumed.push({ roleArn, sessionName, accessKeyId });
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    return [
      '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
      '<AssumeRoleResult><Credentials>',
      `<AccessKeyId>${accessKeyId}</AccessKeyId>`,
      `<SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey>`,
      `<SessionToken>${xmlEscape(token)}</SessionToken>`,
      `<Expiration>${expiration}</Expiration>`,
      '</Credentials>',
      `<AssumedRoleUser><AssumedRoleId>AROATEST:${xmlEscape(sessionName)}</AssumedRoleId><Arn>${xmlEscape(roleArn)}/${xmlEscape(sessionName)}</Arn></AssumedRoleUser>`,
      '</AssumeRoleResult>',
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`,
      '</AssumeRoleResponse>',
    ].join('');
  };

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const who = signer(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const isKms = target.startsWith('TrentService.');
    const form = isKms ? undefined : new URLSearchParams(body.toString('utf8'));
    const action = isKms ? target.slice('TrentService.'.length) : (form?.get('Action') ?? '');
    const call: Partial<RecordedCall> = {
      action,
      accessKeyId: who.accessKeyId,
      withSessionToken: typeof req.headers['x-amz-security-token'] === 'string',
      region: who.region,
    };
    const record = (c: Partial<RecordedCall>): void => void Object.assign(call, c);
    const requestId = randomUUID();
    try {
      if (isKms) {
        const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
        const out = kms(action, input, who, record);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
        res.end(JSON.stringify(out));
      } else if (action === 'AssumeRole' && form) {
        const xml = assumeRole(form, who, record);
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(xml);
      } else {
        throw new AwsError('InvalidAction', `unknown action ${action || '(none)'}`);
      }
    } catch (e) {
      const err = e instanceof AwsError ? e : new AwsError('InternalFailure', String(e), 500);
      record({ error: err.type });
      if (isKms) {
        res.writeHead(err.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
        res.end(JSON.stringify({ __type: err.type, message: err.message }));
      } else {
        res.writeHead(err.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${err.type}</Code><Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
    } finally {
      calls.push(call as RecordedCall);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    assumed,
    throttleNext(n: number): void {
      throttle = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts connections and never answers: an endpoint that hangs. */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Fake static credentials, built at run time so no credential-shaped literal sits in the repo. */
export function fakeAwsCredentials(label: string): { accessKeyId: string; secretAccessKey: string } {
  const tag = label.toUpperCase().replace(/[^A-Z0-9]/g, '').padEnd(12, 'X').slice(0, 12);
  return { accessKeyId: ['AKIA', 'TEST', tag].join(''), secretAccessKey: randomBytes(20).toString('hex') };
}
