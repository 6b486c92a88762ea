// Gateway API match precedence (CONFIG-MODEL §2.5), as a pure comparator over MatchEntry.
// Hostname specificity (tie-breaker 1) is handled by the router's host buckets; this orders
// the entries that share one effective hostname.
import type { MatchEntry } from './plan';

/** Negative when `a` takes precedence over `b`. */
export function compareEntries(a: MatchEntry, b: MatchEntry): number {
  return pathRank(b) - pathRank(a)
    || (b.method ? 1 : 0) - (a.method ? 1 : 0)
    || b.headers.length - a.headers.length
    || b.queryParams.length - a.queryParams.length
    || a.routeOrder - b.routeOrder
    || a.rule - b.rule
    || a.matchIndex - b.matchIndex;
}

// Exact > RegularExpression > PathPrefix (longer first). Prefix lengths are < 2^20.
function pathRank(e: MatchEntry): number {
  switch (e.path.type) {
    case 'Exact': return 3 << 20;
    case 'RegularExpression': return 2 << 20;
    default: return e.path.value.length;
  }
}

export function sortEntries(entries: MatchEntry[]): MatchEntry[] {
  return entries.slice().sort(compareEntries);
}
