/**
 * The server's validation issues; an issue that names a block selects it (in whichever flow),
 * and one inside a composite instance ('zone_3 > pid') opens the instance at that block.
 */
import type { ValidationIssue } from "../../api/types";

export function ProblemsPanel({ issues, onSelect }: { issues: ValidationIssue[] | null; onSelect: (node: string, path?: string | null) => void }) {
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
              <button type="button" className="link" onClick={() => (i.node ? onSelect(i.node, i.path) : undefined)} disabled={!i.node}>
                <code>{i.code}</code> {i.path && !i.message.includes(i.path) && <strong>{i.path}: </strong>}
                {i.message}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
