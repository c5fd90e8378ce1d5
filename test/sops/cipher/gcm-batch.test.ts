import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEncValue, locateEncParts } from '../../../src/sops/cipher/aes.js';
import { GcmBatch, type OpenJob } from '../../../src/sops/cipher/gcm-batch.js';

/** One value to encrypt: the plaintext (non-empty), the authenticated data and the nonce (non-empty). */
interface SealJob {
  readonly plaintext: Uint8Array;
  readonly aad: string;
  readonly iv: Uint8Array;
}

/** sealColumns of whole jobs, read back as one ciphertext and tag per value. */
function sealJobs(batch: GcmBatch, jobs: readonly SealJob[]): { data: Buffer; tag: Buffer }[] {
  const s = batch.sealColumns(
    jobs.map((j) => j.plaintext),
    jobs.map((j) => j.aad),
    jobs.map((j) => j.iv),
    32,
  );
  return jobs.map((_, i) => ({ data: s.bytes.subarray(s.dataAt[i]!, s.dataAt[i]! + s.lengths[i]!), tag: s.tags.subarray(16 * i, 16 * i + 16) }));
}

/** openTextColumns of ENC texts, read back as one plaintext (or null) per value. */
function openEncTexts(batch: GcmBatch, texts: readonly string[], aads: readonly string[]): (Buffer | null)[] {
  const at: number[] = [];
  for (const t of texts) locateEncParts(t, at);
  const o = batch.openTextColumns(texts, at, aads);
  return texts.map((_, i) => (o.ok[i] === 1 ? o.plain.subarray(o.at[i]!, o.at[i]! + o.lengths[i]!) : null));
}

/** The reference: Node's (OpenSSL's) AES-256-GCM, one value at a time. */
function nodeSeal(key: Uint8Array, job: SealJob): { data: Buffer; tag: Buffer } {
  const c = createCipheriv('aes-256-gcm', key, job.iv);
  c.setAAD(Buffer.from(job.aad, 'utf8'));
  const data = Buffer.concat([c.update(job.plaintext), c.final()]);
  return { data, tag: c.getAuthTag() };
}

function nodeOpen(key: Uint8Array, job: OpenJob): Buffer | null {
  try {
    const d = createDecipheriv('aes-256-gcm', key, job.iv);
    d.setAAD(Buffer.from(job.aad, 'utf8'));
    d.setAuthTag(job.tag);
    return Buffer.concat([d.update(job.data), d.final()]);
  } catch {
    return null;
  }
}

