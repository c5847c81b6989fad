"use client";

import { messageOf } from "@tailsweep/schemas";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { trpc } from "../lib/trpc-client";
import { ActionButton } from "./action-button";

/** Runs a mutation from a form, then re-renders the page from the store; the server's refusal is shown as it is. */
function useMutation() {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await call();
      router.refresh();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

const field = (form: HTMLFormElement, name: string) =>
  (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value;

/** An owner's form: give an account (by email) a role in the project, or change it. */
export function MemberForm({ project }: { project: string }) {
  const { error, busy, run } = useMutation();
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const role = field(form, "role") as "viewer" | "member" | "owner";
    if (await run(() => trpc.members.set.mutate({ project, email: field(form, "email"), role })))
      form.reset();
  };
  return (
    <form className="inline" onSubmit={submit} data-testid={`member-form-${project}`}>
      <input name="email" type="email" placeholder="email of an account" required maxLength={254} />
      <select name="role" defaultValue="member">
        <option value="viewer">viewer</option>
        <option value="member">member</option>
        <option value="owner">owner</option>
      </select>
      <button type="submit" disabled={busy}>
        Add or change
      </button>
      {error && <span className="field-error"> {error}</span>}
    </form>
  );
}

/** An owner's button: take an account out of the project. */
export function RemoveMember({ project, email }: { project: string; email: string }) {
  return (
    <ActionButton
      label="Remove"
      confirm={`Remove ${email} from ${project}?`}
      run={() => trpc.members.remove.mutate({ project, email })}
    />
  );
}

/** A new API token for one of the caller's projects; its secret is shown here once. */
export function TokenForm({ projects }: { projects: string[] }) {
  const { error, busy, run } = useMutation();
  const [secret, setSecret] = useState<string>();
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    await run(async () => {
      const created = await trpc.tokens.create.mutate({
        project: field(form, "project"),
        name: field(form, "name"),
        days: Number(field(form, "days")),
      });
      setSecret(created.token);
    });
  };
  return (
    <>
      <form className="inline" onSubmit={submit} data-testid="token-form">
        <select name="project">
          {projects.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <input name="name" placeholder="what it is for" required maxLength={100} defaultValue="cli" />
        <input
          name="days"
          type="number"
          min={1}
          max={365}
          defaultValue={90}
          aria-label="days until it expires"
        />
        <button type="submit" disabled={busy || projects.length === 0}>
          Create token
        </button>
        {error && <span className="field-error"> {error}</span>}
      </form>
      {secret && (
        <p className="secret" data-testid="new-token">
          Copy it now, it is not shown again: <code>{secret}</code> — then <code>tailsweep login</code>.
        </p>
      )}
    </>
  );
}

/** Revokes a token: refused from the next request on. */
export function RevokeToken({ id }: { id: string }) {
  return <ActionButton label="Revoke" run={() => trpc.tokens.revoke.mutate({ id })} />;
}
