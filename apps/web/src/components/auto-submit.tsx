"use client";

import { useEffect } from "react";

/**
 * Submits a view form (`<form data-autosubmit method="get">`) when one of its choices changes. The forms work
 * without it (they have a button); this only saves the click. The URL they produce is the view's permalink.
 */
export function AutoSubmit() {
  useEffect(() => {
    const onChange = (e: Event) => {
      const form = (e.target as HTMLElement).closest("form[data-autosubmit]") as HTMLFormElement | null;
      if (form && e.target instanceof HTMLSelectElement) form.requestSubmit();
    };
    document.addEventListener("change", onChange);
    return () => document.removeEventListener("change", onChange);
  }, []);
  return null;
}
