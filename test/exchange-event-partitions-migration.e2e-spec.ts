import { randomBytes, randomUUID } from 'node:crypto';
import { migrationScene } from './support/migration-scene.js';

/** Migration 1796700000000 on a registry that already holds accepted events. */
describe('the exchange event partitions migration on an existing database', () => {
  it('moves every event into the partition of its month with its bytes, digests, sequence and transaction, its identity into the identities table, and goes on numbering after the last sequence handed out', async () => {
    const scene = await migrationScene('ExchangeEventPartitions1796700000000');
    try {
      const old = await scene.before();
      const [source, organisation, apiKey, version] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const insert = (id: string, receivedAt: string, received: Buffer, ext: Buffer | null) =>
        old.dataSource.query(
          `INSERT INTO exchange_events (source_id, ce_source, ce_id, ce_type, time_text, event_time, received_at, mode, scheme, keyid, organisation_id, api_key_id,
                                        standard_version_id, core_digest, ext_digest, dssematerial, received, headers)
           VALUES ($1, 'urn:plaza:montreal:air:1', $2, 'org.plaza.air-quality-observation', '2025-11-20T10:00:00Z', '2025-11-20T10:00:00Z', $3, 'binary', '2', 'kid',
                   $4, $5, $6, $7, $8, 'material', $9, '[["ce-id","x"]]')
           ON CONFLICT (ce_source, ce_id) DO NOTHING`,
          [source, id, receivedAt, organisation, apiKey, version, randomBytes(32), ext, received],
        );
      await insert('november', '2025-11-20T10:00:00Z', randomBytes(400), randomBytes(32));
      await insert('january', '2026-01-31T23:59:59.999Z', Buffer.from('{"specversion":"1.0"}'), null);
      await insert('now', new Date().toISOString(), randomBytes(350), null);
      // A retry of a stored pair takes a number from the sequence and stores nothing: that number is never handed out again.
      await insert('now', new Date().toISOString(), randomBytes(10), null);
      const before = (await old.dataSource.query(
        `SELECT sequence::text AS sequence, xid::text AS xid, ce_id, received_at, core_digest, ext_digest, received, headers FROM exchange_events ORDER BY sequence`,
      )) as { sequence: string; xid: string; ce_id: string; received_at: Date; core_digest: Buffer; ext_digest: Buffer | null; received: Buffer }[];
      expect(before.map((e) => e.sequence)).toEqual(['1', '2', '3']);
      await old.close();

      const migrated = await scene.through();
      const after = await migrated.dataSource.query(
        `SELECT sequence::text AS sequence, xid::text AS xid, ce_id, received_at, core_digest, ext_digest, received, headers FROM exchange_events ORDER BY sequence`,
      );
      expect(after).toEqual(before);
      const month = (at: Date) => `exchange_events_y${at.getUTCFullYear()}m${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
      const placed = (await migrated.dataSource.query('SELECT ce_id, tableoid::regclass::text AS partition FROM exchange_events ORDER BY sequence')) as { ce_id: string; partition: string }[];
      expect(placed).toEqual([
        { ce_id: 'november', partition: 'exchange_events_y2025m11' },
        { ce_id: 'january', partition: 'exchange_events_y2026m01' },
        { ce_id: 'now', partition: month(new Date()) },
      ]);
      const partitions = ((await migrated.dataSource.query(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'exchange_events'::regclass ORDER BY 1`,
      )) as { name: string }[]).map((p) => p.name);
      const now = new Date();
      const ahead = [month(now), month(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)))];
      expect(partitions).toEqual(expect.arrayContaining(['exchange_events_default', 'exchange_events_y2025m11', 'exchange_events_y2026m01', ...ahead]));
      // No partition for a month without events (December 2025), unless it is this month or the next.
      expect(partitions.includes('exchange_events_y2025m12')).toBe(ahead.includes('exchange_events_y2025m12'));

      const identities = await migrated.dataSource.query(
        'SELECT sequence::text AS sequence, ce_id, received_at, core_digest, ext_digest FROM exchange_event_identities ORDER BY sequence',
      );
      expect(identities).toEqual(before.map(({ sequence, ce_id, received_at, core_digest, ext_digest }) => ({ sequence, ce_id, received_at, core_digest, ext_digest })));
      const [{ next }] = (await migrated.dataSource.query(`SELECT nextval('exchange_events_sequence')::text AS next`)) as { next: string }[];
      expect(next).toBe('5');
      await expect(
        migrated.dataSource.query(
          `INSERT INTO exchange_event_identities (ce_source, ce_id, sequence, core_digest, received_at) VALUES ('urn:plaza:montreal:air:1', 'january', 9, $1, now())`,
          [randomBytes(32)],
        ),
      ).rejects.toThrow();
      await migrated.close();
    } finally {
      await scene.dispose();
    }
  });
});
