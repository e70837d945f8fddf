// A whole list fetched in pages, as client-go's pager does: `limit` items at a time following
// the continue token (every page is the first page's snapshot), and one unpaged list instead if
// the token expires (410) half-way.
import { isApiError, type KubeObject } from '@tinykube/api';
import type { ListResult } from './api-client';

export const DEFAULT_PAGE_SIZE = 500;

export interface Page<T extends KubeObject> extends ListResult<T> {
  continue?: string;
}

/** `fetch(limit, token)`: one page; limit 0 means everything at once. */
export async function listInPages<T extends KubeObject>(fetch: (limit: number, token: string | undefined) => Promise<Page<T>>, pageSize = DEFAULT_PAGE_SIZE): Promise<ListResult<T>> {
  const first = await fetch(pageSize, undefined);
  const items = [...first.items];
  let token = first.continue;
  while (token) {
    let page: Page<T>;
    try {
      page = await fetch(pageSize, token);
    } catch (err) {
      if (isApiError(err) && err.code === 410) {
        const all = await fetch(0, undefined);
        return { items: all.items, resourceVersion: all.resourceVersion };
      }
      throw err;
    }
    items.push(...page.items);
    token = page.continue;
  }
  return { items, resourceVersion: first.resourceVersion };
}
