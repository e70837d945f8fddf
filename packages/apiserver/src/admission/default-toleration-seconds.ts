// DefaultTolerationSeconds: every new pod tolerates not-ready and unreachable nodes for a while
// (300 s unless the apiserver's flags say otherwise), so the node lifecycle controller evicts it
// after that time rather than at once.
import { addDefaultTolerations, type Pod } from '@tinykube/api';
import type { AdmissionPlugin, Attributes } from './admission';

export class DefaultTolerationSeconds implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';

  constructor(private readonly seconds: { notReady: number; unreachable: number }) {}

  admit(a: Attributes): void {
    if (a.operation !== 'CREATE' || a.resource.kind !== 'Pod' || a.subresource) return;
    const pod = a.object as Pod | undefined;
    if (pod?.spec) addDefaultTolerations(pod.spec, this.seconds.notReady, this.seconds.unreachable);
  }
}
