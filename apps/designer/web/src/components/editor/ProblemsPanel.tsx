/** The server's validation issues; an issue that names a block selects it (in whichever flow). */
import type { ValidationIssue } from "../../api/types";

export function ProblemsPanel({ issues, onSelect }: { issues: ValidationIssue[] | null; onSelect: (node: string) => void }) {
  return (
    <section aria-label="Problems" className="problems">
      {issues === null ? (
        <p>Checking…</p>
      ) : issues.length === 0 ? (
        <p className="ok" data-testid="valid">
          No problems found.
        </p>
      ) : (
        <ul data-testid="issues">
          {issues.map((i, k) => (
            <li key={k}>
              <button type="button" className="link" onClick={() => (i.node ? onSelect(i.node) : undefined)} disabled={!i.node}>
                <code>{i.code}</code> {i.message}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
