import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PrivacyRecordStatus } from './privacy-record.entity.js';
import { effectiveStatus, PUBLIC_STATUSES } from './privacy-record-status.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';
import type { PrivacyCoverage } from '../sources/index.js';

/** What a privacy record id names for a city: one of its own records by status, another city's public record, or nothing it may read. */
export type RecordCitation = PrivacyRecordStatus | 'foreign' | 'unknown';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The rule that holds everywhere: personal information needs an approved privacy impact record that
 * has not expired at the instant in question. Sources (activation), agreements (activation) and the
 * exchange ask here, and each evaluates the dates itself rather than trusting the scheduler to have run.
 *
 * "In force at `at`" means: approved at or before `at`, and `at` before the record's expiry (the end of
 * its review date, UTC). A record the scheduler has since marked expired still counts for instants
 * before its expiry, so a question about the past gets the answer that held then.
 */
@Injectable()
export class PrivacyGate implements PrivacyCoverage {
  constructor(@Inject(PrivacyRecordRepository) private readonly records: PrivacyRecordRepository) {}

  /** Whether an approved record, unexpired at `at`, covers this source. */
  sourceCovered(sourceId: string, at: Date, manager: EntityManager): Promise<boolean> {
    return this.records.sourceCovered(sourceId, at, manager);
  }

  /**
   * Whether every one of these records belongs to the city and is in force at `at` (approved, unexpired).
   * An unknown id, another city's record, a draft, a rejected or an expired record makes it false; an
   * empty list is vacuously true (the caller decides whether it needs any).
   */
  async recordsUsable(recordIds: string[], cityId: string, at: Date, manager: EntityManager): Promise<boolean> {
    const ids = [...new Set(recordIds.map((id) => id.toLowerCase()))];
    if (ids.length === 0) return true;
    if (!ids.every((id) => UUID.test(id))) return false;
    return (await this.records.countInForce(ids, cityId, at, manager)) === ids.length;
  }

  /**
   * What each id names for the city at `at`: one of its own records, by its status then (an approved record past its
   * review date is expired); another city's public record (`foreign`); or nothing the city may read (`unknown`: another
   * city's draft, submitted or rejected record reads exactly like one that does not exist).
   */
  async citations(recordIds: string[], cityId: string, at: Date, manager?: EntityManager): Promise<Map<string, RecordCitation>> {
    const found = new Map((await this.records.findByIds(recordIds.filter((id) => UUID.test(id.toLowerCase())), manager)).map((r) => [r.id, r]));
    return new Map(
      recordIds.map((id) => {
        const record = found.get(id.toLowerCase());
        if (!record) return [id, 'unknown'];
        if (record.organisationId !== cityId) return [id, PUBLIC_STATUSES.includes(record.status) ? 'foreign' : 'unknown'];
        return [id, effectiveStatus(record, at)];
      }),
    );
  }
}
