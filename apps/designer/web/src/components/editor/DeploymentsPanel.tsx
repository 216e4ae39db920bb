/** The project's deployments, newest first; an earlier active version can be rolled back to. */
import type { DeploymentEntry } from "../../api/types";

export interface DeploymentsPanelProps {
  deployments: DeploymentEntry[];
  /** The version the engine runs now (null when unknown). */
  engineVersion: string | null;
  onRollback: (version: string) => void;
}

export function DeploymentsPanel({ deployments, engineVersion, onRollback }: DeploymentsPanelProps) {
  const activeVersions = new Set(deployments.filter((d) => d.outcome === "active").map((d) => d.version));
  return (
    <section aria-label="Deployments" className="deployments">
      <table className="list">
        <thead>
          <tr>
            <th>When</th>
            <th>Version</th>
            <th>By</th>
            <th>Outcome</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {deployments.map((d) => (
            <tr key={d.id}>
              <td>{new Date(d.at).toLocaleString()}</td>
              <td>
                {d.version} <small>{d.action}</small>
              </td>
              <td>{d.by}</td>
              <td>{d.outcome}</td>
              <td>
                {d.outcome === "active" && activeVersions.has(d.version) && engineVersion !== d.version && (
                  <button type="button" onClick={() => onRollback(d.version)}>
                    Roll back to {d.version}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deployments.length === 0 && <p>No deployments yet.</p>}
    </section>
  );
}
