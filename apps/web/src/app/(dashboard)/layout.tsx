import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { viewer } from "../../server/store";

/** Every dashboard page: in team mode only for a signed-in browser (the others go to the sign-in page). */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const v = await viewer();
  if (v.mode === "team" && !v.user) redirect("/signin");
  return children;
}
