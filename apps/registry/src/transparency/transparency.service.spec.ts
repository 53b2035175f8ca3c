import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, exportJWK, generateKeyPair } from 'jose';
import { MemoryHashStore, MerkleTree, verifyConsistency, verifyInclusion } from '#plaza/merkle';
import { noteVerifierFromKey, openCheckpoint } from '#plaza/note';
import type { AppConfig } from '../platform/config/config.js';
import { LogSigner } from './log-signer.js';
import { PublishedSize } from './published-size.js';
import type { SignerElection } from './signer-election.js';
import { treeHasher } from '../platform/journal/merkle-node.repository.js';
import { TransparencyError, TransparencyErrorCode } from './transparency-error.js';
import type { StoredCheckpoint, TransparencyRepository } from './transparency.repository.js';
import { checkpointBody, TransparencyService } from './transparency.service.js';
import type { WitnessingRepository } from './witnessing/witnessing.repository.js';
import { WitnessingService } from './witnessing/witnessing.service.js';

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('TransparencyService', () => {
  const entries = Array.from({ length: 37 }, (_, i) => Buffer.from(`{"index":${i}}`, 'utf8'));
  let tree: MerkleTree;
  let service: TransparencyService;
  const checkpoints = new Map<number, StoredCheckpoint>();
  let signer: LogSigner;

  beforeAll(async () => {
    const store = new MemoryHashStore();
    tree = new MerkleTree(treeHasher, store);
    await tree.appendEntries(entries);
    const repository = {
      treeSize: async () => tree.size,
      store: () => store,
      entries: async (start: number, end: number) =>
        Promise.all(entries.slice(start, end).map(async (entry, i) => ({ index: start + i, entry, leafHash: Buffer.from(await treeHasher.leaf(entry)) }))),
      findCheckpoint: async (size: number) => checkpoints.get(size) ?? null,
      saveCheckpoint: async (c: StoredCheckpoint) => {
        if (!checkpoints.has(c.size)) checkpoints.set(c.size, c);
        return checkpoints.get(c.size)!;
      },
      latestCheckpoint: async () => null,
    } as unknown as TransparencyRepository;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(privateKey);
    const config = { logOrigin: 'plaza.test/log', logSigningKey: { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, d: jwk.d! }, logWitnesses: [], logWitnessQuorum: 0, dataDir: mkdtempSync(join(tmpdir(), 'plaza-log-spec-')) } as unknown as AppConfig;
    const published = new PublishedSize(config, repository);
    signer = new LogSigner(config, repository, published);
    await signer.onModuleInit();
    const election = { elected: async () => true } as unknown as SignerElection;
    service = new TransparencyService(repository, signer, election, config, new WitnessingService(config, {} as WitnessingRepository), published, []);
  });

  it('serves roots of every past size and proofs that verify against them', async () => {
    for (let size = 1; size <= entries.length; size++) {
      const { rootHash } = await service.root({ size });
      expect(bytes(rootHash)).toEqual(new Uint8Array(await tree.root(size)));
      for (let index = 0; index < size; index += 5) {
        const proof = await service.inclusion({ index, size });
        expect(await verifyInclusion(treeHasher, bytes(proof.leafHash), index, size, proof.proof.map(bytes), bytes(rootHash))).toBe(true);
      }
      for (let first = 0; first <= size; first += 3) {
        const c = await service.consistency({ first, second: size });
        expect(await verifyConsistency(treeHasher, first, size, bytes(c.firstRootHash), bytes(c.secondRootHash), c.proof.map(bytes))).toBe(true);
      }
    }
  });

  it('defaults to the current size and to at most 1000 entries', async () => {
    expect((await service.root({})).treeSize).toBe(37);
    expect((await service.entries({ start: 30 })).entries.map((e) => e.index)).toEqual([30, 31, 32, 33, 34, 35, 36]);
  });

  it.each([
    ['a size beyond the tree', () => service.root({ size: 38 }), TransparencyErrorCode.SizeBeyondTree],
    ['an empty range', () => service.entries({ start: 3, end: 3 }), TransparencyErrorCode.InvalidRange],
    ['more than 1000 entries', () => service.entries({ start: 0, end: 1001 }), TransparencyErrorCode.InvalidRange],
    ['a start past the end of the log', () => service.entries({ start: 37 }), TransparencyErrorCode.IndexOutOfRange],
    ['an index not below the size', () => service.inclusion({ index: 5, size: 5 }), TransparencyErrorCode.IndexOutOfRange],
    ['first above second', () => service.consistency({ first: 6, second: 5 }), TransparencyErrorCode.InvalidRange],
  ])('refuses %s', async (_, call, code) => {
    await expect(call()).rejects.toEqual(expect.objectContaining({ code }));
    await expect(call()).rejects.toBeInstanceOf(TransparencyError);
  });

  it('signs the C2SP checkpoint of the current size once, as a JWS and a signed note over the same body, and refuses to serve a stored checkpoint over another root', async () => {
    const { body, jws, note } = await service.checkpoint();
    expect(body).toBe(checkpointBody('plaza.test/log', 37, await tree.root()));
    expect(body).toMatch(/^plaza\.test\/log\n37\n[A-Za-z0-9+/]{43}=\n$/);
    const publicKey = { kty: 'OKP', crv: 'Ed25519', x: signer.publicJwk.x };
    const { payload, protectedHeader } = await compactVerify(jws, await import('jose').then((j) => j.importJWK(publicKey, 'EdDSA')));
    expect(new TextDecoder().decode(payload)).toBe(body);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: signer.publicJwk.kid });
    const opened = openCheckpoint(note, [noteVerifierFromKey(service.verifierKey())]);
    expect(opened.note.text).toBe(body);
    expect(opened.checkpoint).toMatchObject({ origin: 'plaza.test/log', size: 37 });
    expect(service.verifierKey()).toMatch(/^plaza\.test\/log\+[0-9a-f]{8}\+/);
    expect(await service.checkpoint()).toEqual({ body, jws, note, witnesses: [], witnessed: false, quorum: 0, witnessedCheckpoint: null });

    checkpoints.set(37, { ...checkpoints.get(37)!, rootHash: Buffer.alloc(32) });
    await expect(service.checkpoint()).rejects.toEqual(expect.objectContaining({ code: TransparencyErrorCode.CheckpointConflict }));
    expect(service.jwks()).toEqual({ keys: [signer.publicJwk] });
  });
});
