import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import type { AllowedFields, AgreementVersion, EventType } from './agreement.entity.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';
import { AgreementPrivacy } from './agreement-privacy.js';
import type { CreateAgreementDto, UpdateAgreementDto } from './agreement.dto.js';
import { schemaDefinesPointer } from './schema-pointer.js';
import { type Organisation, ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';
import { STANDARD_DIRECTORY, type StandardDirectory } from '../standards/index.js';

/** The terms of a version as a client writes them (vendors by slug). */
export type TermsInput = Omit<CreateAgreementDto, 'allowedFields' | 'privacyRecords'> & {
  allowedFields: NonNullable<CreateAgreementDto['allowedFields']>;
  privacyRecords: string[];
};

/** The terms as a version stores them (vendors by id). */
export type ResolvedTerms = Pick<
  AgreementVersion,
  'vendorIds' | 'sourceIds' | 'eventTypes' | 'purposes' | 'allowedFields' | 'retention' | 'onwardSharing' | 'dataResidency' | 'validFrom' | 'validUntil' | 'privacyRecordIds' | 'summary'
>;

const eventKey = (e: EventType) => `${e.standard}@${e.major}`;

/** Checks the terms of a version against the registry: its vendors, the city's sources, the standards and their schemas, the privacy records it cites. */
@Injectable()
export class AgreementTerms {
  constructor(
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
    @Inject(STANDARD_DIRECTORY) private readonly standards: StandardDirectory,
    @Inject(AgreementPrivacy) private readonly privacy: AgreementPrivacy,
  ) {}

  /** A version's terms in the client's form, to merge edits into. */
  async inputOf(version: AgreementVersion, manager?: EntityManager): Promise<TermsInput> {
    const slugs = new Map((await this.organisations.findByIds(version.vendorIds, manager)).map((o) => [o.id, o.slug]));
    return {
      vendors: version.vendorIds.map((id) => slugs.get(id)!),
      sources: [...version.sourceIds],
      eventTypes: version.eventTypes.map(({ standard, major }) => ({ standard, major })),
      purposes: version.purposes,
      allowedFields: version.allowedFields.map(({ partyId, standard, major, fields }) => ({ party: slugs.get(partyId) ?? partyId, standard, major, fields })),
      retention: version.retention,
      onwardSharing: version.onwardSharing,
      dataResidency: version.dataResidency,
      validFrom: version.validFrom.toISOString(),
      validUntil: version.validUntil.toISOString(),
      privacyRecords: version.privacyRecordIds,
      summary: version.summary,
    };
  }

  merge(base: TermsInput, changes: UpdateAgreementDto): TermsInput {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    return { ...base, ...defined } as TermsInput;
  }

  async resolve(city: Organisation, input: TermsInput, manager?: EntityManager): Promise<ResolvedTerms> {
    const vendors = await this.vendors(city, input.vendors, manager);
    const sourceIds = await this.citySources(city, input.sources, manager);
    const schemas = await this.eventSchemas(input.eventTypes, manager);
    const allowedFields = this.allowedFields(input.allowedFields, vendors, schemas);
    const validFrom = new Date(input.validFrom);
    const validUntil = new Date(input.validUntil);
    if (validUntil <= validFrom) throw new AgreementError(AgreementErrorCode.InvalidValidity, 'validUntil must be after validFrom.');
    await this.privacy.requireCitable(input.privacyRecords, city.id, new Date(), 'draft', manager);
    return {
      vendorIds: input.vendors.map((slug) => vendors.get(slug)!.id),
      sourceIds,
      eventTypes: input.eventTypes.map(({ standard, major }) => ({ standard, major })),
      purposes: input.purposes.map(text),
      allowedFields,
      retention: input.retention,
      onwardSharing: input.onwardSharing,
      dataResidency: [...input.dataResidency],
      validFrom,
      validUntil,
      privacyRecordIds: [...input.privacyRecords],
      summary: text(input.summary),
    };
  }

  private async vendors(city: Organisation, slugs: string[], manager?: EntityManager): Promise<Map<string, Organisation>> {
    const found = new Map<string, Organisation>();
    const problems: string[] = [];
    for (const slug of slugs) {
      const organisation = await this.organisations.findBySlug(slug, manager);
      if (!organisation || organisation.kind !== 'vendor' || organisation.id === city.id) problems.push(slug);
      else found.set(slug, organisation);
    }
    if (problems.length > 0) {
      throw new AgreementError(AgreementErrorCode.InvalidParty, `The other parties must be registered vendors; ${problems.map((s) => `"${s}"`).join(', ')} ${problems.length > 1 ? 'are' : 'is'} not.`, {
        errors: problems.map((slug) => ({ pointer: `#/vendors/${slugs.indexOf(slug)}`, detail: `"${slug}" is not a registered vendor` })),
      });
    }
    return found;
  }

  private async citySources(city: Organisation, ids: string[], manager?: EntityManager): Promise<string[]> {
    const problems: { pointer: string; detail: string }[] = [];
    const found = new Map((await this.sources.findByIds(ids, manager)).map((s) => [s.id, s]));
    for (const [index, id] of ids.entries()) {
      const source = found.get(id.toLowerCase());
      // Another city's source reads exactly like a missing one.
      if (!source || source.ownerId !== city.id) problems.push({ pointer: `#/sources/${index}`, detail: `${id} is not a data source of this city` });
    }
    if (problems.length > 0) throw new AgreementError(AgreementErrorCode.InvalidSource, problems.map((p) => p.detail).join('; '), { errors: problems });
    return [...ids];
  }

  /** The schema of the latest version of each event type's major (the one every allowed field is checked against). */
  private async eventSchemas(eventTypes: EventType[], manager?: EntityManager): Promise<Map<string, Record<string, unknown>>> {
    const schemas = new Map<string, Record<string, unknown>>();
    const problems: { pointer: string; detail: string }[] = [];
    for (const [index, eventType] of eventTypes.entries()) {
      if (schemas.has(eventKey(eventType))) {
        problems.push({ pointer: `#/eventTypes/${index}`, detail: `${eventKey(eventType)} is listed twice` });
        continue;
      }
      const versions = (await this.standards.versionsOfMajor(eventType.standard, eventType.major, manager)).filter((v) => v.status !== 'retired');
      const latest = versions[versions.length - 1];
      if (!latest) problems.push({ pointer: `#/eventTypes/${index}`, detail: `no published version of ${eventType.standard} ${eventType.major}.x` });
      else schemas.set(eventKey(eventType), latest.schema);
    }
    if (problems.length > 0) throw new AgreementError(AgreementErrorCode.UnknownEventType, problems.map((p) => p.detail).join('; '), { errors: problems });
    return schemas;
  }

  private allowedFields(input: TermsInput['allowedFields'], vendors: Map<string, Organisation>, schemas: Map<string, Record<string, unknown>>): AllowedFields[] {
    const shape: { pointer: string; detail: string }[] = [];
    const unknown: { pointer: string; detail: string }[] = [];
    const seen = new Set<string>();
    for (const [index, entry] of input.entries()) {
      const at = `#/allowedFields/${index}`;
      const schema = schemas.get(eventKey(entry));
      const key = `${entry.party} ${eventKey(entry)}`;
      if (!vendors.has(entry.party)) shape.push({ pointer: `${at}/party`, detail: `"${entry.party}" is not a vendor party of this agreement` });
      if (!schema) shape.push({ pointer: `${at}/standard`, detail: `${eventKey(entry)} is not one of the agreement's event types` });
      if (seen.has(key)) shape.push({ pointer: at, detail: `the fields of ${entry.party} for ${eventKey(entry)} are given twice` });
      seen.add(key);
      if (!schema) continue;
      for (const [i, field] of entry.fields.entries()) {
        if (!schemaDefinesPointer(schema, field)) unknown.push({ pointer: `${at}/fields/${i}`, detail: `${field} is not defined by ${eventKey(entry)}` });
      }
    }
    if (shape.length > 0) throw new AgreementError(AgreementErrorCode.InvalidAllowedFields, shape.map((p) => p.detail).join('; '), { errors: shape });
    if (unknown.length > 0) throw new AgreementError(AgreementErrorCode.FieldNotInStandard, unknown.map((p) => p.detail).join('; '), { errors: unknown });
    return input.map(({ party, standard, major, fields }) => ({ partyId: vendors.get(party)!.id, standard, major, fields: [...fields] }));
  }
}

function text(value: LocalizedText): LocalizedText {
  return { en: value.en, fr: value.fr };
}
