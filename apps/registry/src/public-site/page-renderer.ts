import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG } from '../platform/config/config.module.js';
import { type AppConfig, tileOrigin } from '../platform/config/config.js';
import type { Html } from './html.js';
import { type Lang, Locale, negotiateLang } from './i18n.js';
import { layout, type PageFrame } from './views/layout.js';
import type { SiteFacts } from './views/structured-data.js';
import type { PublicReadOptions } from '../platform/response-cache/public-read.js';

/** Every page is a public read in two languages: the one asked for (`?lang`), else the browser's. */
export const PAGE_READ: PublicReadOptions = {
  variant: (request) => negotiateLang((request.query as { lang?: unknown }).lang, request.headers['accept-language']),
};

/** Turns a page's content into the response: the frame, the language, and the pages' own security policy. */
@Injectable()
export class PageRenderer {
  /**
   * Pages run only the register's own scripts and styles, and load images from here and the tile server. The API's
   * policy (app.ts) stays as it is: this one is set on HTML pages alone.
   */
  private readonly csp: string;
  readonly map: { tileUrl: string | null; attribution: string };
  readonly site: SiteFacts;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const tiles = config.mapTileUrl === null ? null : tileOrigin(config.mapTileUrl);
    this.csp = [
      "default-src 'self'", "script-src 'self'", "style-src 'self'", `img-src 'self' data:${tiles ? ` ${tiles}` : ''}`, "connect-src 'self'",
      "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].join('; ');
    this.map = { tileUrl: config.mapTileUrl, attribution: config.mapAttribution };
    this.site = { publicUrl: config.publicUrl, operatorName: config.operatorName, defaultLicence: config.defaultLicence };
  }

  locale(request: FastifyRequest, lang: Lang | undefined): Locale {
    return new Locale(negotiateLang(lang, request.headers['accept-language']));
  }

  send(reply: FastifyReply, request: FastifyRequest, frame: Omit<PageFrame, 'demo' | 'otherLanguageHref'>, content: Html, status = 200): void {
    const page = layout({ ...frame, demo: this.config.demo, otherLanguageHref: otherLanguage(request.url, frame.locale.lang) }, content);
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', this.csp)
      .header('vary', 'Accept-Language')
      .send(page.markup);
  }
}

/** The same address in the other language. */
function otherLanguage(url: string, lang: Lang): string {
  const parsed = new URL(url, 'http://register.invalid');
  parsed.searchParams.set('lang', lang === 'en' ? 'fr' : 'en');
  return `${parsed.pathname}${parsed.search}`;
}
