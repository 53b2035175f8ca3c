import type { EntityManager } from 'typeorm';
import type { AgreementLifecycle } from '../../agreements/index.js';
import type { PrivacyGate } from '../../privacy-records/index.js';
import type { ExchangeAgreement, ExchangeAgreementVersion, ExchangeSource } from '../registry-read-model.js';
import { AgreementCheck } from './agreement-check.js';
import type { StandardFinding } from './standard-check.js';
import type { SignedEvent } from './stateless-checks.js';

const CITY = 'city-1';
const VENDOR = 'vendor-1';
const source: ExchangeSource = { id: 'source-1', ceSource: 'urn:plaza:source-1', ownerId: CITY, operatorId: VENDOR, status: 'active', personalInformation: false, standards: [] };
const standard = { id: 'air', ceType: 'org.plaza.air' };
const finding = { standard, version: { id: 'air-1', standardId: 'air', major: 1, schemaUri: 'https://example.org/air/1', status: 'published' }, data: { value: {} } } as StandardFinding;
const event = { source: source.ceSource, type: standard.ceType, time: new Date('2026-06-01T00:00:00Z'), timeText: '2026-06-01T00:00:00Z' } as SignedEvent;

const versionOf = (agreementId: string): ExchangeAgreementVersion => ({
  id: `${agreementId}-v1`, agreementId, number: 1, status: 'active', vendorIds: [VENDOR], sourceIds: [source.id], eventTypes: [{ standard: 'air', major: 1 }],
  allowedFields: [], validFrom: new Date('2026-01-01T00:00:00Z'), validUntil: new Date('2027-01-01T00:00:00Z'), privacyRecordIds: [],
  signaturesCompletedAt: new Date('2025-12-01T00:00:00Z'), history: [],
} as ExchangeAgreementVersion);

describe("the exchange's agreement check", () => {
  it('asks whether each covering agreement is in force one after another, since the answers may query the one connection of the group', async () => {
    const agreements: ExchangeAgreement[] = [{ id: 'agreement-a', cityId: CITY }, { id: 'agreement-b', cityId: CITY }, { id: 'agreement-c', cityId: CITY }];
    const versions = agreements.map((a) => versionOf(a.id));
    let running = 0;
    let mostAtOnce = 0;
    const lifecycle = {
      // Like a query on the transaction's connection: it takes a few turns of the event loop.
      inForceAmong: async (_agreement: unknown, among: readonly ExchangeAgreementVersion[]) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return among[0] ?? null;
      },
    } as unknown as AgreementLifecycle;
    const check = new AgreementCheck({ agreements, versions }, new Date('2026-06-01T00:00:01Z'), lifecycle, {} as PrivacyGate, {} as EntityManager);

    const inForce = await check.judge(event, source, finding, VENDOR);

    expect(Array.isArray(inForce) ? inForce.map((v) => v.agreementId) : inForce).toEqual(['agreement-a', 'agreement-b', 'agreement-c']);
    expect(mostAtOnce).toBe(1);
  });
});
