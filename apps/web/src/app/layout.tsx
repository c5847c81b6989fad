import type { ReactNode } from "react";
import { viewer } from "../server/store";
import "./globals.css";

export const metadata = {
  title: "tailsweep",
  description: "sweeps of the Student-t multimodal VAE, compared across seeds",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const v = await viewer();
  const signedOut = v.mode === "team" && !v.user;
  return (
    <html lang="en">
      <body>
        <header className="top">
          <a href="/" className="brand">
            tailsweep
          </a>
          {!signedOut && (
            <nav>
              <a href="/">Sweeps</a>
              <a href="/launch">Launch</a>
              <a href="/compare">Compare runs</a>
              <a href="/workers">Workers</a>
              <a href="/audit">Audit log</a>
              <a href="/team">Team</a>
            </nav>
          )}
          {v.user && (
            <form method="post" action="/api/auth/signout" className="who">
              <span data-testid="signed-in-as" title={v.user.name}>
                {v.user.email}
              </span>
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        {children}
      </body>
    </html>
  );
}
