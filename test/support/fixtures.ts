import type { TestApp } from './test-app.js';
import type { Role } from '../../apps/registry/src/members/member.entity.js';

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export interface TestOrganisation {
  id: string;
  slug: string;
  kind: 'city' | 'vendor';
  adminKey: string;
  adminId: string;
}

export function organisationBody(slug: string, kind: 'city' | 'vendor', extra: Record<string, unknown> = {}) {
  return {
    slug,
    kind,
    name: { en: `Test ${kind} ${slug}`, fr: `${kind === 'city' ? 'Ville' : 'Fournisseur'} test ${slug}` },
    jurisdiction: 'CA-QC',
    privacyContact: { name: { en: 'Privacy office', fr: 'Bureau de la vie privée' }, email: `privacy@${slug}.example` },
    ...extra,
  };
}

/** Registers an organisation through the operator, with one admin member and their API key. */
export async function createOrganisation(t: TestApp, slug: string, kind: 'city' | 'vendor'): Promise<TestOrganisation> {
  const org = await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, kind)).expect(201);
  const admin = await addMember(t, slug, t.operatorKey, ['admin']);
  return { id: org.body.id, slug, kind, adminKey: admin.key, adminId: admin.id };
}

/** Adds a member with these roles and issues them a key, acting with `actingKey`. */
export async function addMember(t: TestApp, slug: string, actingKey: string, roles: Role[]): Promise<{ id: string; key: string }> {
  const email = `${roles.join('-')}-${Math.random().toString(36).slice(2)}@${slug}.example`;
  const member = await t.http.post(`/api/v1/organisations/${slug}/members`).set(bearer(actingKey)).send({ name: `Member ${roles.join(' ')}`, email, roles }).expect(201);
  const key = await t.http.post(`/api/v1/organisations/${slug}/api-keys`).set(bearer(actingKey)).send({ memberId: member.body.id, label: 'test' }).expect(201);
  return { id: member.body.id, key: key.body.key };
}

export function sourceBody(ceSource: string, extra: Record<string, unknown> = {}) {
  return {
    kind: 'sensor',
    name: { en: 'Air station', fr: 'Station de qualité de l’air' },
    description: { en: 'Measures fine particles', fr: 'Mesure les particules fines' },
    purpose: { en: 'Public health reporting', fr: 'Rapports de santé publique' },
    measures: [{ en: 'PM2.5', fr: 'PM2,5' }],
    personalInformation: false,
    legalAuthority: { en: 'Municipal bylaw 21-042', fr: 'Règlement municipal 21-042' },
    location: { type: 'Point', coordinates: [-73.5673, 45.5017] },
    technology: 'air-quality-sensor',
    standards: [{ standard: 'air-quality-observation', major: 1 }],
    ceSource,
    ...extra,
  };
}
