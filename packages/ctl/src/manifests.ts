// Reads manifests: files, directories and multi-document YAML (or JSON), `-` for stdin.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '@tinykube/api';

export function readManifests(paths: string[]): { source: string; obj: KubeObject }[] {
  const out: { source: string; obj: KubeObject }[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parseText(readFileSync(0, 'utf8'), '<stdin>'));
      continue;
    }
    const st = statSync(p);
    if (st.isDirectory()) {
      const files = readdirSync(p).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
      out.push(...readManifests(files.map((f) => join(p, f))));
    } else out.push(...parseText(readFileSync(p, 'utf8'), p));
  }
  return out;
}

export function parseText(text: string, source: string): { source: string; obj: KubeObject }[] {
  const out: { source: string; obj: KubeObject }[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`error parsing ${source}: ${doc.errors[0]?.message}`);
    const v = doc.toJS() as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`error parsing ${source}: a manifest must be an object`);
    const o = v as KubeObject & { items?: KubeObject[] };
    if (o.kind?.endsWith('List') && Array.isArray(o.items)) out.push(...o.items.map((obj) => ({ source, obj })));
    else out.push({ source, obj: o });
  }
  return out;
}
