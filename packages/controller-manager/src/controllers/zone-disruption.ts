import { getCondition, type Node } from '@tinykube/api';

// Kubernetes' node lifecycle disruption guard, as pure functions: nodes are grouped by zone,
// each zone is Normal, PartialDisruption or FullDisruption by how many of its nodes are not
// Ready, and the state decides how fast NoExecute taints (and so evictions) may be added.
// When every zone is fully disrupted the control plane, not the nodes, is the likely fault,
// and nothing is evicted at all.

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface DisruptionOptions {
  /** Fraction of not-Ready nodes (at least 3) that makes a zone partially disrupted. */
  unhealthyZoneThreshold: number;
  /** Nodes tainted per second in a Normal zone (and a fully disrupted one while others are not). */
  evictionRate: number;
  /** Nodes tainted per second in a partially disrupted zone larger than largeClusterSizeThreshold. */
  secondaryEvictionRate: number;
  largeClusterSizeThreshold: number;
}

export const DEFAULT_DISRUPTION: DisruptionOptions = { unhealthyZoneThreshold: 0.55, evictionRate: 0.1, secondaryEvictionRate: 0.01, largeClusterSizeThreshold: 50 };

/** The zone key Kubernetes uses: region and zone labels. */
export function zoneOf(n: Node): string {
  const labels = n.metadata.labels ?? {};
  return `${labels['topology.kubernetes.io/region'] ?? ''}:\u0000:${labels['topology.kubernetes.io/zone'] ?? ''}`;
}

export function zoneState(nodes: Node[], threshold: number): ZoneState {
  const notReady = nodes.filter((n) => getCondition(n.status?.conditions, 'Ready')?.status !== 'True').length;
  const ready = nodes.length - notReady;
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / nodes.length >= threshold) return 'PartialDisruption';
  return 'Normal';
}

export interface Disruption {
  /** Every zone fully disrupted: evict nothing, lift the NoExecute taints. */
  all: boolean;
  zones: Map<string, { state: ZoneState; size: number; rate: number }>;
}

export function computeDisruption(nodes: Node[], o: DisruptionOptions): Disruption {
  const byZone = new Map<string, Node[]>();
  for (const n of nodes) {
    const z = zoneOf(n);
    byZone.set(z, [...(byZone.get(z) ?? []), n]);
  }
  const zones = new Map<string, { state: ZoneState; size: number; rate: number }>();
  for (const [z, list] of byZone) {
    const state = zoneState(list, o.unhealthyZoneThreshold);
    const rate = state === 'PartialDisruption' ? (list.length > o.largeClusterSizeThreshold ? o.secondaryEvictionRate : 0) : o.evictionRate;
    zones.set(z, { state, size: list.length, rate });
  }
  const all = zones.size > 0 && [...zones.values()].every((z) => z.state === 'FullDisruption');
  return { all, zones };
}

/** One token bucket per zone, burst 1: how many nodes may get a NoExecute taint, and when. */
export class ZoneTaintLimiter {
  private readonly next = new Map<string, number>();

  /** True if a node of the zone may be tainted now (and takes the token); else ms to wait, or Infinity at rate 0. */
  take(zone: string, rate: number, now = Date.now()): true | number {
    if (rate <= 0) return Infinity;
    const at = this.next.get(zone) ?? 0;
    if (now < at) return at - now;
    this.next.set(zone, now + 1000 / rate);
    return true;
  }
}
