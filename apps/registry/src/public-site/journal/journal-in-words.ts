import { Inject, Injectable } from '@nestjs/common';
import { PlazaError } from '../../kernel/errors/plaza-error.js';
import type { LocalizedText } from '../../kernel/text/localized-text.js';
import { AgreementErrorCode, AgreementService, type AgreementResponse } from '../../agreements/index.js';
import { ORGANISATION_DIRECTORY, type Organisation, type OrganisationDirectory } from '../../organisations/index.js';
import { PrivacyRecordErrorCode, PrivacyRecordService, PUBLIC_STATUSES, type PrivacyRecordResponse } from '../../privacy-records/index.js';
import { ProposalErrorCode, ProposalService } from '../../proposals/index.js';
import { SOURCE_DIRECTORY, type Source, type SourceDirectory } from '../../sources/index.js';
import { STANDARD_DIRECTORY, type StandardDirectory } from '../../standards/index.js';
import type { JournalChange } from '../../transparency/index.js';
import type { Locale } from '../i18n.js';
import { JOURNAL_WORDS, type Told } from './journal-words.js';

/** A journal entry in plain words, for residents: what changed, and where to read it. */
export interface EntryInWords {
  index: number;
  time: Date;
  action: string;
  /** The kind of record, as the journal names it (`source`, `member`, ...). */
  kind: string;
  /** One sentence: the record by name when it and the state this entry recorded are public, else only its kind and whose it is. */
  title: string;
  /** Whether the title names the record (the record and this state are public). */
  named: boolean;
  /** The record's public page, a path of the register in the reader's language; null when there is none to show. */
  page: string | null;
  /** The log page showing this entry and its proof. */
  log: string;
  /** The organisation the change belongs to (organisations are public), or null for the registry's own records. */
  organisation: Pick<Organisation, 'id' | 'slug' | 'name' | 'kind'> | null;
  /**
   * Who made the change, in words: the organisation, "the operator, for" the organisation when the operator's key made
   * it, or the registry itself; null when the entry does not say (before format 2), or when naming the acting
   * organisation would tell more than the entry may (another organisation's part in a private change).
   */
  by: string | null;
}

/** What the public reads say of the records a batch of entries is about: each looked up once, whatever the entries. */
interface Records {
  organisations: Map<string, Organisation>;
  sources: Map<string, Source>;
  standards: Map<string, { title: LocalizedText } | null>;
  proposals: Map<number, { title: LocalizedText } | null>;
  privacyRecords: Map<string, PrivacyRecordResponse | null>;
  agreements: Map<string, AgreementResponse | null>;
}

/** Journal entries with what the public reads say of their records: all the words need, in any language. */
export interface EntriesRead {
  readonly changes: readonly JournalChange[];
  readonly records: Records;
}

/**
 * The journal in plain words, in English or French: the one place that decides what an entry may say of its record.
 * It reads every record through the public reads of its feature, as a resident with no key would, so a record that is
 * not public cannot be named. Since only a record's current state is kept, an entry names its record only when the
 * state that entry recorded was public too: any entry of a source, an organisation, a standard or a proposal (public
 * from the first draft); an approved or expired privacy impact assessment's own approval and expiry, never its drafts;
 * an agreement version's entries from the one that brought it into force, never its drafting or signing. Everything
 * else (members, API keys, subscriptions, drafts) says only what kind of thing changed and whose.
 */
@Injectable()
export class JournalInWords {
  constructor(
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
    @Inject(STANDARD_DIRECTORY) private readonly standards: StandardDirectory,
    @Inject(ProposalService) private readonly proposals: ProposalService,
    @Inject(PrivacyRecordService) private readonly privacyRecords: PrivacyRecordService,
    @Inject(AgreementService) private readonly agreements: AgreementService,
  ) {}

  async describe(changes: readonly JournalChange[], locale: Locale): Promise<EntryInWords[]> {
    return this.word(await this.read(changes), locale);
  }

  /** What the entries' words need from the records, read once whatever the language (a page in both shares it). */
  async read(changes: readonly JournalChange[]): Promise<EntriesRead> {
    return { changes, records: await this.records(changes) };
  }

  word({ changes, records }: EntriesRead, locale: Locale): EntryInWords[] {
    return changes.map((change) => this.inWords(change, records, locale));
  }

  private inWords(change: JournalChange, records: Records, locale: Locale): EntryInWords {
    const owner = change.organisationId === null ? null : (records.organisations.get(change.organisationId) ?? null);
    const told = this.told(change, records, locale, owner);
    const words = JOURNAL_WORDS[locale.lang];
    return {
      index: change.index, time: change.recordedAt, action: change.action, kind: change.subjectType,
      title: told ? words.publicChange(told.told) : words.privateChange(change.subjectType, owner && locale.text(owner.name)),
      named: told !== null, page: told?.page ?? null, log: locale.href('/log', { index: change.index }),
      organisation: owner && { id: owner.id, slug: owner.slug, name: owner.name, kind: owner.kind },
      by: this.by(change, records, locale, owner, told !== null),
    };
  }

