// Gateway API match precedence (CONFIG-MODEL §2.5), as a pure comparator over MatchEntry.
// Hostname specificity (tie-breaker 1) is handled by the router's host buckets; this orders
// the entries that share one effective hostname:
//   2./3. Exact path > RegularExpression path > PathPrefix with the most characters (as written)
//   4. has a method match
//   5. most header matches, 6. most query param matches (distinct names: when a name repeats in
//      a match's list only the first counts, so duplicates are not counted either)
//   7. routeOrder (oldest creationTimestamp / load order, then namespace/name — computed by config)
//   8. rule index in list order, then match index within the rule.
import type { MatchEntry, ValueMatch } from './plan';

/** Negative when `a` takes precedence over `b`. */
export function compareEntries(a: MatchEntry, b: MatchEntry): number {
  return pathRank(b) - pathRank(a)
    || (b.method ? 1 : 0) - (a.method ? 1 : 0)
    || distinctNames(b.headers, true) - distinctNames(a.headers, true)
    || distinctNames(b.queryParams, false) - distinctNames(a.queryParams, false)
    || a.routeOrder - b.routeOrder
    || a.rule - b.rule
    || a.matchIndex - b.matchIndex;
}

// Exact > RegularExpression > PathPrefix (longer first). Prefix lengths are <= 1024 < 2^20.
function pathRank(e: MatchEntry): number {
  switch (e.path.type) {
    case 'Exact': return 3 << 20;
    case 'RegularExpression': return 2 << 20;
    default: return e.path.value.length;
  }
}

/** Number of distinct names in a match list (header names compare case-insensitively). */
export function distinctNames(list: ValueMatch[], caseInsensitive: boolean): number {
  let count = 0;
  for (let i = 0; i < list.length; i++) {
    if (firstIndexOfName(list, i, caseInsensitive) === i) count++;
  }
  return count;
}

/** Index of the first entry of `list` whose name equals that of `list[i]`. */
export function firstIndexOfName(list: ValueMatch[], i: number, caseInsensitive: boolean): number {
  const name = caseInsensitive ? list[i].name.toLowerCase() : list[i].name;
  for (let j = 0; j < i; j++) {
    const other = caseInsensitive ? list[j].name.toLowerCase() : list[j].name;
    if (other === name) return j;
  }
  return i;
}

/** Stable sort (a copy) of `entries` by precedence. */
export function sortEntries(entries: MatchEntry[]): MatchEntry[] {
  return entries.slice().sort(compareEntries);
}