// sops writes 32-byte nonces; 12 bytes is GCM's fast path; the others cross block boundaries.
const ivLength = fc.constantFrom(1, 12, 15, 16, 17, 32, 33, 64);
const job = fc.record({
  plaintext: fc.uint8Array({ minLength: 1, maxLength: 90 }),
  aad: fc.string({ unit: 'grapheme', maxLength: 40 }),
  iv: ivLength.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
});
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('batched AES-256-GCM gives the same bytes as OpenSSL', () => {
  it('property: sealing a batch gives the ciphertexts and tags Node computes one by one', () => {
    fc.assert(
      fc.property(key, fc.array(job, { minLength: 1, maxLength: 12 }), (k, jobs) => {
        const batch = new GcmBatch(k);
        const sealed = sealJobs(batch, jobs);
        jobs.forEach((j, i) => {
          const ref = nodeSeal(k, j);
          expect(sealed[i]?.data.equals(ref.data)).toBe(true);
          expect(sealed[i]?.tag.equals(ref.tag)).toBe(true);
        });
        batch.wipe();
      }),
      { numRuns: 150 },
    );
  });

  it('property: opening what Node sealed returns the plaintexts', () => {
    fc.assert(
      fc.property(key, fc.array(job, { minLength: 1, maxLength: 12 }), (k, jobs) => {
        const opened = new GcmBatch(k).open(jobs.map((j) => ({ ...nodeSeal(k, j), aad: j.aad, iv: j.iv })));
        jobs.forEach((j, i) => expect(opened[i]?.equals(Buffer.from(j.plaintext))).toBe(true));
      }),
      { numRuns: 150 },
    );
  });

  it('property: text plaintexts seal as their UTF-8 bytes, and missing nonces are drawn fresh and distinct', () => {
    const textJob = fc.record({
      plaintext: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 40 })),
      aad: fc.string({ unit: 'grapheme', maxLength: 40 }),
      iv: fc.option(fc.uint8Array({ minLength: 12, maxLength: 32 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(key, fc.array(textJob, { minLength: 1, maxLength: 12 }), (k, jobs) => {
        const batch = new GcmBatch(k);
        const sealed = batch.sealColumns(
          jobs.map((j) => j.plaintext),
          jobs.map((j) => j.aad),
          jobs.map((j) => j.iv),
          32,
        );
        const nonces = new Set<string>();
        jobs.forEach((j, i) => {
          const iv = sealed.ivs.bytes.subarray(sealed.ivs.at[i], sealed.ivs.at[i + 1]);
          if (j.iv === undefined) {
            expect(iv.length).toBe(32);
            nonces.add(iv.toString('hex'));
          } else expect(iv.equals(j.iv)).toBe(true);
          const plaintext = typeof j.plaintext === 'string' ? Buffer.from(j.plaintext, 'utf8') : j.plaintext;
          const ref = nodeSeal(k, { plaintext, aad: j.aad, iv });
          const at = sealed.dataAt[i]!;
          expect(sealed.bytes.subarray(at, at + sealed.lengths[i]!).equals(ref.data)).toBe(true);
          expect(sealed.tags.subarray(i * 16, i * 16 + 16).equals(ref.tag)).toBe(true);
        });
        expect(nonces.size).toBe(jobs.filter((j) => j.iv === undefined).length);
        batch.wipe();
      }),
      { numRuns: 150 },
    );
  });

  it('a batch of 5,000 values with 32-byte nonces matches Node value for value', () => {
    const k = randomBytes(32);
    const jobs: SealJob[] = Array.from({ length: 5000 }, (_, i) => ({
      plaintext: randomBytes(1 + (i % 70)),
      aad: `root:level${i % 7}:key${i}:`,
      iv: randomBytes(32),
    }));
    const sealed = sealJobs(new GcmBatch(k), jobs);
    const mismatches = jobs.filter((j, i) => !nodeSeal(k, j).tag.equals(sealed[i]?.tag ?? Buffer.alloc(0)));
    expect(mismatches).toHaveLength(0);
  });
});

describe('batched AES-256-GCM refuses what OpenSSL refuses', () => {
  const tamper = fc.constantFrom('data', 'iv', 'tag', 'aad', 'key');

  it('property: flipping one bit of data, nonce, tag, AAD or key gives null for that value only', () => {
    fc.assert(
      fc.property(key, fc.array(job, { minLength: 2, maxLength: 6 }), tamper, fc.nat(), fc.nat(), (k, jobs, what, pick, bit) => {
        const open: OpenJob[] = jobs.map((j) => ({ ...nodeSeal(k, j), aad: j.aad, iv: j.iv }));
        const victim = pick % open.length;
        const flip = (bytes: Uint8Array): Buffer => {
          const copy = Buffer.from(bytes);
          const at = (bit >>> 3) % copy.length;
          copy[at] = (copy[at] as number) ^ (1 << (bit & 7));
          return copy;
        };
        const v = open[victim] as OpenJob;
        let openKey: Uint8Array = k;
        if (what === 'data') open[victim] = { ...v, data: flip(v.data) };
        if (what === 'iv') open[victim] = { ...v, iv: flip(v.iv) };
        if (what === 'tag') open[victim] = { ...v, tag: flip(v.tag) };
        if (what === 'aad') open[victim] = { ...v, aad: v.aad + 'x' };
        if (what === 'key') openKey = flip(k);
        const opened = new GcmBatch(openKey).open(open);
        opened.forEach((plain, i) => {
          const refused = what === 'key' || i === victim;
          expect(plain === null).toBe(refused);
          expect(nodeOpen(openKey, open[i] as OpenJob) === null).toBe(refused);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('wipe zeroes the plaintexts a batch returned', () => {
    const k = randomBytes(32);
    const j: SealJob = { plaintext: Buffer.from('hunter2-password'), aad: 'db:password:', iv: randomBytes(32) };
    const batch = new GcmBatch(k);
    const [plain] = batch.open([{ ...nodeSeal(k, j), aad: j.aad, iv: j.iv }]);
    expect(plain?.toString()).toBe('hunter2-password');
    batch.wipe();
    expect(plain?.every((b) => b === 0)).toBe(true);
  });

  it('property: values given as ENC texts open to the same plaintexts, and a flipped bit refuses only its value', () => {
    fc.assert(
      fc.property(key, fc.array(job, { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), (k, jobs, pick, bit) => {
        const texts = jobs.map((j) => {
          const { data, tag } = nodeSeal(k, j);
          return formatEncValue(data, j.iv, tag, 'str');
        });
        const aads = jobs.map((j) => j.aad);
        const plain = openEncTexts(new GcmBatch(k), texts, aads);
        jobs.forEach((j, i) => expect(plain[i]?.equals(Buffer.from(j.plaintext))).toBe(true));
        const victim = pick % jobs.length;
        const { data, tag } = nodeSeal(k, jobs[victim]!);
        tag[(bit >>> 3) % 16] ^= 1 << (bit & 7);
        const tampered = texts.map((t, i) => (i === victim ? formatEncValue(data, jobs[victim]!.iv, tag, 'str') : t));
        const opened = openEncTexts(new GcmBatch(k), tampered, aads);
        opened.forEach((p, i) => expect(p === null).toBe(i === victim));
      }),
      { numRuns: 150 },
    );
  });

  it('a truncated tag is refused', () => {
    const k = randomBytes(32);
    const j: SealJob = { plaintext: Buffer.from('secret'), aad: 'a:', iv: randomBytes(32) };
    const sealed = nodeSeal(k, j);
    const [plain] = new GcmBatch(k).open([{ data: sealed.data, tag: sealed.tag.subarray(0, 12), aad: j.aad, iv: j.iv }]);
    expect(plain).toBeNull();
  });
});
