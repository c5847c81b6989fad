import type { ReactNode } from "react";

export const metadata = {
  title: "tailsweep",
  description: "sweeps of the Student-t multimodal VAE, compared across seeds",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", margin: "1.5rem", color: "#1a1a1a" }}>
        <header style={{ marginBottom: "1rem" }}>
          <a href="/" style={{ fontWeight: 700, textDecoration: "none", color: "inherit" }}>
            tailsweep
          </a>
        </header>
        {children}
      </body>
    </html>
  );
}
