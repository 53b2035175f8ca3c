import { compactVerify, importJWK } from 'jose';
import { MerkleTree, verifyConsistency, verifyInclusion } from '#plaza/merkle';
import { stateDigest } from '../../apps/registry/src/platform/journal/journal-entry-format.js';
import { treeHasher } from '../../apps/registry/src/platform/journal/merkle-node.repository.js';
import { OrganisationService } from '../../apps/registry/src/organisations/organisation.service.js';
import { CheckpointPublisher } from '../../apps/registry/src/transparency/checkpoint-publisher.js';
import { JournalChangesRepository } from '../../apps/registry/src/transparency/journal-changes.repository.js';
import { TransparencyRepository } from '../../apps/registry/src/transparency/transparency.repository.js';
import { parseCheckpoint, TransparencyService } from '../../apps/registry/src/transparency/transparency.service.js';
import { type ActingMember, registerOrganisation } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

/**
 * The transparency log's read side on the database: the tree the journal grows, its roots and proofs read from the
 * stored subtree hashes, its signed checkpoints and its disclosures. On the server other suites may append meanwhile,
 * so each test judges sizes it has read, which never change once reached.
 */
describe('the transparency log: repository and service on the database', () => {
  let ctx: RegistryContext;
  let repository: TransparencyRepository;
  let service: TransparencyService;
  let city: ActingMember;
  let otherCity: ActingMember;

  beforeAll(async () => {
    // A database of its own on the server: the checkpoint is signed by the one instance elected on a database, which
    // on a shared one may be another suite's registry, and this suite reads checkpoints of its own writes.
    ctx = await startRegistryContext({}, { ownDatabase: true });
    repository = ctx.get(TransparencyRepository);
    service = ctx.get(TransparencyService);
    city = await registerOrganisation(ctx, 'int-tl-city', 'city');
    otherCity = await registerOrganisation(ctx, 'int-tl-other', 'city');
  });
  afterAll(() => ctx.close());

  /** The exact bytes of the log's first `size` entries, as the journal stored them. */
  const entriesUpTo = async (size: number) =>
    ((await ctx.db.query('SELECT entry FROM journal_entries WHERE index < $1 ORDER BY index', [size])) as { entry: Buffer }[]).map((row) => row.entry);
  /** The latest entry about a record, with its stored bytes and salt. */
  const latestEntryAbout = async (subjectType: string, subjectId: string) => {
    const [row] = (await ctx.db.query('SELECT index, entry FROM journal_entries WHERE subject_type = $1 AND subject_id = $2 ORDER BY index DESC LIMIT 1', [subjectType, subjectId])) as {
      index: string; entry: Buffer;
    }[];
    return { index: Number(row!.index), state: (JSON.parse(row!.entry.toString('utf8')) as { state: string }).state };
  };

  it("reads the tree's size as the journal head, which counts every entry and every leaf hash, in one snapshot", async () => {
    const runner = ctx.db.createQueryRunner();
    try {
      // One snapshot: on the server, other suites may journal between two statements.
      await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const size = await repository.treeSize(runner.manager);
      const [counts] = (await runner.query(
        `SELECT (SELECT size FROM journal_head WHERE id = 1)::int AS head, (SELECT count(*) FROM journal_entries)::int AS entries,
                (SELECT max(index) FROM journal_entries)::int AS last, (SELECT count(*) FROM merkle_nodes WHERE level = 0)::int AS leaves`,
      )) as { head: number; entries: number; last: number; leaves: number }[];
      expect(size).toBeGreaterThan(0);
      expect(counts).toEqual({ head: size, entries: size, last: size - 1, leaves: size });
      await runner.query('COMMIT');
    } finally {
      await runner.release();
    }
    // The organisations registered above are in the tree.
    expect((await latestEntryAbout('organisation', city.organisationId)).index).toBeLessThan(await repository.treeSize());
  });

  it('serves roots, inclusion and consistency proofs for past sizes that verify against a tree rebuilt from the stored entries', async () => {
    const size = await repository.treeSize();
    const entries = await entriesUpTo(size);
    expect(entries).toHaveLength(size);
    const rebuilt = new MerkleTree(treeHasher);
    await rebuilt.appendEntries(entries);
    const sizes = [...new Set([1, 2, 3, 4, 7, 8, Math.floor(size / 2), size - 1, size])].filter((n) => n >= 1 && n <= size);
    for (const n of sizes) {
      const { treeSize, rootHash } = await service.root({ size: n });
      expect(treeSize).toBe(n);
      expect(bytes(rootHash)).toEqual(new Uint8Array(await rebuilt.root(n)));
      for (const index of [...new Set([0, Math.floor(n / 2), n - 1])]) {
        const proof = await service.inclusion({ index, size: n });
        const leaf = await treeHasher.leaf(entries[index]!);
        expect(bytes(proof.leafHash)).toEqual(new Uint8Array(leaf));
        expect(await verifyInclusion(treeHasher, leaf, index, n, proof.proof.map(bytes), bytes(rootHash))).toBe(true);
        // The same path does not prove another entry there.
        if (n > 1) expect(await verifyInclusion(treeHasher, await treeHasher.leaf(entries[(index + 1) % n]!), index, n, proof.proof.map(bytes), bytes(rootHash))).toBe(false);
      }
      for (const first of sizes.filter((m) => m <= n)) {
        const c = await service.consistency({ first, second: n });
        expect(bytes(c.secondRootHash)).toEqual(bytes(rootHash));
        expect(await verifyConsistency(treeHasher, first, n, bytes(c.firstRootHash), bytes(c.secondRootHash), c.proof.map(bytes))).toBe(true);
      }
    }
    expect((await service.root({})).treeSize).toBeGreaterThanOrEqual(size);
    await expect(service.root({ size: (await repository.treeSize()) + 1000 })).rejects.toMatchObject({ code: 'log.size_beyond_tree' });
    await expect(service.inclusion({ index: size, size })).rejects.toMatchObject({ code: 'log.index_out_of_range' });
  });

  it('signs a checkpoint once per size, with the log key over the root of that size, and serves the stored one after', async () => {
    const { body, jws, note } = await service.checkpoint();
    const { origin, size, root } = parseCheckpoint(body);
    expect(origin).toBe(ctx.config.logOrigin);
    expect(root).toBe((await service.root({ size })).rootHash);
    const [publicJwk] = service.jwks().keys as [Record<string, string>];
    const verified = await compactVerify(jws, await importJWK(publicJwk, 'EdDSA'));
    expect(new TextDecoder().decode(verified.payload)).toBe(body);
    expect(verified.protectedHeader).toMatchObject({ alg: 'EdDSA', kid: publicJwk.kid });

    const stored = await repository.findCheckpoint(size);
    expect(stored).toEqual({ size, rootHash: Buffer.from(root, 'base64'), body, jws, note });
    // Another signature for a size already signed is not stored: the first one stays, and is what is served.
    expect(await repository.saveCheckpoint({ ...stored!, jws: `${jws}-other` })).toEqual(stored);
    expect(await repository.findCheckpoint(size)).toEqual(stored);
    const [{ count }] = (await ctx.db.query('SELECT count(*)::int AS count FROM log_checkpoints WHERE size = $1', [size])) as [{ count: number }];
    expect(count).toBe(1);

    // A write grows the log; the publisher signs the new size, and asking again serves that size's stored checkpoint.
    await registerOrganisation(ctx, 'int-tl-grow', 'vendor');
    await ctx.get(CheckpointPublisher).publish();
    const again = await service.checkpoint();
    const later = parseCheckpoint(again.body).size;
    expect(later).toBeGreaterThan(size);
    expect(await repository.findCheckpoint(later)).toMatchObject({ body: again.body, jws: again.jws });
    expect(parseCheckpoint((await repository.latestCheckpointBody())!).size).toBeGreaterThanOrEqual(later);
    expect(await repository.findCheckpoint(size)).toEqual(stored);
  });

  it("discloses a record's state with its entry's salt so that the entry's state digest is recomputed from them", async () => {
    const organisation = await latestEntryAbout('organisation', city.organisationId);
    const disclosed = await service.record({ index: organisation.index }, undefined);
    expect(disclosed).toMatchObject({ index: organisation.index, subject: { type: 'organisation', id: city.organisationId }, state: expect.objectContaining({ slug: city.slug }) });
    expect(stateDigest(Buffer.from(disclosed.salt, 'base64url'), disclosed.state)).toBe(organisation.state);
    // Another salt or state does not give the digest.
    expect(stateDigest(Buffer.alloc(16), disclosed.state)).not.toBe(organisation.state);

    const member = await latestEntryAbout('member', city.memberId);
    const toItsAdmin = await service.record({ index: member.index }, city.principal);
    expect(toItsAdmin.subject).toEqual({ type: 'member', id: city.memberId });
    expect(stateDigest(Buffer.from(toItsAdmin.salt, 'base64url'), toItsAdmin.state)).toBe(member.state);
    expect((await service.record({ index: member.index }, await ctx.operator())).salt).toBe(toItsAdmin.salt);
  });

  it("refuses to disclose a record to a viewer who may not read it, and an entry that is not in the log", async () => {
    const member = await latestEntryAbout('member', city.memberId);
    await expect(service.record({ index: member.index }, otherCity.principal)).rejects.toMatchObject({ code: 'log.record_not_disclosed' });
    await expect(service.record({ index: member.index }, undefined)).rejects.toMatchObject({ code: 'log.record_not_disclosed' });
    const apiKey = await latestEntryAbout('api-key', city.principal.keyId);
    await expect(service.record({ index: apiKey.index }, otherCity.principal)).rejects.toMatchObject({ code: 'log.record_not_disclosed' });
    await expect(service.record({ index: (await repository.treeSize()) + 1000 }, city.principal)).rejects.toMatchObject({ code: 'log.index_out_of_range' });
  });

  it("reads each record's latest change before the entry given with it in one read, and none for a record without one", async () => {
    const changes = ctx.get(JournalChangesRepository);
    const updated = await registerOrganisation(ctx, 'int-tl-updated', 'city');
    await ctx.get(OrganisationService).update(await ctx.operator(), updated.slug, { coalitionMember: true });
    const history = (id: string) => changes.history([{ subjectType: 'organisation', subjectIds: [id] }], null, 10);
    const [update, creation] = await history(updated.organisationId);
    const others = await history(otherCity.organisationId);
    expect(others).toHaveLength(1);
    const [otherCreation] = others;
    expect(update!.index).toBeGreaterThan(creation!.index);

    const before = await changes.changeBefore([
      { subjectType: 'organisation', subjectId: updated.organisationId, before: update!.index },
      { subjectType: 'organisation', subjectId: otherCity.organisationId, before: otherCreation!.index },
      { subjectType: 'organisation', subjectId: updated.organisationId, before: creation!.index },
    ]);
    expect(before).toEqual([creation]);
    expect(creation).toMatchObject({ disclosure: 'public', state: expect.objectContaining({ slug: updated.slug }) });
    expect(await changes.changeBefore([])).toEqual([]);
  });
});
