import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair } from 'jose';
import { AgreementLifecycle } from '../../apps/registry/src/agreements/agreement-lifecycle.js';
import { documentDigest } from '../../apps/registry/src/agreements/agreement-document.js';
import type { AmendAgreementDto, CreateAgreementDto } from '../../apps/registry/src/agreements/agreement.dto.js';
import { AgreementRepository } from '../../apps/registry/src/agreements/agreement.repository.js';
import { AgreementService } from '../../apps/registry/src/agreements/agreement.service.js';
import { AmendAgreement } from '../../apps/registry/src/agreements/amend-agreement.use-case.js';
import { OpenSignatures } from '../../apps/registry/src/agreements/open-signatures.use-case.js';
import { ResumeAgreement } from '../../apps/registry/src/agreements/resume-agreement.use-case.js';
import { SignAgreement } from '../../apps/registry/src/agreements/sign-agreement.use-case.js';
import { SuspendAgreement } from '../../apps/registry/src/agreements/suspend-agreement.use-case.js';
import { TerminateAgreement } from '../../apps/registry/src/agreements/terminate-agreement.use-case.js';
import { stateDigest } from '../../apps/registry/src/platform/journal/journal-entry-format.js';
import { Scheduler } from '../../apps/registry/src/platform/scheduler/scheduler.js';
import { TransparencyService } from '../../apps/registry/src/transparency/transparency.service.js';
import { AGREEMENT_CITATIONS, type AgreementCitations } from '../../apps/registry/src/privacy-records/index.js';
import { SigningKeyService } from '../../apps/registry/src/signing-keys/signing-key.service.js';
import type { CreateSourceDto } from '../../apps/registry/src/sources/source.dto.js';
import { SourceService } from '../../apps/registry/src/sources/source.service.js';
import { airAgreementBody } from '../support/exchange-fixtures.js';
import { signDetached, sourceBody, type SigningKeyPair } from '../support/fixtures.js';
import { type ActingMember, registerOrganisation } from './support/organisations.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

const HOUR = 3_600_000;

