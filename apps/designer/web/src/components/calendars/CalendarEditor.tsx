/**
 * The project's shared calendars (holidays, closures): authored once, used by name by the weekly
 * schedules (off, at their default, all day) and calendar blocks of every flow.
 */
import { type FormEvent, useState } from "react";
import type { GraphNode, JsonValue } from "../../api/types";
import { type Calendars, describeEntry, nameProblem, refersTo, usersOf, usesCalendars } from "../../lib/calendars";
import { EntryForm } from "./EntryForm";

type Params = { [key: string]: JsonValue };

export interface SelectedBlock {
  id: string;
  label: string | null;
  blockType: string;
  params: Params;
}

function NewCalendar({ calendars, onAdd }: { calendars: Calendars; onAdd: (name: string) => void }) {
  const [name, setName] = useState("");
  const [problem, setProblem] = useState("");
  function add(e: FormEvent) {
    e.preventDefault();
    const p = nameProblem(name, calendars);
    setProblem(p);
    if (!p) {
      onAdd(name.trim());
      setName("");
    }
  }
  return (
    <form className="entry-form" onSubmit={add} aria-label="Create a calendar" noValidate>
      <label>
        New calendar
        <input value={name} placeholder="holidays" onChange={(e) => { setName(e.target.value); setProblem(""); }}
          aria-invalid={problem ? true : undefined} aria-describedby={problem ? "new-calendar-problem" : undefined} />
      </label>
      <button type="submit">Create</button>
      {problem && <small className="field-error" role="alert" id="new-calendar-problem">{problem}</small>}
    </form>
  );
}

export function CalendarEditor({ calendars, saving, nodes, selected, onChange, onUse }: {
  calendars: Calendars;
  saving: boolean;
  nodes: readonly GraphNode[];
  selected: SelectedBlock | undefined;
  onChange: (next: Calendars) => void;
  onUse: (nodeId: string, calendar: string) => void;
}) {
  const names = Object.keys(calendars).sort();
  const schedule = selected && usesCalendars(selected.blockType) ? selected : undefined;
  return (
    <section className="calendar-editor" aria-label="Shared calendars">
      <h2>Shared calendars {saving && <small className="saving">saving…</small>}</h2>
      <p className="doc">
        Holidays and closures, written once for the whole project. A weekly schedule that uses one follows its
        default all day on those days; a Calendar block is true on them.
      </p>
      {names.length === 0 && (
        <p className="empty">No calendar yet. Create one (e.g. "holidays"), add its days, then use it in a schedule.</p>
      )}
      {names.map((name) => {
        const entries = calendars[name]?.entries ?? [];
        const users = usersOf(nodes, name);
        return (
          <section key={name} className="calendar" aria-label={`Calendar ${name}`}>
            <h3>{name}</h3>
            <p className="users">
              {users.length ? `Used by ${users.join(", ")}` : "Not used by any schedule yet."}
            </p>
            {entries.length === 0 ? (
              <p className="hint">No days yet: this calendar matches nothing.</p>
            ) : (
              <ul className="entries">
                {entries.map((e, i) => (
                  <li key={`${i}-${describeEntry(e)}`}>
                    {describeEntry(e)}
                    <button type="button" className="link" aria-label={`Remove ${describeEntry(e)} from ${name}`}
                      onClick={() => onChange({ ...calendars, [name]: { entries: entries.filter((_, j) => j !== i) } })}>
                      remove
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <EntryForm calendar={name} onAdd={(e) => onChange({ ...calendars, [name]: { entries: [...entries, e] } })} />
            <div className="calendar-actions">
              {schedule && !refersTo(schedule.blockType, schedule.params, name) && (
                <button type="button" onClick={() => onUse(schedule.id, name)}>
                  Use in {schedule.label || schedule.id}
                </button>
              )}
              <button type="button" className="danger" disabled={users.length > 0}
                title={users.length ? `Used by ${users.join(", ")}: take it out of those blocks first` : undefined}
                onClick={() => {
                  const { [name]: _gone, ...rest } = calendars;
                  onChange(rest);
                }}>
                Delete calendar
              </button>
            </div>
          </section>
        );
      })}
      {!schedule && names.length > 0 && <p className="hint">Select a weekly schedule or a Calendar block to use a calendar in it.</p>}
      <NewCalendar calendars={calendars} onAdd={(n) => onChange({ ...calendars, [n]: { entries: [] } })} />
    </section>
  );
}
