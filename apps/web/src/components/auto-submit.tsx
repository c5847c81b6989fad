"use client";

import { useEffect } from "react";

const autoSubmitted = (target: EventTarget | null) =>
  target instanceof HTMLSelectElement && target.form?.hasAttribute("data-autosubmit") ? target : undefined;

/**
 * Submits a view form (`<form data-autosubmit method="get">`) when one of its choices changes. The forms work
 * without it (they have a button); this only saves the click. The URL they produce is the view's permalink.
 *
 * A choice stepped through with the keyboard (arrow keys change a closed select at each press) is not a choice made
 * yet (WCAG 3.2.2: a change of value must not navigate): it is submitted on Enter or when focus leaves the select, a
 * choice from the open list or by pointer at once. And a page shown again from the back/forward cache (its DOM as it
 * was left) gets its choices back as the server rendered them for its URL, not the one being submitted when it was
 * left; a page loaded again by Back is kept from restoring them by `ViewForm`'s `autoComplete="off"`.
 */
export function AutoSubmit() {
  useEffect(() => {
    /** Selects changed from the keyboard since they were focused or submitted. */
    const stepped = new Set<HTMLSelectElement>();
    const steppingKeys = new Set([
      "ArrowUp",
      "ArrowDown",
      "ArrowLeft",
      "ArrowRight",
      "Home",
      "End",
      "PageUp",
      "PageDown",
    ]);
    let keyed: HTMLSelectElement | undefined;
    const onKeyDown = (e: KeyboardEvent) => {
      const select = autoSubmitted(e.target);
      if (!select) return;
      if (e.key === "Enter" && stepped.delete(select)) {
        e.preventDefault();
        select.form?.requestSubmit();
      } else if ((steppingKeys.has(e.key) && !e.altKey) || (e.key.length === 1 && e.key !== " ")) {
        // the change a key makes to a closed select comes in the same task; a key that changed nothing (ArrowUp on
        // the first option) must not make a later pick by pointer or from the list wait
        keyed = select;
        setTimeout(() => {
          if (keyed === select) keyed = undefined;
        });
      }
    };
    const onChange = (e: Event) => {
      const select = autoSubmitted(e.target);
      if (!select) return;
      if (keyed === select) stepped.add(select);
      else select.form?.requestSubmit();
      keyed = undefined;
    };
    const onFocusOut = (e: FocusEvent) => {
      const select = autoSubmitted(e.target);
      if (select && stepped.delete(select)) select.form?.requestSubmit();
    };
    const asRendered = () => {
      // the back/forward cache keeps this script's state too: nothing stepped is pending on the page shown again
      stepped.clear();
      // every view form (autocomplete off: its choices are the URL's), those without auto-submit too
      for (const form of document.querySelectorAll('form[method="get"][autocomplete="off"]'))
        if (form instanceof HTMLFormElement) form.reset();
    };
    const onPageShow = (e: PageTransitionEvent) => {
      if (e.persisted) asRendered();
    };
    document.addEventListener("keydown", onKeyDown, true);
    document.addEventListener("change", onChange);
    document.addEventListener("focusout", onFocusOut);
    window.addEventListener("pageshow", onPageShow);
    return () => {
      document.removeEventListener("keydown", onKeyDown, true);
      document.removeEventListener("change", onChange);
      document.removeEventListener("focusout", onFocusOut);
      window.removeEventListener("pageshow", onPageShow);
    };
  }, []);
  return null;
}
