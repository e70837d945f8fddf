import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes a file whole or not at all (a temporary beside it, renamed over it), with these mode bits. */
export function writeFileAtomic(file: string, text: string, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, text, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}
