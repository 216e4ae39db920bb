/**
 * The server's validation issues, each under the tab label of the flow it concerns (the flow's
 * name, as on its tab, never its id); an issue that names a block selects it (in whichever
 * flow), one inside a composite instance ('zone_3 > pid') opens the instance at that block, and
 * one that names only a flow opens that flow's tab.
 */
import type { Graph, ValidationIssue } from "../../api/types";

export interface ProblemsPanelProps {
  issues: ValidationIssue[] | null;
  graph: Graph | undefined;
  /** ``path``: where inside composite instances, as 'zone_3 > pid' (``node`` is then the instance). */
  onSelect: (node: string, path?: string | null) => void;
  onFlow: (flow: string) => void;
}

/** The tab label of the flow an issue concerns: its own flow, else its block's; null if neither. */
export function issueFlowLabel(issue: ValidationIssue, graph: Graph | undefined): string | null {
  const flowId = issue.flow ?? graph?.nodes?.find((n) => n.id === issue.node)?.flow;
  if (!flowId) return null;
  return graph?.flows?.find((f) => f.id === flowId)?.name ?? null;
}

export function ProblemsPanel({ issues, graph, onSelect, onFlow }: ProblemsPanelProps) {
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
          {issues.map((i, k) => {
            const flow = issueFlowLabel(i, graph);
            const go = i.node ? () => onSelect(i.node as string, i.path) : i.flow ? () => onFlow(i.flow as string) : undefined;
            return (
              <li key={k}>
                <button type="button" className="link" onClick={go} disabled={!go}>
                  {flow && (
                    <span className="issue-flow" data-testid="issue-flow">
                      {flow}
                    </span>
                  )}
                  <code>{i.code}</code> {i.path && !i.message.includes(i.path) && <strong>{i.path}: </strong>}
                  {i.message}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
