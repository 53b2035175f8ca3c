import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyService, generateApiKey, hashApiKey } from '../../apps/registry/src/api-keys/index.js';
import { MEMBER_DIRECTORY, MemberService } from '../../apps/registry/src/members/index.js';
import { OPERATOR_KEY_FILE, OperatorBootstrap } from '../../apps/registry/src/operator/operator-bootstrap.js';
import { ORGANISATION_DIRECTORY, OrganisationService } from '../../apps/registry/src/organisations/index.js';
import { OrganisationRepository } from '../../apps/registry/src/organisations/organisation.repository.js';
import { MemberRepository } from '../../apps/registry/src/members/member.repository.js';
import type { AppConfig } from '../../apps/registry/src/platform/config/config.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

describe('operator: the start-up bootstrap on the database', () => {
  let ctx: RegistryContext;
  const folders: string[] = [];

  /** The bootstrap as the registry builds it, with another configuration (another key, or none, and a data folder of its own). */
  const bootstrapWith = (config: Partial<AppConfig>) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'plaza-int-operator-'));
    folders.push(dataDir);
    const bootstrap = new OperatorBootstrap(
      { ...ctx.config, dataDir, ...config },
      ctx.get(ORGANISATION_DIRECTORY),
      ctx.get(OrganisationService),
      ctx.get(MemberService),
      ctx.get(MEMBER_DIRECTORY),
      ctx.get(ApiKeyService),
    );
    return { bootstrap, keyFile: join(dataDir, OPERATOR_KEY_FILE) };
  };
  const keysWithHash = async (hash: Buffer) => ((await ctx.db.query('SELECT count(*)::int AS n FROM api_keys WHERE hash = $1', [hash])) as [{ n: number }])[0].n;

  beforeAll(async () => {
    ctx = await startRegistryContext();
  });
  afterAll(async () => {
    await ctx.close();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('makes the operator at start: its organisation, its first member an admin, holding the supplied key', async () => {
    const operator = await ctx.operator();
    expect(operator).toMatchObject({ organisationSlug: 'operator', organisationKind: 'operator', roles: ['admin'], keyIssuedBy: null, viaOperator: true });
    const organisation = await ctx.get(OrganisationRepository).findBySlug('operator');
    expect(organisation).toMatchObject({ id: operator.organisationId, kind: 'operator', coalitionMember: false });
    expect((await ctx.get(MemberRepository).firstOf(operator.organisationId))?.id).toBe(operator.memberId);
  });

  it('changes nothing when started again: the same organisation and member, and the supplied key stored once', async () => {
    const before = await ctx.operator();
    await ctx.get(OperatorBootstrap).onApplicationBootstrap();
    const after = await ctx.operator();
    expect([after.organisationId, after.memberId]).toEqual([before.organisationId, before.memberId]);
    expect(await keysWithHash(hashApiKey(ctx.config.operatorKey!))).toBe(1);
  });

  it('stores another supplied key for the same member, once, and writes no key file', async () => {
    const supplied = generateApiKey().key;
    const { bootstrap, keyFile } = bootstrapWith({ operatorKey: supplied });
    await bootstrap.onApplicationBootstrap();
    await bootstrap.onApplicationBootstrap();
    expect(await keysWithHash(hashApiKey(supplied))).toBe(1);
    expect((await ctx.principalOf(supplied)).memberId).toBe((await ctx.operator()).memberId);
    expect(existsSync(keyFile)).toBe(false);
  });

  it('makes no key of its own, nor a key file, while the operator holds a working key and none is supplied', async () => {
    const made = async () => ((await ctx.db.query("SELECT count(*)::int AS n FROM api_keys WHERE label = 'operator key (first start)'")) as [{ n: number }])[0].n;
    const before = await made();
    const { bootstrap, keyFile } = bootstrapWith({ operatorKey: undefined });
    await bootstrap.onApplicationBootstrap();
    expect(await made()).toBe(before);
    expect(existsSync(keyFile)).toBe(false);
  });

  // Last, and on the embedded database only: it revokes the operator's keys, which on a shared server other suites use.
  (process.env.DATABASE_URL ? it.skip : it)('makes a key when the operator holds none, and writes it to a file only its owner can read', async () => {
    const operator = await ctx.operator();
    const live = (await ctx.db.query('SELECT id FROM api_keys WHERE member_id = $1 AND revoked_at IS NULL', [operator.memberId])) as { id: string }[];
    for (const { id } of live) await ctx.get(ApiKeyService).revoke(operator, 'operator', id);
    const { bootstrap, keyFile } = bootstrapWith({ operatorKey: undefined });
    await bootstrap.onApplicationBootstrap();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const made = readFileSync(keyFile, 'utf8').trim();
    expect(await ctx.principalOf(made)).toMatchObject({ memberId: operator.memberId, organisationKind: 'operator', keyIssuedBy: null });
  });
});
