import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';

/**
 * The first value of `source$` that satisfies `predicate`; rejects naming `what` when none came within `ms`.
 * A guard against hanging on a real peer, not a timing assertion.
 */
export function waitFor<T>(source$: Observable<T>, predicate: (value: T) => boolean, what: string, ms = 5000): Promise<T> {
  return firstValueFrom(
    source$.pipe(
      filter(predicate),
      timeout({ first: ms, with: () => { throw new Error(`waited ${ms} ms for ${what}`); } }),
    ),
  );
}
