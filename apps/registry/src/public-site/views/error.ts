import { type Html, html } from '../html.js';
import type { Locale } from '../i18n.js';

/** The page a resident sees for a record that is not public (or not there), an invalid address, or our own failure. */
export function errorPage(locale: Locale, status: number, requestId: string): { title: string; content: Html } {
  const { t } = locale;
  const [title, text] = status === 404 ? [t.notFoundTitle, t.notFoundText] : status === 400 ? [t.badRequestTitle, t.badRequestText] : [t.errorTitle, t.errorText(requestId)];
  return { title, content: html`<h1>${title}</h1><p>${text}</p><p><a href="${locale.href('/')}">${t.backHome}</a></p>` };
}
