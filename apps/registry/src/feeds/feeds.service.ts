import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { ORGANISATION_DIRECTORY, type OrganisationDirectory } from '../organisations/index.js';
import { type EntryInWords, JournalInWords, type Locale } from '../public-site/index.js';
import { SOURCE_DIRECTORY, type SourceDirectory } from '../sources/index.js';
import { JOURNAL_CHANGES, type JournalChangeFilter, type JournalChanges } from '../transparency/index.js';
import { type AtomEntry, type AtomLink, writeAtom } from './atom.js';
import { FeedError, FeedErrorCode } from './feeds-error.js';
import { FEED_PAGE_SIZE, type FeedQuery } from './feeds.dto.js';

export const FEED_PATH = '/feeds/changes.atom';

/** Whose changes a feed follows: what it is called, where its page is, and which entries are its own. */
interface Followed {
  filter: JournalChangeFilter;
  /** The feed's own name inside its id, stable whatever the slugs and names become. */
  key: string;
  title: string;
  page: string;
  params: Record<string, string>;
}

/**
 * The change feeds: the journal newest first, in plain words (JournalInWords decides what an entry may say), as Atom.
 * Pages are keyed on the journal index (`before`), so a reader following rel="next" sees every entry once, however
 * many are appended meanwhile; the newest page is the feed a reader polls.
 */
@Injectable()
export class FeedService {
  private readonly publicUrl: string;
  private readonly author: { name: string; uri: string };
  /** The tag IRIs' date: the day the journal began, read once (its first entry never changes). */
  private began: Promise<Date> | null = null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(JOURNAL_CHANGES) private readonly journal: JournalChanges,
    @Inject(JournalInWords) private readonly words: JournalInWords,
    @Inject(ORGANISATION_DIRECTORY) private readonly organisations: OrganisationDirectory,
    @Inject(SOURCE_DIRECTORY) private readonly sources: SourceDirectory,
  ) {
    this.publicUrl = config.publicUrl;
    this.author = { name: config.operatorName, uri: config.operatorUrl };
  }

  async changes(query: FeedQuery, locale: Locale): Promise<string> {
    const followed = await this.followed(query, locale);
    const limit = query.limit ?? FEED_PAGE_SIZE;
    const rows = await this.journal.latest(followed.filter, query.before ?? null, limit + 1);
    const onPage = rows.slice(0, limit);
    const [entries, began, newest] = await Promise.all([
      this.words.describe(onPage, locale),
      this.journalBegan(),
      // An empty page (before the followed records' first entry) is as up to date as the feed's newest entry.
      onPage.length > 0 ? onPage[0]!.recordedAt : this.journal.latest(followed.filter, null, 1).then(([latest]) => latest?.recordedAt ?? null),
    ]);
    const tag = tagPrefix(this.publicUrl, began);
    const feedUrl = (params: Record<string, string | number | undefined>) => this.url(locale.href(FEED_PATH, { ...followed.params, ...params }));
    const paging = { limit: query.limit };
    const links: AtomLink[] = [
      { rel: 'self', type: 'application/atom+xml', href: feedUrl({ ...paging, before: query.before }) },
      { rel: 'alternate', type: 'text/html', href: this.url(followed.page) },
      { rel: 'first', type: 'application/atom+xml', href: feedUrl(paging) },
      ...(rows.length > limit ? [{ rel: 'next' as const, type: 'application/atom+xml', href: feedUrl({ ...paging, before: onPage.at(-1)!.index }) }] : []),
    ];
    return writeAtom({
      id: `${tag}${followed.key}`, lang: locale.lang, title: followed.title, subtitle: locale.t.feedSubtitle,
      updated: newest ?? began, author: this.author, links, entries: entries.map((entry) => this.entry(entry, tag, locale)),
    });
  }

  private entry(entry: EntryInWords, tag: string, locale: Locale): AtomEntry {
    const log = this.url(entry.log);
    const links: AtomLink[] = entry.page
      ? [{ rel: 'alternate', type: 'text/html', href: this.url(entry.page) }, { rel: 'related', type: 'text/html', title: locale.t.feedLogEntry(entry.index), href: log }]
      : [{ rel: 'alternate', type: 'text/html', title: locale.t.feedLogEntry(entry.index), href: log }];
    return { id: `${tag}journal/${entry.index}`, title: entry.title, updated: entry.time, summary: locale.t.feedEntrySummary(entry.index, entry.action), category: entry.kind, links };
  }

  /** Whose changes the query asks for; a city or source the registry does not hold is a 404. */
  private async followed(query: FeedQuery, locale: Locale): Promise<Followed> {
    if (query.city !== undefined && query.source !== undefined) {
      throw new FeedError(FeedErrorCode.ConflictingFilters, 'Ask for one city\'s changes (city) or one source\'s (source), not both: a source\'s changes are also in its city\'s feed.');
    }
    if (query.city !== undefined) {
      const city = await this.organisations.findByReference(query.city);
      if (!city || city.kind !== 'city') throw new FeedError(FeedErrorCode.UnknownCity, `There is no city "${query.city}" in this registry.`);
      return {
        filter: { organisationId: city.id }, key: `feeds/changes/city/${city.id}`, title: locale.t.feedCity(locale.text(city.name)),
        page: locale.href('/sources', { city: city.slug }), params: { city: city.slug },
      };
    }
    if (query.source !== undefined) {
      const id = query.source.toLowerCase();
      const [source] = await this.sources.findByIds([id]);
      if (!source) throw new FeedError(FeedErrorCode.UnknownSource, `There is no source ${id} in this registry.`);
      return {
        filter: { subjectType: 'source', subjectId: source.id }, key: `feeds/changes/source/${source.id}`, title: locale.t.feedSource(locale.text(source.name)),
        page: locale.href(`/sources/${source.id}`), params: { source: source.id },
      };
    }
    return { filter: {}, key: 'feeds/changes', title: locale.t.feedRegistry, page: locale.href('/'), params: {} };
  }

  private url(path: string): string {
    return `${this.publicUrl}${path}`;
  }

  private journalBegan(): Promise<Date> {
    // The journal is never empty once the registry has started (the operator's organisation is its first entry).
    // A failed read is not kept: the next request reads again rather than fail for the life of the process.
    this.began ??= this.journal.began().then(
      (date) => date ?? new Date(0),
      (error: unknown) => {
        this.began = null;
        throw error;
      },
    );
    return this.began;
  }
}

/**
 * The start of the feed's and the entries' tag IRIs (RFC 4151): the public URL's host, the day the journal began (the
 * registry held its name then) and its path, so ids stay the same across pages, languages and restarts.
 */
export function tagPrefix(publicUrl: string, began: Date): string {
  const url = new URL(publicUrl);
  const path = url.pathname.replace(/^\/+|\/+$/g, '');
  return `tag:${url.hostname},${began.toISOString().slice(0, 10)}:${path ? `${path}/` : ''}`;
}
