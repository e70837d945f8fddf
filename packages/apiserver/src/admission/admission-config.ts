// --admission-control-config-file: Kubernetes' AdmissionConfiguration, of which the PodSecurity
// plugin's PodSecurityConfiguration (defaults and exemptions) is read; anything else in it is
// refused by name rather than ignored.
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_POD_SECURITY, type Mode, type PodSecurityConfig } from './pod-security';
import { LEVELS, type Level } from './pod-security-checks';

export function loadAdmissionConfig(file: string): { podSecurity: PodSecurityConfig } {
  const doc = parse(fs.readFileSync(file, 'utf8')) as { kind?: string; plugins?: { name?: string; configuration?: unknown; path?: string }[] };
  if (doc?.kind !== 'AdmissionConfiguration') throw new Error(`${file}: kind must be AdmissionConfiguration`);
  let podSecurity = DEFAULT_POD_SECURITY;
  for (const p of doc.plugins ?? []) {
    if (p.name !== 'PodSecurity') throw new Error(`${file}: plugin ${p.name ?? '<unnamed>'} takes no configuration here (only PodSecurity does)`);
    const c = (p.configuration ?? (p.path ? parse(fs.readFileSync(p.path, 'utf8')) : undefined)) as { kind?: string; defaults?: Record<string, string>; exemptions?: { usernames?: string[]; namespaces?: string[]; runtimeClasses?: string[] } } | undefined;
    if (c?.kind !== 'PodSecurityConfiguration') throw new Error(`${file}: the PodSecurity configuration must be a PodSecurityConfiguration`);
    const defaults: Partial<Record<Mode, Level>> = {};
    for (const [k, v] of Object.entries(c.defaults ?? {})) {
      if (k.endsWith('-version')) {
        if (v !== 'latest') throw new Error(`${file}: defaults.${k}: only "latest" is evaluated`);
        continue;
      }
      if (!['enforce', 'audit', 'warn'].includes(k)) throw new Error(`${file}: defaults.${k}: unknown mode`);
      if (!(LEVELS as readonly string[]).includes(v)) throw new Error(`${file}: defaults.${k}: "${v}" is not one of ${LEVELS.join(', ')}`);
      defaults[k as Mode] = v as Level;
    }
    if (c.exemptions?.runtimeClasses?.length) throw new Error(`${file}: exemptions.runtimeClasses: tinykube has no RuntimeClasses`);
    podSecurity = { defaults, exemptions: { usernames: c.exemptions?.usernames ?? [], namespaces: c.exemptions?.namespaces ?? DEFAULT_POD_SECURITY.exemptions.namespaces } };
  }
  return { podSecurity };
}
