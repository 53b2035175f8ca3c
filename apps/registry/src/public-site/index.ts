// The public-site feature's port: what other features may use. Everything else in this folder is internal.
export { PublicSiteModule } from './public-site.module.js';
export { JournalInWords, type EntryInWords } from './journal/journal-in-words.js';
export { LANGS, type Lang, Locale, negotiateLang } from './i18n.js';
