import type { ReactNode } from "react";
import "./globals.css";

export const metadata = {
  title: "tailsweep",
  description: "sweeps of the Student-t multimodal VAE, compared across seeds",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="top">
          <a href="/" className="brand">
            tailsweep
          </a>
          <nav>
            <a href="/">Sweeps</a>
            <a href="/launch">Launch</a>
            <a href="/compare">Compare runs</a>
            <a href="/workers">Workers</a>
            <a href="/audit">Audit log</a>
          </nav>
        </header>
        {children}
      </body>
    </html>
  );
}
