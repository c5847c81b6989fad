import type { ReactNode } from "react";
import { toSignIn, viewer } from "../../server/store";

/**
 * Every dashboard page: in team mode only for a signed-in browser (the others go to the sign-in page, and come back
 * to the page they asked for once signed in).
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const v = await viewer();
  if (v.mode === "team" && !v.user) await toSignIn();
  return children;
}
