import { Controller, Get, Inject, Param, ParseIntPipe, ParseUUIDPipe, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../kernel/auth/decorators.js';
import { LogPageQuery, RecordPageQuery, RegisterPageQuery, SignQuery, SourcesPageQuery } from './public-site.dto.js';
import { PublicSiteService } from './public-site.service.js';
import type { HistoryView } from './history/record-history.js';
import { historySection } from './views/history.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import { type Html, html } from './html.js';
import type { Locale } from './i18n.js';
import { PageErrorFilter } from './page-error.filter.js';
import { PAGE_READ, PageRenderer } from './page-renderer.js';
import { PublicRead } from '../platform/response-cache/public-read.js';
import { agreementPage, agreementsPage } from './views/agreements.js';
import { homePage } from './views/home.js';
import type { FeedLink } from './views/layout.js';
import { logPage } from './views/log.js';
import { privacyRecordPage, privacyRecordsPage } from './views/privacy-records.js';
import { proposalPage, proposalsPage } from './views/proposals.js';
import { qrCode, signPage, signSides, signSvg, signTarget } from './views/sign.js';
import { sourcePage, sourcesPage } from './views/sources.js';
import { standardPage, standardsPage } from './views/standards.js';

// Any UUID form, as the API's own routes accept, and a 400 page (not a 500) for anything else.
const uuid = () => new ParseUUIDPipe({ version: undefined });
const MAP_SCRIPT = '/assets/map.js';
const MAP_STYLE = '/assets/map.css';
const NEAR_SCRIPT = '/assets/near-me.js';
const SIGN_STYLE = '/assets/sign.css';

/** A city's change feed, which its pages offer to feed readers. */
function cityFeed(locale: Locale, city: { slug: string; name: LocalizedText }): FeedLink {
  return { title: locale.t.feedCity(locale.text(city.name)), href: locale.href('/feeds/changes.atom', { city: city.slug }) };
}

/** The public register: server-rendered pages for residents, in English and French, readable without JavaScript. */
@ApiExcludeController()
@Controller()
@Public()
@UseFilters(PageErrorFilter)
export class PublicSiteController {
  constructor(
    @Inject(PublicSiteService) private readonly site: PublicSiteService,
    @Inject(PageRenderer) private readonly pages: PageRenderer,
  ) {}

  /**
   * A public record's history, under its page: the page of its changes the service read (from `query.history`), linking
   * to the next older page at the same address with the page's other parameters.
   */
  private withHistory(content: Html, locale: Locale, request: FastifyRequest, query: RecordPageQuery, view: HistoryView): Html {
    const path = request.url.split('?')[0]!;
    const { lang: _lang, ...params } = query;
    return html`${content}${historySection(locale, view, (older) => locale.href(path, { ...params, history: older }))}`;
  }

  @Get()
  @PublicRead(PAGE_READ)
  async home(@Query() query: RegisterPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    this.pages.send(reply, request, { locale, title: locale.t.navHome, section: 'home' }, homePage(locale, await this.site.home()));
  }

  @Get('sources')
  @PublicRead(PAGE_READ)
  async sources(@Query() query: SourcesPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const { list: view, city } = await this.site.sourceList(query, locale);
    const list = sourcesPage(locale, view, query, this.pages.map, this.pages.site);
    // A city's sources page is its page: its own details' history follows.
    const content = city ? this.withHistory(list, locale, request, query, city.history) : list;
    const feeds = city ? [cityFeed(locale, city.record)] : [];
    this.pages.send(reply, request, { locale, title: locale.t.sourcesTitle, section: 'sources', scripts: [MAP_SCRIPT, NEAR_SCRIPT], styles: [MAP_STYLE], feeds }, content);
  }

  @Get('sources/:id')
  @PublicRead(PAGE_READ)
  async source(@Param('id', uuid()) id: string, @Query() query: RecordPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const { record: view, history } = await this.site.source(id, locale, query.history);
    const content = this.withHistory(sourcePage(locale, view, this.pages.map, this.pages.site), locale, request, query, history);
    const feeds = [{ title: locale.t.feedSource(locale.text(view.source.name)), href: locale.href('/feeds/changes.atom', { source: view.source.id }) }, cityFeed(locale, view.owner)];
    this.pages.send(reply, request, { locale, title: locale.text(view.source.name), section: 'sources', scripts: [MAP_SCRIPT], styles: [MAP_STYLE], feeds }, content);
  }

  /** A source's sign, laid out for print on letter or A4 paper (sign.css): both languages, and a QR code drawn on the server. */
  @Get('sources/:id/sign')
  @PublicRead(PAGE_READ)
  async sign(@Param('id', uuid()) id: string, @Query() query: SignQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const view = await this.site.sign(id);
    const target = signTarget(this.pages.site.publicUrl, id);
    const paper = query.paper ?? 'letter';
    const content = signPage(locale, view, signSides(view), paper, await qrCode(target), target);
    const styles = [SIGN_STYLE, `/assets/sign-${paper}.css`];
    this.pages.send(reply, request, { locale, title: locale.t.signTitle(locale.text(view.source.name)), section: 'sources', styles }, content);
  }

  /** The same sign as an SVG document to download: one language-independent answer per paper size. */
  @Get('sources/:id/sign.svg')
  @PublicRead()
  async signSvg(@Param('id', uuid()) id: string, @Query() query: SignQuery, @Res() reply: FastifyReply): Promise<void> {
    const view = await this.site.sign(id);
    const paper = query.paper ?? 'letter';
    const svg = await signSvg(signSides(view), paper, signTarget(this.pages.site.publicUrl, id));
    void reply
      .header('content-type', 'image/svg+xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="sign-${id}-${paper}.svg"`)
      .send(svg);
  }

  @Get('agreements')
  @PublicRead(PAGE_READ)
  async agreements(@Query() query: RegisterPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const content = agreementsPage(locale, await this.site.agreementList(query.cursor), query.cursor);
    this.pages.send(reply, request, { locale, title: locale.t.agreementsTitle, section: 'agreements' }, content);
  }

  @Get('agreements/:id')
  @PublicRead(PAGE_READ)
  async agreement(@Param('id', uuid()) id: string, @Query() query: RecordPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const { record: view, history } = await this.site.agreement(id, locale, query.history);
    const frame = { locale, title: locale.t.agreementTitle(locale.text(view.agreement.city.name)), section: 'agreements' as const, feeds: [cityFeed(locale, view.agreement.city)] };
    this.pages.send(reply, request, frame, this.withHistory(agreementPage(locale, view), locale, request, query, history));
  }

  @Get('privacy-records')
  @PublicRead(PAGE_READ)
  async privacyRecords(@Query() query: RegisterPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const content = privacyRecordsPage(locale, await this.site.privacyRecordList(query.cursor), query.cursor);
    this.pages.send(reply, request, { locale, title: locale.t.privacyTitle, section: 'privacy' }, content);
  }

  @Get('privacy-records/:id')
  @PublicRead(PAGE_READ)
  async privacyRecord(@Param('id', uuid()) id: string, @Query() query: RecordPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const { record, history } = await this.site.privacyRecord(id, locale, query.history);
    this.pages.send(reply, request, { locale, title: locale.text(record.title), section: 'privacy' }, this.withHistory(privacyRecordPage(locale, record), locale, request, query, history));
  }

  @Get('standards')
  @PublicRead(PAGE_READ)
  async standards(@Query() query: RegisterPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    this.pages.send(reply, request, { locale, title: locale.t.standardsTitle, section: 'standards' }, standardsPage(locale, await this.site.standardList()));
  }

  @Get('standards/:id')
  @PublicRead(PAGE_READ)
  async standard(@Param('id') id: string, @Query() query: RecordPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const { record: standard, history } = await this.site.standard(id, locale, query.history);
    this.pages.send(reply, request, { locale, title: locale.text(standard.title), section: 'standards' }, this.withHistory(standardPage(locale, standard), locale, request, query, history));
  }

  @Get('proposals')
  @PublicRead(PAGE_READ)
  async proposals(@Query() query: RegisterPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const content = proposalsPage(locale, await this.site.proposalList(query.cursor), query.cursor);
    this.pages.send(reply, request, { locale, title: locale.t.proposalsTitle, section: 'proposals' }, content);
  }

  @Get('proposals/:number')
  @PublicRead(PAGE_READ)
  async proposal(
    @Param('number', new ParseIntPipe({ errorHttpStatusCode: 400 })) number: number, @Query() query: RecordPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const { record: proposal, history } = await this.site.proposal(number, locale, query.history);
    const content = this.withHistory(proposalPage(locale, proposal), locale, request, query, history);
    this.pages.send(reply, request, { locale, title: locale.t.proposalTitle(proposal.number), section: 'proposals' }, content);
  }

  @Get('log')
  @PublicRead({ ...PAGE_READ, followsLog: true })
  async log(@Query() query: LogPageQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const locale = this.pages.locale(request, query.lang);
    const content = logPage(locale, await this.site.logPage(query, locale), query);
    this.pages.send(reply, request, { locale, title: locale.t.logTitle, section: 'log', scripts: ['/assets/log-verify.js'] }, content);
  }
}
