// tsc's stripInternal does not apply to declarations emitted from JavaScript: drop the members whose JSDoc
// says @internal from the emitted .d.ts files, so the published types show only the public API.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? 'types');
for (const file of readdirSync(dir).filter((f) => f.endsWith('.d.ts'))) {
  const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trimStart().startsWith('/**')) { out.push(line); continue; }
    let end = i;
    while (!lines[end].includes('*/')) end++;
    const comment = lines.slice(i, end + 1).join('\n');
    if (!/@internal\b/.test(comment)) { out.push(...lines.slice(i, end + 1)); i = end; continue; }
    // skip the comment and the declaration after it (which may span lines, closing at the same indentation)
    let j = end + 1;
    const indent = lines[j].length - lines[j].trimStart().length;
    while (!(lines[j].trimEnd().endsWith(';') && lines[j].length - lines[j].trimStart().length === indent)) j++;
    i = j;
  }
  writeFileSync(path.join(dir, file), out.join('\n'));
}
