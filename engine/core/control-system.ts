import type { Category } from './category';

/** A plugin that issues commands (SPEC.md §1). */
export interface SystemSpec {
  readonly id: string;
  /** The highest category the system may use; also its commands' default. */
  readonly category: Category;
  readonly rank: number;
  /** Selectors it may command; `['*']` when the configuration gives none. */
  readonly targets: readonly string[];
}
