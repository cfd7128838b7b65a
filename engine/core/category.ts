/** SPEC.md §1: categories, highest first. */
export const CATEGORIES = ['life', 'property', 'comfort', 'entertainment'] as const;
export type Category = (typeof CATEGORIES)[number];

const LEVEL: Record<Category, number> = { life: 3, property: 2, comfort: 1, entertainment: 0 };

export function isCategory(value: unknown): value is Category {
  return typeof value === 'string' && value in LEVEL;
}

/** Higher is more important: life 3 … entertainment 0. */
export function categoryLevel(category: Category): number {
  return LEVEL[category];
}

/** Only comfort and entertainment changes wait for minHold (SPEC.md §4). */
export function isHoldable(category: Category): boolean {
  return LEVEL[category] <= LEVEL.comfort;
}
