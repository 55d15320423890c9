"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";

/**
 * List filters live in the URL query string, so a filtered view can be shared and survives a
 * reload. Updates go through the History API (Next.js keeps `useSearchParams` in sync), so
 * changing a filter does not re-render the server page.
 */
export function useUrlState() {
  const searchParams = useSearchParams();
  const pathname = usePathname();
  const set = useCallback(
    (changes: Record<string, string | number | null | undefined>, mode: "push" | "replace" = "push") => {
      const next = new URLSearchParams(searchParams.toString());
      // A keyset cursor belongs to one sort and filter (docs/performance.md, "Lists"): any other change drops it.
      if (!("cursor" in changes)) next.delete("cursor");
      for (const [key, value] of Object.entries(changes)) {
        if (value === null || value === undefined || value === "") next.delete(key);
        else next.set(key, String(value));
      }
      const qs = next.toString();
      const url = qs ? `${pathname}?${qs}` : pathname;
      if (mode === "replace") window.history.replaceState(null, "", url);
      else window.history.pushState(null, "", url);
    },
    [pathname, searchParams],
  );
  return { searchParams, set };
}

/** A search box value that follows the URL's `q` and writes back after a pause in typing. */
export function useDebouncedSearch(urlValue: string, onCommit: (value: string) => void, delay = 350) {
  const [value, setValue] = useState(urlValue);
  const commit = useRef(onCommit);
  useEffect(() => {
    commit.current = onCommit;
  });
  const last = useRef(urlValue);

  // Back/forward navigation changes the URL: follow it.
  useEffect(() => {
    if (urlValue !== last.current) {
      last.current = urlValue;
      setValue(urlValue);
    }
  }, [urlValue]);

  useEffect(() => {
    const trimmed = value.trim();
    if (trimmed === last.current) return;
    const timer = setTimeout(() => {
      last.current = trimmed;
      commit.current(trimmed);
    }, delay);
    return () => clearTimeout(timer);
  }, [value, delay]);

  return [value, setValue] as const;
}