describe('agreements: repository, lifecycle and use cases on the database', () => {
  let ctx: RegistryContext;
  let agreements: AgreementRepository;
  let service: AgreementService;
  let lifecycle: AgreementLifecycle;
  let city: ActingMember;
  let vendor: ActingMember;
  let otherCity: ActingMember;
  let cityKey: SigningKeyPair;
  let vendorKey: SigningKeyPair;
  let sourceId: string;

  /** Registers a new Ed25519 key for the organisation, with its proof of possession, and keeps its private half. */
  async function registerKey(org: ActingMember): Promise<SigningKeyPair> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(publicKey);
    const keys = ctx.get(SigningKeyService);
    const { challenge } = await keys.challenge(org.principal, org.slug);
    const proof = await new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg: 'EdDSA' }).sign(privateKey);
    await keys.register(org.principal, org.slug, { jwk: jwk as Record<string, unknown>, proof, label: 'agreements' });
    return { kid: await calculateJwkThumbprint(jwk, 'sha256'), alg: 'EdDSA', privateKey };
  }
  const newSource = async () => (await ctx.get(SourceService).create(city.principal, sourceBody(`urn:plaza:int-agreements:${randomUUID()}`) as unknown as CreateSourceDto)).id;
  const draft = async (options: Parameters<typeof airAgreementBody>[2] & { source?: string; validUntil?: Date } = {}, by = city) => {
    const body = { ...airAgreementBody(vendor.slug, options.source ?? sourceId, options), ...(options.validUntil ? { validUntil: options.validUntil.toISOString() } : {}) };
    return (await service.create(by.principal, body as unknown as CreateAgreementDto)).id;
  };
  const open = (id: string, n = 1) => ctx.get(OpenSignatures).execute(city.principal, id, n);
  const documentOf = (id: string, n: number) => service.document(id, n, city.principal, city.slug);
  const signAs = async (party: ActingMember, key: SigningKeyPair, id: string, n = 1) =>
    ctx.get(SignAgreement).execute(party.principal, id, n, await signDetached(await documentOf(id, n), key));
  /** A draft, opened and signed by both parties: active at once, its start having come. */
  async function activeAgreement(options: Parameters<typeof draft>[0] = {}): Promise<string> {
    const id = await draft(options);
    await open(id);
    await signAs(city, cityKey, id);
    await signAs(vendor, vendorKey, id);
    return id;
  }
  const statuses = async (id: string) => (await agreements.versions(id)).map((v) => [v.number, v.status]);
  const actions = async (id: string, n: number) =>
    ((await ctx.db.query("SELECT action FROM journal_entries WHERE subject_type = 'agreement-version' AND subject_id = $1 ORDER BY index", [`${id}/${n}`])) as { action: string }[]).map((e) => e.action);

  /** How many queries `work` sends to each table (by the table its FROM names first). */
  async function queriesPerTable(work: () => Promise<unknown>): Promise<Record<string, number>> {
    const logger = ctx.db.logger;
    const logQuery = logger.logQuery;
    const sent: string[] = [];
    logger.logQuery = (query, parameters, runner) => {
      sent.push(query);
      return logQuery.call(logger, query, parameters, runner);
    };
    try {
      await work();
    } finally {
      logger.logQuery = logQuery;
    }
    const perTable: Record<string, number> = {};
    for (const query of sent) {
      const table = /\bFROM "(\w+)"/.exec(query)?.[1] ?? query.slice(0, 30);
      perTable[table] = (perTable[table] ?? 0) + 1;
    }
    return perTable;
  }

  beforeAll(async () => {
    ctx = await startRegistryContext();
    agreements = ctx.get(AgreementRepository);
    service = ctx.get(AgreementService);
    lifecycle = ctx.get(AgreementLifecycle);
    city = await registerOrganisation(ctx, 'int-agr-city', 'city');
    vendor = await registerOrganisation(ctx, 'int-agr-vendor', 'vendor');
    otherCity = await registerOrganisation(ctx, 'int-agr-other', 'city');
    cityKey = await registerKey(city);
    vendorKey = await registerKey(vendor);
    sourceId = await newSource();
  });
  afterAll(() => ctx.close());

  it('drafts version 1 and edits it while it is a draft, each journaled; only its parties read it', async () => {
    const id = await draft();
    expect(await statuses(id)).toEqual([[1, 'draft']]);
    expect((await agreements.findAgreement(id))?.cityId).toBe(city.organisationId);
    const edited = await service.update(city.principal, id, 1, { summary: { en: 'Edited summary', fr: 'Résumé modifié' } });
    expect(edited.versions[0]).toMatchObject({ status: 'draft', summary: { en: 'Edited summary' }, vendors: [{ slug: vendor.slug }], sources: [{ id: sourceId }] });
    expect(await actions(id, 1)).toEqual(['agreement.drafted', 'agreement.draft-edited']);
    const [version] = await agreements.versions(id);
    expect((await AgreementRepository.atJournalIndex(ctx.db.manager, version!.journalIndex!))?.version.id).toBe(version!.id);
    await expect(service.get(id)).rejects.toMatchObject({ code: 'agreement.not_found' });
    expect((await service.forParty(vendor.principal, vendor.slug, id)).versions).toHaveLength(1);
    await expect(service.update(otherCity.principal, id, 1, { retention: 'P2Y' })).rejects.toMatchObject({ code: 'agreement.not_found' });
  });

  it('opens signatures by fixing the canonical document every party signs, once, and not on a window that has ended', async () => {
    const id = await draft();
    await open(id);
    const [version] = await agreements.versions(id);
    expect(version).toMatchObject({ status: 'pending-signatures', signaturesOpenedAt: expect.any(Date) });
    expect(version!.documentDigest).toBe(documentDigest(version!.document!));
    expect(JSON.parse(version!.document!.toString('utf8'))).toMatchObject({ agreement: id, version: 1, amends: null, city: { slug: city.slug }, vendors: [{ slug: vendor.slug }] });
    expect((await documentOf(id, 1)).equals(version!.document!)).toBe(true);
    await expect(open(id)).rejects.toMatchObject({ code: 'agreement.wrong_status' });

    const ended = await draft({ validFrom: new Date(Date.now() - 48 * HOUR), validUntil: new Date(Date.now() - 24 * HOUR) });
    await expect(open(ended)).rejects.toMatchObject({ code: 'agreement.invalid_validity' });
    expect(await statuses(ended)).toEqual([[1, 'draft']]);
  });

  it("takes each party's signature with its own registered key over the document bytes, and activates the version at the last one", async () => {
    const id = await draft();
    await open(id);
    await expect(ctx.get(SignAgreement).execute(city.principal, id, 1, 'e30..c2lnbmF0dXJl')).rejects.toMatchObject({ code: 'agreement.signature_malformed' });
    await expect(ctx.get(SignAgreement).execute(city.principal, id, 1, await signDetached(Buffer.from('other bytes'), cityKey))).rejects.toMatchObject({ code: 'agreement.signature_invalid' });
    await expect(ctx.get(SignAgreement).execute(city.principal, id, 1, await signDetached(await documentOf(id, 1), vendorKey))).rejects.toMatchObject({ code: 'agreement.signing_key_of_another_organisation' });
    await expect(ctx.get(SignAgreement).execute(otherCity.principal, id, 1, await signDetached(await documentOf(id, 1), cityKey))).rejects.toMatchObject({ code: 'agreement.not_found' });

    await signAs(city, cityKey, id);
    await expect(signAs(city, cityKey, id)).rejects.toMatchObject({ code: 'agreement.already_signed' });
    expect(await statuses(id)).toEqual([[1, 'pending-signatures']]);
    await signAs(vendor, vendorKey, id);
    const [version] = await agreements.versions(id);
    expect(version).toMatchObject({ status: 'active', signaturesCompletedAt: expect.any(Date) });
    expect(version!.history.map((h) => h.status)).toEqual(['draft', 'pending-signatures', 'active']);
    expect((await agreements.signatures([version!.id])).map((s) => [s.organisationId, s.kid])).toEqual([[city.organisationId, cityKey.kid], [vendor.organisationId, vendorKey.kid]]);
    expect(await actions(id, 1)).toEqual(['agreement.drafted', 'agreement.signatures-opened', 'agreement.signed', 'agreement.signed', 'agreement.activated']);
    const read = await service.get(id);
    expect(read.inForceVersion).toBe(1);
    expect(read.versions[0]!.signatures.map((s) => [s.organisation, s.verifies])).toEqual([[city.slug, true], [vendor.slug, true]]);
  });

  it('activates a fully signed version at its start, from the dates alone before the Scheduler records it at its tick', async () => {
    const validFrom = new Date(Date.now() + 2 * HOUR);
    const id = await activeAgreement({ validFrom });
    expect(await statuses(id)).toEqual([[1, 'pending-signatures']]);
    expect(await lifecycle.inForceAt(id, new Date(validFrom.getTime() - 1000))).toBeNull();
    expect((await lifecycle.inForceAt(id, new Date(validFrom.getTime() + 1000)))?.number).toBe(1);
    await ctx.get(Scheduler).tick(new Date(validFrom.getTime() + 1000));
    expect(await statuses(id)).toEqual([[1, 'active']]);
    expect((await agreements.versions(id))[0]!.history.at(-1)).toMatchObject({ status: 'active', at: validFrom.toISOString() });
  });

  it("journals the last signature's completion of a version that starts later, so the log still discloses the version as stored", async () => {
    const id = await activeAgreement({ validFrom: new Date(Date.now() + 2 * HOUR) });
    const [version] = await agreements.versions(id);
    expect(version!.signaturesCompletedAt).not.toBeNull();
    expect((await actions(id, 1)).at(-1)).toBe('agreement.signatures-completed');
    const disclosed = await ctx.get(TransparencyService).record({ index: version!.journalIndex! }, city.principal);
    const [entry] = (await ctx.db.query('SELECT entry FROM journal_entries WHERE index = $1', [version!.journalIndex])) as { entry: Buffer }[];
    expect(stateDigest(Buffer.from(disclosed.salt, 'base64url'), disclosed.state)).toBe(JSON.parse(entry!.entry.toString('utf8')).state);
  });

  it('amends with a new draft copied from the version in force, one at a time; the first stays in force until the amendment is signed, then is superseded', async () => {
    const id = await activeAgreement();
    expect(await ctx.get(AmendAgreement).execute(city.principal, id, { retention: 'P6M' } as AmendAgreementDto)).toBe(2);
    await expect(ctx.get(AmendAgreement).execute(city.principal, id, { retention: 'P3M' } as AmendAgreementDto)).rejects.toMatchObject({ code: 'agreement.amendment_in_progress' });
    const [first, second] = await agreements.versions(id);
    expect(second).toMatchObject({ status: 'draft', retention: 'P6M', sourceIds: first!.sourceIds, statusReason: 'Amends version 1.' });
    expect(await actions(id, 2)).toEqual(['agreement.amendment-drafted']);

    await open(id, 2);
    await signAs(city, cityKey, id, 2);
    expect((await lifecycle.inForceAt(id, new Date()))?.number).toBe(1);
    await signAs(vendor, vendorKey, id, 2);
    expect(await statuses(id)).toEqual([[1, 'superseded'], [2, 'active']]);
    expect((await agreements.versions(id))[0]!.statusReason).toBe('Replaced by version 2.');
    expect(JSON.parse((await documentOf(id, 2)).toString('utf8')).amends).toEqual({ version: 1, documentDigest: first!.documentDigest });
  });

  it('suspends the active version and resumes it, each journaled with its reason; resuming what is not suspended is refused', async () => {
    const id = await activeAgreement();
    await expect(ctx.get(ResumeAgreement).execute(city.principal, id, undefined)).rejects.toMatchObject({ code: 'agreement.wrong_status' });
    await expect(ctx.get(SuspendAgreement).execute(otherCity.principal, id, 'Not mine')).rejects.toMatchObject({ code: 'agreement.not_found' });
    await ctx.get(SuspendAgreement).execute(city.principal, id, 'Sensor under repair');
    expect((await agreements.versions(id))[0]).toMatchObject({ status: 'suspended', statusReason: 'Sensor under repair' });
    expect(await lifecycle.inForceAt(id, new Date())).toBeNull();
    await expect(ctx.get(SuspendAgreement).execute(city.principal, id, 'Again')).rejects.toMatchObject({ code: 'agreement.wrong_status' });

    await expect(ctx.get(ResumeAgreement).execute(otherCity.principal, id, undefined)).rejects.toMatchObject({ code: 'agreement.not_found' });
    await ctx.get(ResumeAgreement).execute(city.principal, id, 'Repaired');
    expect((await agreements.versions(id))[0]).toMatchObject({ status: 'active', statusReason: 'Repaired' });
    expect((await lifecycle.inForceAt(id, new Date()))?.number).toBe(1);
    expect((await actions(id, 1)).slice(-2)).toEqual(['agreement.suspended', 'agreement.resumed']);
  });

  it('terminates the version in force and the amendment in preparation together; terminating again is refused', async () => {
    const id = await activeAgreement();
    await ctx.get(AmendAgreement).execute(city.principal, id, { retention: 'P6M' } as AmendAgreementDto);
    await ctx.get(TerminateAgreement).execute(city.principal, id, 'The station is decommissioned.');
    expect(await statuses(id)).toEqual([[1, 'terminated'], [2, 'terminated']]);
    expect((await agreements.versions(id)).map((v) => v.statusReason)).toEqual(['The station is decommissioned.', 'The station is decommissioned.']);
    await expect(ctx.get(TerminateAgreement).execute(city.principal, id, 'Again')).rejects.toMatchObject({ code: 'agreement.wrong_status' });
  });

  it("answers privacy records' citations: the city's own that has not ended, one that has, another city's it may read or not, and none", async () => {
    const ownDraft = await draft();
    const ended = await draft();
    await ctx.get(TerminateAgreement).execute(city.principal, ended, 'Abandoned');
    const inForce = await activeAgreement();
    const madeUp = randomUUID();
    const citations = ctx.get<AgreementCitations>(AGREEMENT_CITATIONS);
    await ctx.db.transaction(async (manager) => {
      expect(await citations.citations([ownDraft, ended, inForce, madeUp], city.organisationId, manager)).toEqual(
        new Map([[ownDraft, 'citable'], [ended, 'ended'], [inForce, 'citable'], [madeUp, 'unknown']]),
      );
      expect(await citations.citations([ownDraft, inForce, ended.toUpperCase()], otherCity.organisationId, manager)).toEqual(
        new Map([[ownDraft, 'unknown'], [inForce, 'foreign'], [ended.toUpperCase(), 'unknown']]),
      );
    });
  });

  it('reads agreements by id each with its versions in order, leaving out ids that name none', async () => {
    const amended = await activeAgreement();
    await ctx.get(AmendAgreement).execute(city.principal, amended, { retention: 'P6M' } as AmendAgreementDto);
    const single = await draft();
    const found = await agreements.withVersions([single, randomUUID(), amended]);
    expect(found.map((f) => [f.agreement.id, f.versions.map((v) => v.number)]).sort()).toEqual([[amended, [1, 2]], [single, [1]]].sort());
    expect(await agreements.withVersions([])).toEqual([]);
  });

  describe('one query per table, however many there are', () => {
    it('lists agreements with their versions and organisations', async () => {
      const owner = await registerOrganisation(ctx, 'int-agr-list', 'city');
      const ownersSource = async () => (await ctx.get(SourceService).create(owner.principal, sourceBody(`urn:plaza:int-agreements:${randomUUID()}`) as unknown as CreateSourceDto)).id;
      const listed = () => service.listForParty(owner.principal, owner.slug, { limit: 100 });
      await draft({ source: await ownersSource() }, owner);
      const one = await queriesPerTable(listed);
      for (let i = 0; i < 4; i += 1) await draft({ source: await ownersSource() }, owner);
      expect((await listed()).items).toHaveLength(5);
      const five = await queriesPerTable(listed);
      expect(five).toEqual(one);
      expect(five.agreement_versions).toBe(1);
    });

    it("reads an agreement with its versions' signatures, keys, sources, organisations and journal", async () => {
      const single = await activeAgreement();
      const amended = await activeAgreement({ source: await newSource() });
      await ctx.get(AmendAgreement).execute(city.principal, amended, { sources: [await newSource(), await newSource()] } as AmendAgreementDto);
      await open(amended, 2);
      await signAs(city, cityKey, amended, 2);
      await signAs(vendor, vendorKey, amended, 2);
      const one = await queriesPerTable(() => service.get(single));
      const two = await queriesPerTable(() => service.get(amended));
      expect((await service.get(amended)).versions.map((v) => [v.number, v.signatures.length, v.sources.length])).toEqual([[1, 2, 1], [2, 2, 2]]);
      expect(two).toEqual(one);
      expect(two.sources).toBe(1);
    });

    it('finds the versions in force that cover a source', async () => {
      const coveredOnce = await newSource();
      const coveredThrice = await newSource();
      await draft({ source: coveredOnce });
      for (let i = 0; i < 3; i += 1) await draft({ source: coveredThrice });
      const inForce = await activeAgreement({ source: coveredThrice });
      const once = await queriesPerTable(() => lifecycle.inForceForSource(coveredOnce, new Date()));
      const thrice = await queriesPerTable(() => lifecycle.inForceForSource(coveredThrice, new Date()));
      expect((await lifecycle.inForceForSource(coveredThrice, new Date())).map((v) => v.agreementId)).toEqual([inForce]);
      expect(thrice).toEqual(once);
    });
  });
});
