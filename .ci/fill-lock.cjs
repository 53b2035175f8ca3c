// npm 11 records optional platform packages (swc, rollup-style bindings) only when the registry serves them;
// the registry mirror of this workplace serves only linux-x64 ones, and `npm ci` then finds the lock "out of sync".
// Run after `npm install` changes the lock: it adds version-only entries for the missing ones, which npm skips
// on platforms they do not fit.
const fs = require('fs');
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const pk = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(pk)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies || {})) {
    const base = path === '' ? '' : path + '/';
    const nested = `${base}node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (pk[nested] || pk[top]) continue;
    pk[top] = { version: range.replace(/^[\^~=]/, ''), dev: meta.dev, optional: true };
    added++;
  }
}
fs.writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log('added', added);
