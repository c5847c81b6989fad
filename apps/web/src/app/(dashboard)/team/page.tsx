import { MemberForm, RemoveMember, RevokeToken, TokenForm } from "../../../components/team-forms";
import { age, stamp } from "../../../lib/format";
import { api } from "../../../server/store";

export const dynamic = "force-dynamic";

/** The caller's projects with their members (owners change them) and the caller's own API tokens. */
export default async function TeamPage() {
  const trpc = await api();
  const me = await trpc.me();
  if (me.projects === "all")
    return (
      <main>
        <h1>Team</h1>
        <p>
          Embedded mode has one local user and no accounts. A team shares a PostgreSQL store (
          <code>DATABASE_URL</code>), where everyone signs in and has a role per project.
        </p>
      </main>
    );
  const projects = await Promise.all(
    me.projects.map(async (p) => ({ ...p, members: await trpc.members.list({ project: p.project }) })),
  );
  const tokens = await trpc.tokens.list();
  return (
    <main>
      <h1>Team</h1>
      <p>
        Signed in as {me.label}. Viewers read; members also launch and cancel; owners also manage members.
      </p>
      {projects.length === 0 && <p>You are in no project yet: an owner of one adds you by your email.</p>}
      {projects.map((p) => (
        <section key={p.project} data-testid={`members-${p.project}`}>
          <h2>
            {p.project} <span className="pill">{p.role}</span>
          </h2>
          <table className="data">
            <thead>
              <tr>
                <th>member</th>
                <th>email</th>
                <th>role</th>
                <th>since</th>
                {p.role === "owner" && <th />}
              </tr>
            </thead>
            <tbody>
              {p.members.map((m) => (
                <tr key={m.userId}>
                  <td>{m.name}</td>
                  <td>{m.email}</td>
                  <td>{m.role}</td>
                  <td title={stamp(m.since)}>{age(m.since)}</td>
                  {p.role === "owner" && (
                    <td>
                      <RemoveMember project={p.project} email={m.email} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {p.role === "owner" && <MemberForm project={p.project} />}
        </section>
      ))}
      <section data-testid="tokens">
        <h2>Your API tokens</h2>
        <p>
          For the CLI (<code>tailsweep login</code>) and scripts: one project each, acting with your role
          there.
        </p>
        <TokenForm projects={projects.map((p) => p.project)} />
        {tokens.length > 0 && (
          <table className="data">
            <thead>
              <tr>
                <th>id</th>
                <th>project</th>
                <th>name</th>
                <th>state</th>
                <th>expires</th>
                <th>last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.map((tk) => (
                <tr key={tk.id}>
                  <td className="mono">{tk.id}</td>
                  <td>{tk.projectId}</td>
                  <td>{tk.name}</td>
                  <td>{tk.state}</td>
                  <td>{stamp(tk.expiresAt)}</td>
                  <td>{tk.lastUsedAt ? age(tk.lastUsedAt) : "never"}</td>
                  <td>{tk.state === "active" && <RevokeToken id={tk.id} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
