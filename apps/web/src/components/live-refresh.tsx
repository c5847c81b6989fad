"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

/**
 * Re-renders the page from the server every few seconds while `active` (a running sweep): the server components
 * read the store again, so counts, curves and tables follow the sweep without a socket.
 */
export function LiveRefresh({ active, seconds = 3 }: { active: boolean; seconds?: number }) {
  const router = useRouter();
  const [at, setAt] = useState<string | null>(null);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      router.refresh();
      // in UTC, 24 h, as every other time on the dashboard (stamp), not the browser's locale
      setAt(`${new Date().toISOString().slice(11, 19)} UTC`);
    }, seconds * 1000);
    return () => clearInterval(timer);
  }, [active, seconds, router]);
  if (!active) return null;
  return (
    <span className="pill" data-testid="live">
      live{at ? ` · updated ${at}` : ""}
    </span>
  );
}
