// Applies a diff the way a reader of README.md does: find the lines it shows, change them, leave the
// rest of the generated file alone. Unlike `patch`, context lines need not be adjacent, so the README
// can show two edits without copying the lines that differ between ESM and CommonJS projects.

/**
 * ` ` lines are found in order and move the cursor past them, `-` lines are found and removed, `+`
 * lines are inserted at the cursor. Every line must match a whole line of the source.
 */
export function applyLineDiff(source: string, diff: string): string {
  const lines = source.split('\n');
  let cursor = 0;
  for (const line of diff.split('\n')) {
    if (line === '') continue;
    const [marker, text] = [line[0], line.slice(1)];
    if (marker === '+') {
      lines.splice(cursor, 0, text);
      cursor += 1;
      continue;
    }
    if (marker !== ' ' && marker !== '-') throw new Error(`not a diff line: "${line}"`);
    const found = lines.indexOf(text, cursor);
    if (found === -1) throw new Error(`the file has no line "${text}" after line ${cursor}:\n${source}`);
    if (marker === ' ') cursor = found + 1;
    else {
      lines.splice(found, 1);
      cursor = found;
    }
  }
  return lines.join('\n');
}
