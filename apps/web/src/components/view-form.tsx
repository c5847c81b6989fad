import type { ReactNode } from "react";

/**
 * A view's choices as a GET form: the URL it submits is the view's permalink, and {@link AutoSubmit} submits it when
 * a choice changes (a button does without JavaScript).
 *
 * `autoComplete="off"` keeps the browser from putting the choices back as they were when the page was left (HTML
 * §4.10.18.7: with autofill field name "off", "values are reset when traversing the history"). On Back it would, at a
 * moment of its own that can come after the page's scripts ran (seen in CI, not reproducible at will), and show a
 * choice the URL does not make: the one being submitted when the page was left. The choices shown are the URL's (a
 * page the back/forward cache shows again is reset to them by `AutoSubmit`). It also ends the browser's suggestions of
 * past entries in a text box, which a filter does without.
 */
export function ViewForm({
  className = "view-options",
  testId,
  children,
}: {
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <form method="get" className={className} data-autosubmit autoComplete="off" data-testid={testId}>
      {children}
    </form>
  );
}
