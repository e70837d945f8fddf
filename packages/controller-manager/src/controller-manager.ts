import { EventRecorder, type ApiClient } from '@tinykube/client';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SharedInformers, type ControllerContext, type ControllerManagerOptions, type QueueController } from './controller-context';
import { NodeIpamController } from './controllers/node-ipam';

// Builds every controller on one set of shared informers, starts the informers, then the
// workers. Runs only while this process holds the leader lease.

export const CONTROLLERS: Record<string, (ctx: ControllerContext) => QueueController> = {
  'node-ipam': (ctx) => new NodeIpamController(ctx),
};

export interface RunningControllers {
  stop(): Promise<void>;
}

export async function startControllers(api: ApiClient, o: ControllerManagerOptions, log: Logger, metrics: Registry, names = Object.keys(CONTROLLERS)): Promise<RunningControllers> {
  const informers = new SharedInformers(api);
  const ctx: ControllerContext = { api, informers, events: new EventRecorder(api, 'controller-manager'), log, metrics, options: o };
  const controllers = names.map((n) => {
    const make = CONTROLLERS[n];
    if (!make) throw new Error(`unknown controller ${n}; known: ${Object.keys(CONTROLLERS).join(', ')}`);
    return make(ctx);
  });
  await informers.startAll();
  for (const c of controllers) c.run();
  log.info({ controllers: names }, 'controllers running');
  return {
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      informers.stopAll();
    },
  };
}
