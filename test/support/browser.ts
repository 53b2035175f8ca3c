import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import bundledChromium from '@sparticuz/chromium';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

/**
 * Which Chromium the browser suites drive, chosen explicitly with PLAZA_BROWSER:
 * - `bundled` (the default): the headless Chromium that @sparticuz/chromium ships inside its npm tarball, unpacked
 *   into the temporary folder on first use, with its own fonts; a fresh clone needs nothing beyond Node.
 * - `system`: an installed Chromium, at PLAZA_CHROMIUM_PATH (default /usr/bin/chromium, Debian's).
 */
export type BrowserChoice = 'bundled' | 'system';

export function browserChoice(env: NodeJS.ProcessEnv = process.env): BrowserChoice {
  const choice = env.PLAZA_BROWSER ?? 'bundled';
  if (choice !== 'bundled' && choice !== 'system') throw new Error(`PLAZA_BROWSER must be bundled or system, not ${JSON.stringify(choice)}`);
  return choice;
}

/** Flags for a headless browser on a machine with no network: no sandbox (root), no GPU, no calls home. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Launches the chosen Chromium, and once more if it dies while starting: the bundled build crashed so once in CI
 * (SIGSEGV, before any page), and not in 90 launches since, on an idle machine or a loaded one.
 */
export async function launchBrowser(env: NodeJS.ProcessEnv = process.env): Promise<Browser> {
  try {
    return await launch(env);
  } catch (error) {
    if (!(error instanceof Error && error.message.includes('has been closed'))) throw error;
    return launch(env);
  }
}

async function launch(env: NodeJS.ProcessEnv): Promise<Browser> {
  if (browserChoice(env) === 'system') {
    const executablePath = env.PLAZA_CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(executablePath)) {
      throw new Error(`PLAZA_BROWSER=system, but there is no Chromium at ${executablePath}: install one, set PLAZA_CHROMIUM_PATH, or use PLAZA_BROWSER=bundled`);
    }
    return chromium.launch({ executablePath, args: FLAGS });
  }
  const executablePath = await bundledChromium.executablePath();
  // The bundled build finds its fonts through fontconfig, in the folder it unpacked them to.
  return chromium.launch({ executablePath, args: FLAGS, env: { ...env, FONTCONFIG_PATH: join(tmpdir(), 'fonts') } as Record<string, string> });
}

/** Fails with every WCAG 2.1 A and AA violation axe-core finds on the page as it is now, each named with its URL. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.map((v) => `${page.url()}: ${v.id} (${v.nodes.length}): ${v.help}`)).toEqual([]);
}

/** A browser context that reaches the registry at `base` alone: anything else is refused, as on a machine with no internet. */
export async function offlineContext(browser: Browser, base: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  await context.route((url) => url.origin !== base, (route) => route.abort());
  return context;
}