  private by(change: JournalChange, records: Records, locale: Locale, owner: Organisation | null, named: boolean): string | null {
    const { acting } = change;
    const words = JOURNAL_WORDS[locale.lang];
    if (acting === null) return null;
    if (acting === 'registry') return words.by({ who: 'registry' });
    if (acting.operator) return words.by({ who: 'operator', for: owner && owner.kind !== 'operator' ? locale.text(owner.name) : null });
    const actor = acting.organisationId === null ? undefined : records.organisations.get(acting.organisationId);
    // Another organisation's part in a private change (a vendor signing a draft agreement) is the change's own secret.
    if (!actor || (actor.id !== owner?.id && !named)) return null;
    return words.by({ who: 'organisation', name: locale.text(actor.name) });
  }

  /** What the entry may say of its record and where its page is, or null when the record or this state of it is not public. */
  private told(change: JournalChange, records: Records, locale: Locale, owner: Organisation | null): { told: Told; page: string | null } | null {
    const { action, subjectId: id } = change;
    const ownerName = owner ? locale.text(owner.name) : '';
    switch (change.subjectType) {
      case 'organisation': {
        const organisation = records.organisations.get(id);
        if (!organisation) return null;
        return { told: { kind: 'organisation', action, name: locale.text(organisation.name) }, page: organisation.kind === 'city' ? locale.href('/sources', { city: organisation.slug }) : null };
      }
      case 'source': {
        const source = records.sources.get(id);
        if (!source || !owner) return null;
        return { told: { kind: 'source', action, owner: ownerName, name: locale.text(source.name) }, page: locale.href(`/sources/${source.id}`) };
      }
      case 'signing-key':
        return owner && { told: { kind: 'signing-key', action, owner: ownerName, kid: id }, page: null };
      case 'standard': {
        const standard = records.standards.get(id);
        return standard ? { told: { kind: 'standard', action, title: locale.text(standard.title) }, page: locale.href(`/standards/${encodeURIComponent(id)}`) } : null;
      }
      case 'standard-version':
        return { told: { kind: 'standard-version', action }, page: locale.href('/standards') };
      case 'proposal': {
        const proposal = records.proposals.get(Number(id));
        return proposal ? { told: { kind: 'proposal', action, number: Number(id), title: locale.text(proposal.title) }, page: locale.href(`/proposals/${id}`) } : null;
      }
      case 'proposal-review':
      case 'proposal-vote':
        return owner && { told: { kind: change.subjectType, action, owner: ownerName }, page: locale.href('/proposals') };
      case 'privacy-record': {
        const record = records.privacyRecords.get(id);
        if (!record || !owner || !PUBLIC_STATUSES.some((status) => action === `privacy-record.${status}`)) return null;
        return { told: { kind: 'privacy-record', action, owner: ownerName, title: locale.text(record.title) }, page: locale.href(`/privacy-records/${record.id}`) };
      }
      case 'agreement-version': {
        const [agreementId, number] = id.split('/');
        const version = records.agreements.get(agreementId!)?.versions.find((v) => v.number === Number(number));
        // The version reads publicly once it has come into force; what it went through before that stays its parties'.
        const inForceFrom = version?.journal.find((entry) => entry.action === 'agreement.activated')?.index;
        if (!version || inForceFrom === undefined || change.index < inForceFrom) return null;
        const told: Told = { kind: 'agreement-version', action, version: version.number, city: locale.text(version.city.name), vendors: version.vendors.map((v) => locale.text(v.name)) };
        return { told, page: locale.href(`/agreements/${agreementId}`) };
      }
      case 'state-withholding':
        return { told: { kind: 'state-withholding', action, entry: Number(id) }, page: locale.href('/log', { index: id }) };
      default:
        return null;
    }
  }

  private async records(changes: readonly JournalChange[]): Promise<Records> {
    const ids = (kind: string) => [...new Set(changes.filter((c) => c.subjectType === kind).map((c) => c.subjectId))];
    const actingIds = changes.flatMap((c) => (c.acting !== null && c.acting !== 'registry' && c.acting.organisationId !== null ? [c.acting.organisationId] : []));
    const organisationIds = new Set([...changes.flatMap((c) => (c.organisationId === null ? [] : [c.organisationId])), ...actingIds, ...ids('organisation')]);
    const [organisations, sources, standards, proposals, privacyRecords, agreements] = await Promise.all([
      this.organisations.findByIds([...organisationIds]),
      this.sources.findByIds(ids('source')),
      each(ids('standard'), (id) => this.standards.findStandard(id)),
      each(ids('proposal').map(Number), (n) => orNull(this.proposals.get(n), ProposalErrorCode.NotFound)),
      each(ids('privacy-record'), (id) => orNull(this.privacyRecords.get(undefined, id), PrivacyRecordErrorCode.NotFound)),
      each([...new Set(ids('agreement-version').map((subject) => subject.split('/')[0]!))], (id) => orNull(this.agreements.get(id), AgreementErrorCode.NotFound)),
    ]);
    return {
      organisations: new Map(organisations.map((o) => [o.id, o])), sources: new Map(sources.map((s) => [s.id, s])),
      standards, proposals, privacyRecords, agreements,
    };
  }
}

/** Each key's answer, asked once. */
async function each<K, V>(keys: K[], read: (key: K) => Promise<V>): Promise<Map<K, V>> {
  return new Map(await Promise.all(keys.map(async (key) => [key, await read(key)] as const)));
}

/** A record its feature does not show without a key reads as absent. */
async function orNull<T>(read: Promise<T>, notFound: string): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof PlazaError && error.code === notFound) return null;
    throw error;
  }
}
