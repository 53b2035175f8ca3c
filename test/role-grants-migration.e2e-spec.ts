import { migrationScene } from './support/migration-scene.js';

/** Migration 1796600000000 on a registry whose members already hold roles. */
describe('the role-grants migration on an existing database', () => {
  it("dates each role held from the member's latest journal entry and credits its actor (nobody when the registry or the member itself made it)", async () => {
    const scene = await migrationScene('RoleGrants1796600000000');
    try {
      const old = await scene.before();
      const [city] = await old.dataSource.query(`INSERT INTO organisations (slug, kind, name, jurisdiction, privacy_contact) VALUES ('montreal', 'city', '{}', 'CA', '{}') RETURNING id`);
      const member = async (roles: string[], journalIndex: number) =>
        (await old.dataSource.query('INSERT INTO members (organisation_id, name, email, roles, journal_index) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
          city.id, 'n', `${Math.random()}@x.example`, roles, journalIndex,
        ]))[0].id as string;
      const entry = (index: number, subject: string, actor: string | null, recordedAt: string) =>
        old.dataSource.query(
          `INSERT INTO journal_entries (index, entry, action, subject_type, subject_id, organisation_id, actor_id, salt, recorded_at)
           VALUES ($1, '\\x00', 'member.updated', 'member', $2, $3, $4, '\\x00', $5)`,
          [index, subject, city.id, actor, recordedAt],
        );
      const admin = await member(['admin'], 0);
      const approver = await member(['privacy-approver', 'member'], 1);
      const renamedThemselves = await member(['privacy-approver'], 2);
      await entry(0, admin, null, '2026-01-01T00:00:00Z');
      await entry(1, approver, admin, '2026-02-01T00:00:00Z');
      await entry(2, renamedThemselves, renamedThemselves, '2026-03-01T00:00:00Z');
      await old.close();

      const migrated = await scene.through();
      const grants = (await migrated.dataSource.query(
        `SELECT member_id AS member, role, granted_at AS "at", granted_by_member_id AS "by", withdrawn_at AS withdrawn FROM member_role_grants ORDER BY granted_at, role`,
      )) as { member: string; role: string; at: Date; by: string | null; withdrawn: Date | null }[];
      expect(grants.map((g) => ({ ...g, at: new Date(g.at).toISOString() }))).toEqual([
        { member: admin, role: 'admin', at: '2026-01-01T00:00:00.000Z', by: null, withdrawn: null },
        { member: approver, role: 'member', at: '2026-02-01T00:00:00.000Z', by: admin, withdrawn: null },
        { member: approver, role: 'privacy-approver', at: '2026-02-01T00:00:00.000Z', by: admin, withdrawn: null },
        { member: renamedThemselves, role: 'privacy-approver', at: '2026-03-01T00:00:00.000Z', by: null, withdrawn: null },
      ]);
      // Nobody grants a role to themselves, down to the table.
      await expect(
        migrated.dataSource.query(`INSERT INTO member_role_grants (organisation_id, member_id, role, granted_at, granted_by_member_id) VALUES ($1, $2, 'admin', now(), $2)`, [city.id, approver]),
      ).rejects.toThrow();
      await migrated.close();
    } finally {
      await scene.dispose();
    }
  });
});
