import { formatCidr, parseCidr, R, subnet, type Node } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';

// Gives every Node a pod CIDR: the lowest /24 (--node-cidr-mask-size) of the cluster CIDR that
// no other Node holds. The set of taken CIDRs is the Nodes themselves, so a restart loses nothing.

export class NodeIpamController extends QueueController {
  /** CIDRs this process gave out, until the informer shows them on their Nodes. */
  private readonly given = new Set<string>();

  constructor(protected readonly ctx: ControllerContext) {
    // One worker: an allocation reads every Node and must not race with another.
    super('node-ipam', { workers: 1, log: ctx.log });
    const nodes = ctx.informers.get<Node>(R.nodes);
    nodes.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name), onUpdate: (_, n) => this.queue.add(n.metadata.name) });
  }

  protected async sync(name: string): Promise<void> {
    const nodes = this.ctx.informers.get<Node>(R.nodes);
    const node = nodes.get(name);
    for (const c of this.given) if (nodes.list().some((n) => n.spec?.podCIDR === c)) this.given.delete(c);
    if (!node || node.spec?.podCIDR) return;
    const cluster = parseCidr(this.ctx.options.clusterCidr);
    const taken = new Set([...nodes.list().map((n) => n.spec?.podCIDR).filter(Boolean), ...this.given]);
    const count = 2 ** (this.ctx.options.nodeCidrMaskSize - cluster.bits);
    for (let i = 0; i < count; i++) {
      const cidr = formatCidr(subnet(cluster, this.ctx.options.nodeCidrMaskSize, i));
      if (taken.has(cidr)) continue;
      // The write is conditional on the resourceVersion read: a Node that changed meanwhile is
      // retried with a fresh view.
      await this.ctx.api.update<Node>(R.nodes, { ...node, spec: { ...node.spec, podCIDR: cidr, podCIDRs: [cidr] } });
      this.given.add(cidr);
      this.ctx.events.normal(node, 'CIDRAssignmentSucceeded', `Node ${name} got pod CIDR ${cidr}`);
      return;
    }
    this.ctx.events.warning(node, 'CIDRNotAvailable', `Node ${name}: no pod CIDR of /${this.ctx.options.nodeCidrMaskSize} left in ${this.ctx.options.clusterCidr}`);
  }
}
