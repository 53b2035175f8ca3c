import { migrationScene } from './support/migration-scene.js';

/** Migration 1796500000000 on a registry that already holds keys, members and journal entries. */
describe('the acting-keys migration on an existing database', () => {
  it("fills in who issued each existing key from its journal entry, keeps an inactive member's keys dead for good, and leaves the entries' bytes as they were", async () => {
    const scene = await migrationScene('ActingKeys1796500000000');
    try {
      const old = await scene.before();
      const [operator] = await old.dataSource.query(
        `INSERT INTO organisations (slug, kind, name, jurisdiction, privacy_contact) VALUES ('operator', 'operator', '{}', 'ZZ', '{}') RETURNING id`,
      );
      const [city] = await old.dataSource.query(`INSERT INTO organisations (slug, kind, name, jurisdiction, privacy_contact) VALUES ('montreal', 'city', '{}', 'CA', '{}') RETURNING id`);
      const member = async (organisation: string, active: boolean) =>
        (await old.dataSource.query('INSERT INTO members (organisation_id, name, email, roles, active) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
          organisation, 'n', `${Math.random()}@x.example`, ['admin'], active,
        ]))[0].id as string;
      const operatorMember = await member(operator.id, true);
      const admin = await member(city.id, true);
      const gone = await member(city.id, false);
      const key = async (organisation: string, holder: string) =>
        (await old.dataSource.query(`INSERT INTO api_keys (organisation_id, member_id, prefix, hash, label) VALUES ($1, $2, $3, '\\x00', 'k') RETURNING id`, [
          organisation, holder, `plz_${Math.random().toString(36).slice(2, 10)}`,
        ]))[0].id as string;
      const operatorKey = await key(operator.id, operatorMember);
      const adminKey = await key(city.id, admin);
      const goneKey = await key(city.id, gone);
      const entry = async (index: number, subject: string, actor: string | null) => {
        const bytes = Buffer.from(JSON.stringify({ v: 1, index, action: 'api-key.issued', actor }));
        await old.dataSource.query(
          `INSERT INTO journal_entries (index, entry, action, subject_type, subject_id, organisation_id, actor_id, salt, recorded_at)
           VALUES ($1, $2, 'api-key.issued', 'api-key', $3, NULL, $4, '\\x00', now())`,
          [index, bytes, subject, actor],
        );
        return bytes;
      };
      const bytes = [await entry(0, operatorKey, null), await entry(1, adminKey, operatorMember), await entry(2, goneKey, admin)];
      await old.close();

      const migrated = await scene.through();
      const keys = await migrated.dataSource.query('SELECT id, issued_by_member_id, issued_by_organisation_id, member_deactivations FROM api_keys');
      const byId = Object.fromEntries(keys.map((k: Record<string, unknown>) => [k.id, k]));
      expect(byId[operatorKey]).toMatchObject({ issued_by_member_id: null, issued_by_organisation_id: null, member_deactivations: 0 });
      expect(byId[adminKey]).toMatchObject({ issued_by_member_id: operatorMember, issued_by_organisation_id: operator.id });
      expect(byId[goneKey]).toMatchObject({ issued_by_member_id: admin, issued_by_organisation_id: city.id });
      const [{ deactivations }] = await migrated.dataSource.query('SELECT deactivations FROM members WHERE id = $1', [gone]);
      expect(deactivations).toBeGreaterThan(byId[goneKey].member_deactivations);
      const stored = await migrated.dataSource.query('SELECT entry, key_id FROM journal_entries ORDER BY index');
      expect(stored.map((r: { entry: Buffer }) => r.entry)).toEqual(bytes);
      expect(stored.every((r: { key_id: string | null }) => r.key_id === null)).toBe(true);
      await migrated.close();
    } finally {
      await scene.dispose();
    }
  });
});
