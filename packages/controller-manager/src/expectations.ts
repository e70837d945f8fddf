// Controller expectations, as in Kubernetes: after asking for N creations or deletions, a
// controller waits until its informer has seen them (or a timeout passes) before it counts
// pods again, so a stale cache never makes it create or delete twice.

const TIMEOUT_MS = 5 * 60_000;

interface Expectation {
  adds: number;
  dels: number;
  at: number;
}

export class Expectations {
  private readonly m = new Map<string, Expectation>();

  satisfied(key: string): boolean {
    const e = this.m.get(key);
    if (!e) return true;
    if ((e.adds <= 0 && e.dels <= 0) || Date.now() - e.at > TIMEOUT_MS) {
      this.m.delete(key);
      return true;
    }
    return false;
  }

  expect(key: string, adds: number, dels: number): void {
    this.m.set(key, { adds, dels, at: Date.now() });
  }

  creationObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.adds--;
  }

  deletionObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.dels--;
  }

  delete(key: string): void {
    this.m.delete(key);
  }
}
