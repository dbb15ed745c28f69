// Takes PNGs of harness/out/*.html with headless Chromium into ../../docs/images/.
// Run `npm run screenshots` (it renders the HTML first). Needs Debian's chromium:
//   apt-get install -y chromium fonts-noto-cjk
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const OUT = resolve('harness/out');
const IMAGES = resolve('../../docs/images');
const SIZES = { 'hubspot-card-empty-ja': '760,290', 'hubspot-card-unavailable-ja': '760,350' };
const DEFAULT_SIZE = '900,630';

function chromium() {
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('No Chromium found: install it with `apt-get install -y chromium fonts-noto-cjk`.');
}

const browser = chromium();
mkdirSync(IMAGES, { recursive: true });
for (const file of readdirSync(OUT).filter((name) => name.endsWith('.html')).sort()) {
  const name = file.replace(/\.html$/, '');
  const profile = mkdtempSync(join(tmpdir(), 'hscard-chromium-'));
  try {
    execFileSync(browser, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--hide-scrollbars', `--user-data-dir=${profile}`,
      `--screenshot=${join(IMAGES, `${name}.png`)}`, `--window-size=${SIZES[name] ?? DEFAULT_SIZE}`,
      `file://${join(OUT, file)}`,
    ], { stdio: 'inherit', timeout: 60000 });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`docs/images/${name}.png`);
}
